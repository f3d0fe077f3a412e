"""The wardrobe editor model: lists what can be edited, applies metadata (replayed on the opened
file), refuses where the VRM licence says no, and maps metadata onto the renderer's live overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.domain.errors import InvalidInputError, PermissionDeniedError
from studio.gltf.glb import pack_glb
from studio.gltf.io import load, read_glb
from studio.services.editor import AvatarEditor, apply_to_scene
from tests.fixtures.paths import DATA_DIR

VRM1 = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
VRM0_MORPH = DATA_DIR / "vrm" / "addon_simple_morph_vrm0.vrm"


def _with_licence(tmp_path: Path, modification: str, redistribution: bool) -> Path:
    doc = load(VRM1)
    meta = doc.json["extensions"]["VRMC_vrm"]["meta"]
    meta["modification"] = modification
    meta["allowRedistribution"] = redistribution
    path = tmp_path / "licensed.vrm"
    path.write_bytes(pack_glb(doc.json, doc.bin))
    return path


def test_lists_materials_bones_morphs_and_licence() -> None:
    editor = AvatarEditor.open(VRM1)
    names = [m.name for m in editor.materials()]
    assert names == ["ScrollX", "ScrollY", "ScrollRot"]
    assert editor.materials()[0].color == "#ffffff"
    bones = {b.bone: b for b in editor.bones()}
    assert bones["head"].node_name == "head" and bones["head"].scale == (1.0, 1.0, 1.0)
    assert len(bones) == 53
    assert editor.licence.can_modify and editor.licence.can_redistribute
    morphs = AvatarEditor.open(VRM0_MORPH).morphs()
    assert [(m.name, m.weight, m.group) for m in morphs] == [("A", 0.0, "face")]  # bound by expression "A"


def test_apply_replays_on_the_opened_file() -> None:
    editor = AvatarEditor.open(VRM1)
    meta = {
        "boneTransforms": {"J_Bip_C_Head": {"x": 1.2, "y": 1.2, "z": 1.2}},
        "materials": {"ScrollX": {"tint": "#d4a574"}},
    }
    editor.apply(meta)
    editor.apply(meta)  # twice: same result, not compounded
    bones = {b.bone: b for b in editor.bones()}
    assert bones["head"].scale == pytest.approx((1.2, 1.2, 1.2))
    assert editor.materials()[0].color == "#d4a574"
    assert editor.metadata == meta
    editor.apply({})
    assert editor.materials()[0].color == "#ffffff"
    assert editor.original.json["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"] == [1, 1, 1, 1]


def test_morph_weights_applied_and_exported(tmp_path: Path) -> None:
    editor = AvatarEditor.open(VRM0_MORPH)
    editor.apply({"faceMorphs": {"A": 0.6}})
    assert [m.weight for m in editor.morphs()] == [0.6]
    source = read_glb(editor.export_source())
    assert source.json["meshes"][0]["weights"] == [0.6]


def test_bad_keys_refused_naming_them() -> None:
    editor = AvatarEditor.open(VRM1)
    with pytest.raises(InvalidInputError, match=r"boneTransforms\.tail"):
        editor.apply({"boneTransforms": {"tail": {"y": 2.0}}})
    with pytest.raises(InvalidInputError, match=r"materials\.velvet: this avatar has no material"):
        editor.apply({"materials": {"velvet": {"tint": "#ff0000"}}})
    with pytest.raises(InvalidInputError, match=r"bodyMorphs\.belly"):
        editor.apply({"bodyMorphs": {"belly": 0.5}})
    with pytest.raises(InvalidInputError, match=r"hair: items cannot be equipped"):
        editor.apply({"hair": "fem-short-01"})
    assert editor.metadata == {}


def test_licence_prohibiting_modification_refuses_edits_but_allows_export(tmp_path: Path) -> None:
    editor = AvatarEditor.open(_with_licence(tmp_path, "prohibited", True))
    assert not editor.licence.can_modify and editor.licence.can_redistribute
    assert "prohibits modification" in editor.licence.reason
    with pytest.raises(PermissionDeniedError, match="prohibits modification"):
        editor.apply({"materials": {"ScrollX": {"tint": "#ff0000"}}})
    editor.apply({})  # no edit: fine
    assert len(editor.export_source()) > 0


def test_licence_prohibiting_redistribution_refuses_export(tmp_path: Path) -> None:
    editor = AvatarEditor.open(_with_licence(tmp_path, "allowModification", False))
    assert editor.licence.can_modify and not editor.licence.can_redistribute
    with pytest.raises(PermissionDeniedError, match="not redistribution"):
        editor.export_source()


class RecordingScene:
    """Records the calls; the real Scene's overrides are tested by the render helper."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def set_material_color(self, name, rgba):
        self.calls.append(("color", name, tuple(round(c, 4) for c in rgba)))

    def set_morph_weight(self, mesh, morph, weight):
        self.calls.append(("morph", mesh, morph, weight))

    def set_node_scale(self, node, xyz):
        self.calls.append(("scale", node, tuple(xyz)))


def test_apply_to_scene_maps_metadata_onto_overrides() -> None:
    doc = load(VRM1)
    scene = RecordingScene()
    apply_to_scene(
        scene,
        {"materials": {"ScrollY": {"tint": "#ffffff"}}, "boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}}},
        doc,
    )
    hips = doc.json["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]["hips"]["node"]
    assert ("color", "ScrollY", (1.0, 1.0, 1.0, 1.0)) in scene.calls
    assert ("scale", hips, (1.0, 1.05, 1.0)) in scene.calls
    morph_scene = RecordingScene()
    apply_to_scene(morph_scene, {"faceMorphs": {"A": 0.25}}, load(VRM0_MORPH))
    assert morph_scene.calls == [("morph", 0, 0, 0.25)]


def test_an_unnamed_material_is_tinted_live_by_the_name_the_editor_shows() -> None:
    import numpy as np

    from studio.gltf.builder import GltfBuilder
    from studio.render.scene import build_scene

    b = GltfBuilder()
    triangle = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0]], np.float32)
    attrs = {"POSITION": b.add_accessor(triangle, min_max=True)}
    mesh = b.add_mesh({"primitives": [{"attributes": attrs, "material": b.add_material({})}]})
    b.add_scene([b.add_node({"mesh": mesh})])
    doc = b.build()
    scene = build_scene(doc)
    assert [m.name for m in scene.materials] == ["material_0"]  # what the Tints tab lists
    apply_to_scene(scene, {"materials": {"material_0": {"tint": "#ff0000"}}}, doc, "vrm")
    assert scene.materials[0].base_color[:3] == (1.0, 0.0, 0.0)
