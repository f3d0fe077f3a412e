"""Supermesh avatars in the editor service: tints, bone proportions, body/face morphs and outfit
work as for VRM avatars. Its metadata holds generator parameters (baked into the file when it was
built) plus the same modification keys as a VRM avatar's (``materials``, ``boneTransforms``)."""

from __future__ import annotations

import pytest

from studio.domain.errors import InvalidInputError
from studio.domain.supermesh import parse_supermesh
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.services.editor import AvatarEditor, apply_to_scene
from studio.services.item_library import BuiltinItems
from studio.services.make_avatar import avatar_bytes

BUILT = {"base": "feminine", "bodyMorphs": {"muscularity": 0.5}, "clothing": ["tops-tshirt-01"]}


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> BuiltinItems:
    return BuiltinItems(tmp_path_factory.mktemp("items"))


@pytest.fixture(scope="module")
def supermesh() -> bytes:
    return avatar_bytes(parse_supermesh(BUILT), "vrm1", name="Fern")


def _open(data: bytes, items: BuiltinItems) -> AvatarEditor:
    return AvatarEditor.open(data, items=items, avatar_type="supermesh", name="fern.vrm")


def _mesh_nodes(editor: AvatarEditor) -> list[str]:
    return [str(n.get("name")) for n in editor.document.items("nodes") if "mesh" in n]


def test_sliders_read_the_parameters_the_file_was_built_with(supermesh: bytes, items: BuiltinItems) -> None:
    editor = _open(supermesh, items)
    weights = {m.name: m.weight for m in editor.morphs()}
    assert weights["muscularity"] == pytest.approx(0.5) and weights["jaw_width"] == 0.0
    editor.apply(BUILT)  # the metadata it was built with changes nothing
    body = next(i for i, m in enumerate(editor.document.items("meshes")) if m.get("name") == "Body")
    assert editor.document.items("meshes")[body]["weights"][0] == pytest.approx(0.0)
    assert _mesh_nodes(editor) == ["Body", "Face", "Hair", "Tops"]


def test_tint_proportions_morphs_and_outfit(supermesh: bytes, items: BuiltinItems) -> None:
    editor = _open(supermesh, items)
    meta = {
        **BUILT,
        "bodyMorphs": {"muscularity": 0.8},
        "faceMorphs": {"jaw_width": -0.4},
        "materials": {"Body_00_SKIN": {"tint": "#c4956a"}, "Hair_00_HAIR": {"tint": "#3060ff"}},
        "boneTransforms": {"hips": {"y": 1.1}, "J_Bip_L_UpperArm": {"x": 0.9}},
        "hair": "fem-long-01",
        "clothing": ["tops-hoodie-02"],
    }
    editor.apply(meta)
    weights = {m.name: m.weight for m in editor.morphs()}
    assert weights["muscularity"] == pytest.approx(0.8) and weights["jaw_width"] == pytest.approx(-0.4)
    assert next(m for m in editor.materials() if m.name == "Body_00_SKIN").color == "#c4956a"
    # the tint names a material: the equipped hair's material of that name takes it too
    assert [m.color for m in editor.materials() if m.name == "Hair_00_HAIR"] == ["#3060ff", "#3060ff"]
    bones = {b.bone: b.scale for b in editor.bones()}
    assert bones["hips"] == pytest.approx((1.0, 1.1, 1.0))
    assert bones["leftUpperArm"] == pytest.approx((0.9, 1.0, 1.0))
    assert {(s.slot, s.item) for s in editor.slots()} == {
        ("hair", "fem-long-01"),
        ("clothing", "tops-hoodie-02"),
    }
    # the hoodie follows the body it covers: its muscularity target is at the body's value
    doc = editor.document
    hoodie = next(s.node for s in editor.slots() if s.item == "tops-hoodie-02")
    mesh = doc.items("meshes")[doc.items("nodes")[hoodie]["mesh"]]
    assert mesh["weights"][mesh["extras"]["targetNames"].index("muscularity")] == pytest.approx(0.8)
    # the source file keeps it all, and the metadata round-trips
    source = read_glb(editor.export_source())
    assert len(source.items("nodes")) < len(doc.items("nodes"))  # swapped-out meshes are gone
    assert editor.metadata == meta


def test_a_dropped_item_it_was_built_with_is_taken_off(supermesh: bytes, items: BuiltinItems) -> None:
    editor = _open(supermesh, items)
    editor.apply({**BUILT, "clothing": []})
    assert _mesh_nodes(editor) == ["Body", "Face", "Hair"]


def test_bad_modification_keys_are_refused_naming_them(supermesh: bytes, items: BuiltinItems) -> None:
    editor = _open(supermesh, items)
    with pytest.raises(InvalidInputError, match=r"materials\.Body_00_SKIN\.tint"):
        editor.apply({**BUILT, "materials": {"Body_00_SKIN": {"tint": "skin-ish"}}})
    with pytest.raises(InvalidInputError, match=r"boneTransforms\.tail"):
        editor.apply({**BUILT, "boneTransforms": {"tail": {"y": 1.2}}})
    with pytest.raises(InvalidInputError, match=r"materials\.Skin"):
        editor.apply({**BUILT, "materials": {"Skin": {"tint": "#ffffff"}}})
    with pytest.raises(InvalidInputError, match="both tops"):
        editor.apply({**BUILT, "clothing": ["tops-tshirt-01", "tops-hoodie-02"]})
    assert editor.metadata == {}


