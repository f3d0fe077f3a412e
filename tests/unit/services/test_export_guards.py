"""QA findings 1, 2, 5 and 6 on `studio export` / `studio thumbnail` (see /work/qa-report.md):
the source is never overwritten, what the validator refuses is refused, the built-in item library is
the default and seed 004's example works as written, and the settings' size caps are applied."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from studio.cli import main
from studio.domain.errors import InvalidInputError
from studio.gltf.errors import GltfError
from studio.gltf.functions.equip import equipped_items
from studio.gltf.io import load
from studio.gltf.limits import Limits
from studio.gltf.validate import validate
from studio.services.editor import AvatarEditor
from studio.services.export import export_avatar
from studio.services.thumbnail import make_thumbnail
from tests.fixtures.paths import DATA_DIR

pytestmark = pytest.mark.usefixtures("studio_home")  # the CLI reads settings: never the user's own

VRM1 = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
INVALID = DATA_DIR / "invalid"
#: seed 004, "VRM avatar with modifications", verbatim
SEED_MODS = {
    "base": "prebuilt-fem-03",
    "boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}, "J_Bip_L_UpperArm": {"x": 0.15}},
    "materials": {"Body_00_SKIN": {"tint": "#d4a574"}, "EyeIris_00_EYE": {"tint": "#3a7d4e"}},
    "hair": "fem-long-03",
    "clothing": ["tops-hoodie-02", "bottoms-jeans-01", "shoes-sneaker-01"],
}


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("name", ["me.vrm", "me.glb"])
def test_export_never_overwrites_its_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    src = tmp_path / name
    shutil.copy(VRM1, src)
    before = src.read_bytes()
    assert main(["export", str(src), "--out", str(tmp_path), "--thumbnail-size", "0"]) == 1
    assert "would overwrite the source file" in _error_line(capsys)
    assert src.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]
    # through another spelling of the same folder, and at the service level
    with pytest.raises(InvalidInputError, match="overwrite the source"):
        export_avatar(src, tmp_path / "." / ".." / tmp_path.name, thumbnail_size=None)
    # another --id is fine
    assert main(["export", str(src), "--out", str(tmp_path), "--id", "copy", "--thumbnail-size", "0"]) == 0
    assert src.read_bytes() == before and (tmp_path / "copy.glb").is_file()


def test_export_into_a_file_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "notes.json"
    target.write_text("{}")
    assert main(["export", str(VRM1), "--out", str(target)]) == 1
    assert "is a file; give a folder" in _error_line(capsys)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("validator/node__unresolved_skin.gltf", "UNSATISFIED_DEPENDENCY"),
        ("validator/glb__empty_json_object.glb", None),
        ("validator/asset__1_0_version.gltf", None),
        ("validator/animation__channel_duplicate_targets.gltf", None),
        ("vrm/addon_broken_empty.vrm", "VRM_EXTENSION_MISSING"),
    ],
)
def test_export_and_thumbnail_refuse_what_validate_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, code: str | None
) -> None:
    src = INVALID / case
    assert main(["validate", str(src)]) == 1
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["export", str(src), "--out", str(out)]) == 1
    line = _error_line(capsys)
    assert main(["thumbnail", str(src), "--out", str(out / "t.webp")]) == 1
    assert _error_line(capsys) == line
    assert code is None or f"[{code} at" in line
    assert not out.exists()
    with pytest.raises(GltfError):
        AvatarEditor.open(src)


def test_every_invalid_case_is_refused_by_export(tmp_path: Path) -> None:
    cases = [p for p in sorted(INVALID.glob("*/*")) if p.suffix in (".glb", ".gltf", ".vrm")]
    assert len(cases) >= 20
    for src in cases:
        with pytest.raises(GltfError):
            export_avatar(src, tmp_path / "out", thumbnail_size=None)
    assert not (tmp_path / "out").exists()


def test_warnings_do_not_refuse(tmp_path: Path) -> None:
    sphere = DATA_DIR / "vrm" / "sphere.vrm"  # 1 validator warning, no error
    assert validate(load(sphere)).counts["warning"] >= 1
    result = export_avatar(sphere, tmp_path, thumbnail_size=None)
    assert result.glb.is_file()


def test_seed_004_modifications_export_as_written_with_the_default_library(
    studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"base": "feminine", "hair": "fem-long-02"}))
    src = tmp_path / "default-fem-03.vrm"
    assert main(["make-avatar", "--params", str(params), "--out", str(src)]) == 0
    meta = tmp_path / "mods.json"
    meta.write_text(json.dumps(SEED_MODS))
    out = tmp_path / "out"
    code = main(["export", str(src), "--meta", str(meta), "--out", str(out), "--thumbnail-size", "0"])
    assert code == 0, capsys.readouterr().err
    for name in ("default-fem-03.glb", "default-fem-03.vrm"):
        doc = load(out / name)
        assert validate(doc).counts["error"] == 0, name  # no duplicate skin joints from the hair chains
        worn = [(slot, item) for _node, slot, item in equipped_items(doc)]
        assert worn == [("hair", "fem-long-03"), *(("clothing", c) for c in SEED_MODS["clothing"])]
    cached = sorted(p.relative_to(studio_home / "cache" / "items").parts[1:] for p in
                    (studio_home / "cache" / "items").rglob("*.glb"))
    assert cached == [("clothing", "bottoms-jeans-01.glb"), ("clothing", "shoes-sneaker-01.glb"),
                      ("clothing", "tops-hoodie-02.glb"), ("hair", "fem-long-03.glb")]
    stamps = {p: p.stat().st_mtime_ns for p in (studio_home / "cache" / "items").rglob("*.glb")}
    assert main(["export", str(src), "--meta", str(meta), "--out", str(tmp_path / "again"),
                 "--thumbnail-size", "0"]) == 0
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # reused, not rebuilt


def test_unknown_item_is_refused_by_name(studio_home: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    meta = tmp_path / "mods.json"
    meta.write_text(json.dumps({"clothing": ["tops-nothing-99"]}))
    assert main(["export", str(VRM1), "--meta", str(meta), "--out", str(tmp_path / "out")]) == 1
    assert "no built-in item 'tops-nothing-99'" in _error_line(capsys)
    assert not (tmp_path / "out").exists()


def test_size_caps_from_settings_reach_reader_and_exporter(
    studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "cap"
    monkeypatch.setenv("STUDIO_MAX_VRM_BYTES", "100")
    assert main(["export", str(VRM1), "--out", str(out)]) == 1
    assert "FILE_TOO_LARGE" in _error_line(capsys)
    assert main(["thumbnail", str(VRM1), "--out", str(out / "t.webp")]) == 1
    assert "FILE_TOO_LARGE" in _error_line(capsys)
    glb = tmp_path / "a.glb"
    assert main(["export", str(VRM1), "--out", str(tmp_path), "--id", "a", "--thumbnail-size", "0"]) == 1
    capsys.readouterr()
    monkeypatch.delenv("STUDIO_MAX_VRM_BYTES")
    assert main(["export", str(VRM1), "--out", str(tmp_path), "--id", "a", "--thumbnail-size", "0"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("STUDIO_MAX_GLB_BYTES", "100")
    assert main(["export", str(glb), "--out", str(out)]) == 1
    assert "FILE_TOO_LARGE" in _error_line(capsys)
    assert main(["inspect", str(glb)]) == 1
    assert "FILE_TOO_LARGE at /: a.glb is" in capsys.readouterr().err
    assert main(["export", str(glb), "--out", str(out)]) == 1
    assert "the limit is 100 bytes" in _error_line(capsys)
    assert not out.exists()
    # the exporter's own check: the runtime GLB over the cap is refused, nothing written
    with pytest.raises(InvalidInputError, match="max_glb_bytes"):
        export_avatar(VRM1, out, thumbnail_size=None, limits=Limits(max_glb_bytes=1000))
    assert not out.exists()


def test_thumbnail_must_be_webp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["thumbnail", str(VRM1), "--out", str(tmp_path / "t.png")]) == 1
    assert "name the output *.webp" in _error_line(capsys)
    with pytest.raises(InvalidInputError, match=r"\*\.webp"):
        make_thumbnail(VRM1, tmp_path / "t.jpg")
    assert list(tmp_path.iterdir()) == []
