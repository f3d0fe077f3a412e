"""Exports: the source VRM is lossless (what was not edited is byte-identical after
normalisation), the runtime GLB bakes edits, keeps VRM unless stripped, and validates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from studio.cli import main
from studio.domain.errors import InvalidInputError
from studio.gltf.accessors import read_accessor
from studio.gltf.export.runtime import export_runtime
from studio.gltf.io import load, read_glb
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm
from studio.services.editor import AvatarEditor
from studio.services.export import export_avatar
from tests.fixtures.paths import DATA_DIR

SAMPLES = sorted((DATA_DIR / "vrm").glob("*.vrm"))
VRM0_MTOON = DATA_DIR / "vrm" / "EmissionMigration_v0.106.0.vrm"
VRM0_MORPH = DATA_DIR / "vrm" / "addon_simple_morph_vrm0.vrm"
VRM1 = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"


def _views(doc) -> list[bytes]:
    return [bytes(doc.buffer_view_bytes(i)) for i in range(len(doc.items("bufferViews")))]


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_unedited_source_export_is_lossless(path: Path) -> None:
    doc = load(path)
    editor = AvatarEditor(doc)
    out = read_glb(editor.export_source(), name=path.name)
    assert out.json == json.loads(json.dumps(doc.json))  # normalised JSON identical
    assert bytes(out.bin[: len(doc.bin)]) == bytes(doc.bin)  # BIN byte-identical
    assert parse_vrm(out).version == parse_vrm(doc).version  # 0.x stays 0.x


def test_edited_source_keeps_untouched_json_and_buffers() -> None:
    doc = load(VRM0_MTOON)
    editor = AvatarEditor(doc)
    editor.apply(
        {
            "materials": {"MToon_Emission_0.5": {"tint": "#3a7d4e"}},
            "boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}},
        }
    )
    out = read_glb(editor.export_source())
    for key in doc.json:
        if key not in ("materials", "nodes", "extensions"):
            assert out.json[key] == doc.json[key], key
    vrm_in, vrm_out = doc.json["extensions"]["VRM"], out.json["extensions"]["VRM"]
    for key in vrm_in:
        if key != "materialProperties":
            assert vrm_out[key] == vrm_in[key], key
    changed_nodes = [
        i for i, (a, b) in enumerate(zip(doc.json["nodes"], out.json["nodes"], strict=True)) if a != b
    ]
    assert changed_nodes == [parse_vrm(doc).humanoid["hips"]]
    assert _views(out) == _views(doc)


def test_runtime_bakes_morphs_and_keeps_vrm() -> None:
    editor = AvatarEditor.open(VRM0_MORPH)
    # "A" is an expression target: kept as a morph, not baked
    editor.apply({"faceMorphs": {"A": 0.5}})
    data, report = editor.export_runtime("web")
    out = read_glb(data, name="a.glb")
    assert report.baked_morphs == 0
    assert out.json["meshes"][0]["weights"] == [0.5]
    assert parse_vrm(out).version == "0.x"
    assert validate(out).counts["error"] == 0


def test_runtime_bakes_non_expression_morphs() -> None:
    doc = load(VRM0_MORPH)
    doc.json["extensions"]["VRM"]["blendShapeMaster"]["blendShapeGroups"][1]["binds"] = []
    doc.json["meshes"][0]["weights"] = [1.0]
    prim = doc.json["meshes"][0]["primitives"][0]
    expected = read_accessor(doc, prim["attributes"]["POSITION"]) + read_accessor(
        doc, prim["targets"][0]["POSITION"]
    )
    data, report = export_runtime(doc, "desktop")
    out = read_glb(data)
    assert report.baked_morphs == 1 and out.json["meshes"][0]["weights"] == [0.0]
    baked = read_accessor(out, out.json["meshes"][0]["primitives"][0]["attributes"]["POSITION"])
    assert baked == pytest.approx(expected, abs=1e-6)


def test_strip_vrm_gives_plain_gltf() -> None:
    data, _ = export_runtime(load(VRM1), "web", strip=True)
    out = read_glb(data, name="plain.glb")
    assert not parse_vrm(out).is_vrm
    assert not any(n.startswith("VRM") for n in out.json.get("extensionsUsed", []))
    assert all("VRMC_materials_mtoon" not in m.get("extensions", {}) for m in out.json["materials"])
    assert validate(out).counts["error"] == 0


def test_export_avatar_writes_seed_names(tmp_path: Path) -> None:
    result = export_avatar(
        VRM1,
        tmp_path,
        avatar_id="user-42",
        metadata={"materials": {"ScrollX": {"tint": "#d4a574"}}},
        thumbnail_size=256,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user-42.glb", "user-42.vrm", "user-42.webp"]
    assert Image.open(result.webp).size == (256, 256)
    assert parse_vrm(load(result.vrm)).version == "1.0"
    runtime = load(result.glb)
    assert "EXT_texture_webp" in runtime.json["extensionsRequired"]
    assert validate(runtime).counts["error"] == 0


def test_failed_export_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"materials\.Skin"):
        export_avatar(VRM1, tmp_path, metadata={"materials": {"Skin": {"tint": "#fff"}}})
    with pytest.raises(InvalidInputError, match="--id"):
        export_avatar(VRM1, tmp_path, avatar_id="../escape")
    assert list(tmp_path.iterdir()) == []


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = tmp_path / "m.json"
    meta.write_text(json.dumps({"boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}}}))
    code = main(
        [
            "export",
            str(VRM1),
            "--meta",
            str(meta),
            "--out",
            str(tmp_path / "out"),
            "--preset",
            "desktop",
            "--id",
            "me",
            "--thumbnail-size",
            "0",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["me.glb", "me.vrm"]
    meta.write_text(json.dumps({"boneTransforms": {"J_Bip_C_Hips": {"y": -1}}}))
    assert main(["export", str(VRM1), "--meta", str(meta), "--out", str(tmp_path / "x")]) == 1
    assert "boneTransforms.J_Bip_C_Hips.y" in capsys.readouterr().err


def test_cli_export_migrates_vrm0_and_prints_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["export", str(VRM0_MTOON), "--out", str(tmp_path / "out"), "--id", "me", "--thumbnail-size", "0"]
    assert main([*args, "--migrate-vrm1"]) == 0
    printed = capsys.readouterr().out
    assert "migrated" in printed and "not migrated: humanoid.armStretch" in printed
    assert parse_vrm(load(tmp_path / "out" / "me.vrm")).version == "1.0"
    assert parse_vrm(load(tmp_path / "out" / "me.glb")).version == "0.x"  # the runtime GLB is as it was
    assert main(["export", str(VRM1), "--out", str(tmp_path / "x"), "--migrate-vrm1"]) == 1
    assert "already" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_unmigrated_export_stays_vrm0_and_migration_keeps_edits(tmp_path: Path) -> None:
    editor = AvatarEditor(load(VRM0_MTOON))
    assert parse_vrm(read_glb(editor.export_source())).version == "0.x"  # never silently
    editor.apply({"materials": {"MToon_Emission_0.5": {"tint": "#3a7d4e"}}})
    data, report = editor.migrate_vrm1()
    assert editor.last_migration is report and report.dropped
    out = read_glb(data)
    index = next(i for i, m in enumerate(out.items("materials")) if m["name"] == "MToon_Emission_0.5")
    color = out.items("materials")[index]["pbrMetallicRoughness"]["baseColorFactor"]
    assert color[1] > color[0] and color[1] > color[2]  # the green tint came along


@pytest.mark.parametrize("base", ["feminine", "masculine"])
def test_migrated_vrm0_portrait_still_shows_the_face(base: str) -> None:
    """The camera frames VRM 0.x from -Z and 1.0 from +Z: the migrated avatar (turned round, skin
    and all) must give the same portrait, while one that was only relabelled shows the back."""
    import numpy as np

    from studio.domain.supermesh import SupermeshMetadata
    from studio.gltf.functions.rotate import rotate_y180
    from studio.gltf.vrm.migrate import migrate_vrm1
    from studio.procedural.humanoid import build_avatar
    from studio.procedural.spec import AvatarSpec
    from studio.procedural.vrm0 import write_vrm0
    from studio.render.thumbnail import render_thumbnail

    original = read_glb(write_vrm0(build_avatar(AvatarSpec(SupermeshMetadata(base=base)))), name="a.vrm")
    migrated, _ = migrate_vrm1(original)
    relabelled, _ = migrate_vrm1(original)
    rotate_y180(relabelled)  # undo the turn: VRM 1.0 labels on a model that still faces -Z

    def pixels(doc) -> np.ndarray:
        return np.asarray(render_thumbnail(doc, 256).convert("RGBA"), dtype=float)

    before, after, back = pixels(original), pixels(migrated), pixels(relabelled)
    assert np.abs(before - after).mean() < 1.0
    assert np.abs(before - back).mean() > 10 * max(np.abs(before - after).mean(), 0.5)


# -- edits are visible in the baked runtime export ----------------------------------------------


@pytest.fixture(scope="module")
def generated_vrm() -> bytes:
    from studio.domain.supermesh import SupermeshMetadata
    from studio.procedural.humanoid import build_avatar
    from studio.procedural.spec import AvatarSpec
    from studio.procedural.vrm1 import write_vrm1

    return write_vrm1(build_avatar(AvatarSpec(SupermeshMetadata(base="feminine"), name="render test")))


def _runtime(data: bytes, metadata: dict):
    editor = AvatarEditor(read_glb(data, name="a.vrm"))
    editor.apply(metadata)
    return read_glb(editor.export_runtime("web")[0], name="a.glb")


def _changed(before, after):
    import numpy as np

    diff = np.abs(np.asarray(before, dtype=int) - np.asarray(after, dtype=int)).max(axis=2) > 24
    ys, xs = np.nonzero(diff)
    return diff.sum(), xs, ys


def test_tint_and_face_morph_show_in_the_portrait(generated_vrm: bytes) -> None:
    from studio.render.thumbnail import render_thumbnail

    base = render_thumbnail(_runtime(generated_vrm, {}), 128)
    tinted = render_thumbnail(
        _runtime(generated_vrm, {"materials": {"Face_00_SKIN": {"tint": "#3050ff"}}}), 128
    )
    count, xs, ys = _changed(base, tinted)
    assert count > 800  # the face turned blue...
    assert 40 < xs.mean() < 88 and 40 < ys.mean() < 88  # ...in the middle of the head-framed portrait
    assert tinted.getpixel((64, 64))[2] > tinted.getpixel((64, 64))[0]  # and it is blue there
    jaw = render_thumbnail(_runtime(generated_vrm, {"faceMorphs": {"jaw_width": 1.0}}), 128)
    count, xs, ys = _changed(base, jaw)
    assert count > 20
    assert ys.min() > 64  # only the lower half of the face moved


def test_bone_scale_shows_on_one_arm_only(generated_vrm: bytes) -> None:
    from studio.render.camera import Camera
    from studio.render.scene import build_scene
    from studio.render.thumbnail import render_scene

    base_scene = build_scene(_runtime(generated_vrm, {}))
    camera = Camera()
    camera.frame_scene(base_scene)  # the same camera for both pictures
    before = render_scene(base_scene, camera, (128, 128))
    edited = _runtime(generated_vrm, {"boneTransforms": {"J_Bip_L_UpperArm": {"x": 0.5, "y": 0.5, "z": 0.5}}})
    after = render_scene(build_scene(edited), camera, (128, 128))
    count, xs, ys = _changed(before, after)
    assert count > 40
    # VRM 1.0 faces +Z, towards the camera: the avatar's left arm is on the picture's right
    assert xs.min() > 64
    assert ys.max() < 50  # at shoulder height, nothing below moved