def test_items_document_wears_only_the_items(supermesh: bytes, items: BuiltinItems) -> None:
    editor = _open(supermesh, items)
    assert editor.items_document({**BUILT, "bodyMorphs": {"muscularity": 1.0}}) is editor.original
    dressed = editor.items_document(
        {**BUILT, "hair": "fem-long-01", "materials": {"Hair_00_HAIR": {"tint": "#f00"}}}
    )
    assert dressed is not editor.original
    hair = [m for m in dressed.items("materials") if m.get("name") == "Hair_00_HAIR"]
    assert all(
        m["pbrMetallicRoughness"].get("baseColorFactor", [1, 1, 1, 1])[1] == 1 for m in hair
    )  # untinted


class RecordingScene:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def set_material_color(self, name, rgba):
        self.calls.append(("color", name))

    def set_morph_weight(self, mesh, morph, weight):
        self.calls.append(("morph", mesh, morph, round(weight, 4)))

    def set_node_scale(self, node, xyz):
        self.calls.append(("scale", node, tuple(xyz)))


def test_live_preview_maps_parameters_onto_the_built_file(supermesh: bytes, items: BuiltinItems) -> None:
    editor = _open(supermesh, items)
    scene = RecordingScene()
    apply_to_scene(
        scene,
        {
            **BUILT,
            "bodyMorphs": {"muscularity": 0.75},
            "boneTransforms": {"head": {"x": 1.2, "y": 1.2, "z": 1.2}},
        },
        editor.original,
    )
    body = next(i for i, m in enumerate(editor.original.items("meshes")) if m.get("name") == "Body")
    assert ("morph", body, 0, 0.25) in scene.calls  # 0.75 asked, 0.5 already in the file
    head = editor.info.humanoid["head"]
    assert ("scale", head, (1.2, 1.2, 1.2)) in scene.calls


def test_a_file_without_its_build_record_reads_plain_weights() -> None:
    """A supermesh file without its build record (older studio): sliders are plain weights."""
    data = avatar_bytes(parse_supermesh({"base": "masculine"}), "vrm1", name="Oak")
    doc = read_glb(data)
    doc.json["asset"].pop("extras", None)
    editor = AvatarEditor.open(pack_glb(doc.json, doc.bin), avatar_type="supermesh")
    editor.apply({"base": "masculine", "bodyMorphs": {"belly": 0.3}})
    assert {m.name: m.weight for m in editor.morphs()}["belly"] == pytest.approx(0.3)


def test_worn_items_take_their_own_tints_and_unknown_names_are_refused(
    supermesh: bytes, items: BuiltinItems
) -> None:
    """A tint may name a worn item's material (the jeans); one that neither the avatar nor what it
    wears has is refused by name, so a typo is never silently dropped."""
    editor = _open(supermesh, items)
    jeans = "Bottoms_bottoms_jeans_01_CLOTH"
    editor.apply({**BUILT, "clothing": [*BUILT["clothing"], "bottoms-jeans-01"],
                  "materials": {jeans: {"tint": "#ff0000"}}})  # fmt: skip
    mats = {str(m.get("name")): m for m in editor.document.items("materials")}
    assert jeans in mats
    red = mats[jeans]["pbrMetallicRoughness"]["baseColorFactor"]
    assert red[0] > 0.9 and red[1] < 0.05 and red[2] < 0.05
    refused = r"materials\.Shoes_x_CLOTH: neither this avatar nor what it wears"
    with pytest.raises(InvalidInputError, match=refused):
        editor.apply({**BUILT, "clothing": [*BUILT["clothing"], "bottoms-jeans-01"],
                      "materials": {"Shoes_x_CLOTH": {"tint": "#ff0000"}}})  # fmt: skip


def test_library_clothes_are_cut_for_the_wearers_body(items: BuiltinItems) -> None:
    """The library's tops are made on the feminine body; on a masculine supermesh the editor
    equips one cut for the masculine body (wider), not one that sits inside its chest."""
    from studio.gltf.accessors import read_accessor

    def tops_half_width(doc) -> float:
        meshes = doc.items("meshes")
        node = next(n for n in doc.items("nodes") if "mesh" in n and meshes[n["mesh"]].get("name") == "Tops")
        prim = meshes[node["mesh"]]["primitives"][0]
        return float(abs(read_accessor(doc, prim["attributes"]["POSITION"])[:, 0]).max())

    feminine_cut = read_glb(items("clothing", "tops-hoodie-02").read_bytes())
    masculine_cut = read_glb(items.fitted("clothing", "tops-hoodie-02", "masculine").read_bytes())
    assert tops_half_width(masculine_cut) > tops_half_width(feminine_cut) * 1.05
    masc = avatar_bytes(parse_supermesh({"base": "masculine"}), "vrm1", name="Ash")
    editor = _open(masc, items)
    worn = editor.items_document({"base": "masculine", "clothing": ["tops-hoodie-02"]})
    assert tops_half_width(worn) == pytest.approx(tops_half_width(masculine_cut), rel=1e-3)
