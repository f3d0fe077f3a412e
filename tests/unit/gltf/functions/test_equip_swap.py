"""Equipping swaps per slot: the avatar's own hair (or top...) goes, the item's springs come along.

Asserted on what a player sees: renders before and after (hair pixels), the exported file's
meshes, spring chains and first-person annotations, for VRM 1.0 and 0.x generated avatars, a
VRoid-shaped file (clothes as primitives of the body mesh) and the real sample VRMs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from studio.domain.errors import InvalidInputError
from studio.domain.metadata import parse_metadata
from studio.domain.supermesh import parse_supermesh
from studio.gltf.document import Document
from studio.gltf.export.source import export_source
from studio.gltf.functions._slots import builtin_parts, item_category, name_categories
from studio.gltf.functions.equip import equip, equipped_items, unequip
from studio.gltf.functions.extract import extract, find_mesh_node
from studio.gltf.functions.tint import tint
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm
from studio.procedural.collection import PREBUILTS
from studio.render.thumbnail import render_thumbnail
from studio.services.edit_plan import plan_edits
from studio.services.item_library import item_glb
from studio.services.make_avatar import avatar_bytes
from tests.unit.gltf.functions.conftest import VRM_DIR

FORMATS = ("vrm1", "vrm0")
ITEM_JOINT = "J_Sec_HairItem"
GREEN, BLUE = (0.0, 1.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)


@pytest.fixture(scope="module")
def fem02() -> dict[str, bytes]:
    params = parse_supermesh(PREBUILTS["default-fem-02"])  # a bob (fem-short-01) and a hoodie
    return {fmt: avatar_bytes(params, fmt, name="default-fem-02") for fmt in FORMATS}


@pytest.fixture(scope="module")
def items() -> Callable[[str], Document]:
    made = {i: item_glb(i) for i in ("fem-long-01", "tops-tshirt-01", "earring-hoop-gold")}
    return lambda item: read_glb(made[item], name=f"{item}.glb")


def _reread(doc: Document) -> Document:
    return read_glb(export_source(doc, baseline=set()), name="out.vrm")


def _tint_materials(doc: Document, word: str, colour: tuple[float, ...]) -> None:
    for i, mat in enumerate(doc.items("materials")):
        if word in str(mat.get("name", "")):
            tint(doc, i, colour)


def _mask(doc: Document, channel: int) -> np.ndarray:
    """Pixels of the portrait where ``channel`` (1 green, 2 blue) clearly dominates."""
    rgba = np.asarray(render_thumbnail(doc, 128)).astype(int)
    others = np.delete(rgba[..., :3], channel, axis=-1).max(axis=-1)
    return (rgba[..., 3] > 0) & (rgba[..., channel] > 2 * others + 12)


def _shown_meshes(doc: Document) -> list[str]:
    """Names of the meshes the scene draws (reachable from the scene's roots)."""
    nodes, out = doc.items("nodes"), []
    stack = list(doc.items("scenes")[0]["nodes"])
    while stack:
        node = nodes[stack.pop()]
        if "mesh" in node:
            out.append(str(doc.items("meshes")[node["mesh"]].get("name")))
        stack.extend(node.get("children") or [])
    return sorted(out)


@pytest.mark.parametrize("fmt", FORMATS)
def test_long_hair_replaces_the_bob(fmt: str, fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02[fmt], name="fem02.vrm")
    _tint_materials(avatar, "HAIR", GREEN)  # the avatar's own hair shows green
    own = _mask(avatar, 1)
    item = items("fem-long-01")
    _tint_materials(item, "HAIR", BLUE)  # the item's shows blue
    equip(avatar, item, slot="hair", item="fem-long-01")
    after_own, after_item = _mask(avatar, 1), _mask(avatar, 2)
    assert own.sum() > 500 and after_own.sum() == 0  # the bob is gone
    assert after_item.sum() > 500  # the long hair is drawn
    rows = np.nonzero(own.any(axis=1))[0].max(), np.nonzero(after_item.any(axis=1))[0].max()
    assert rows[1] > rows[0] + 15  # it falls well below where the bob ended (128 px portrait)
    out = _reread(avatar)
    assert validate(out).ok
    assert _shown_meshes(out).count("Hair") == 1
    assert not any(
        str(n.get("name", "")).startswith("J_Sec_Hair") and ITEM_JOINT not in n["name"]
        for n in out.items("nodes")
    )  # the bob's spring joints left with it


def _chains(doc: Document) -> list[list[int]]:
    """Spring chains (node lists) of a VRM 1.0 or 0.x file (0.x: each bone's subtree)."""
    ext = doc.json["extensions"]
    if "VRMC_springBone" in ext:
        return [[j["node"] for j in s["joints"]] for s in ext["VRMC_springBone"].get("springs", [])]
    nodes, out = doc.items("nodes"), []
    for group in ext["VRM"]["secondaryAnimation"]["boneGroups"]:
        for bone in group["bones"]:
            chain = [bone]
            while nodes[chain[-1]].get("children"):
                chain.append(nodes[chain[-1]]["children"][0])
            out.append(chain)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_hair_springs_travel_with_the_item(fmt: str, fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02[fmt], name="fem02.vrm")
    item = items("fem-long-01")
    item_chains = len(item.json["asset"]["extras"]["VRMC_springBone"]["springs"])
    equip(avatar, item, slot="hair", item="fem-long-01")
    out = _reread(avatar)
    nodes = out.items("nodes")
    head = parse_vrm(out).humanoid["head"]
    parent = {c: i for i, n in enumerate(nodes) for c in n.get("children") or []}
    chains = _chains(out)
    assert len(chains) == item_chains
    for chain in chains:
        assert all(0 <= j < len(nodes) and nodes[j]["name"].startswith(ITEM_JOINT) for j in chain)
        assert parent[chain[0]] == head and all(parent[b] == a for a, b in itertools.pairwise(chain))
    # the hair mesh is skinned to exactly those copied joints (plus the head)
    [hair] = [n for n in nodes if n.get("name") == "Hair" and "mesh" in n]
    skin_nodes = set(out.items("skins")[hair["skin"]]["joints"])
    assert {j for c in chains for j in c} <= skin_nodes
    if fmt == "vrm1":
        ext = out.json["extensions"]["VRMC_springBone"]
        assert all(g < len(ext["colliderGroups"]) for s in ext["springs"] for g in s["colliderGroups"])
        assert [g["name"] for g in ext["colliderGroups"]] == ["Body"]  # matched by name, not copied
    else:
        secondary = out.json["extensions"]["VRM"]["secondaryAnimation"]
        groups = secondary["boneGroups"]
        assert all(g < len(secondary["colliderGroups"]) for b in groups for g in b["colliderGroups"])
        assert all(
            set(b) >= {"stiffiness", "gravityPower", "gravityDir", "dragForce", "hitRadius"} for b in groups
        )


@pytest.mark.parametrize("fmt", FORMATS)
def test_first_person_and_expressions_follow_the_swap(fmt: str, fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02[fmt], name="fem02.vrm")
    equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    out = _reread(avatar)
    info = parse_vrm(out)
    assert validate(out).ok
    assert len(info.expressions) == len(parse_vrm(read_glb(fem02[fmt])).expressions)
    meshes, nodes = out.items("meshes"), out.items("nodes")
    if fmt == "vrm1":
        ext = out.json["extensions"]["VRMC_vrm"]
        annotated = [nodes[a["node"]]["name"] for a in ext["firstPerson"]["meshAnnotations"]]
        binds = [b["node"] for e in ext["expressions"]["preset"].values() for b in e["morphTargetBinds"]]
        assert all(nodes[n]["name"] == "Face" for n in binds)
    else:
        ext = out.json["extensions"]["VRM"]
        annotated = [meshes[a["mesh"]]["name"] for a in ext["firstPerson"]["meshAnnotations"]]
        binds = [b["mesh"] for g in ext["blendShapeMaster"]["blendShapeGroups"] for b in g["binds"]]
        assert all(meshes[m]["name"] == "Face" for m in binds)
    assert sorted(annotated) == ["Body", "Bottoms", "Face", "Shoes", "Tops"]  # the bob's is gone


def test_expression_binds_on_the_removed_hair_go(fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02["vrm1"], name="fem02.vrm")
    hair = find_mesh_node(avatar, "Hair")
    happy = avatar.json["extensions"]["VRMC_vrm"]["expressions"]["preset"]["happy"]
    happy["morphTargetBinds"].append({"node": hair, "index": 0, "weight": 1.0})
    equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    assert all(b["node"] != hair for b in happy["morphTargetBinds"]) and happy["morphTargetBinds"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_tshirt_replaces_the_hoodie(fmt: str, fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02[fmt], name="fem02.vrm")
    _tint_materials(avatar, "Tops", GREEN)
    assert _mask(avatar, 1).sum() > 500
    item = items("tops-tshirt-01")
    _tint_materials(item, "Tops", BLUE)
    equip(avatar, item, slot="clothing", item="tops-tshirt-01")
    assert _mask(avatar, 1).sum() == 0 and _mask(avatar, 2).sum() > 500
    out = _reread(avatar)
    assert validate(out).ok and _shown_meshes(out).count("Tops") == 1
    assert not any("hoodie" in str(m.get("name")) for m in out.items("materials"))  # its bytes went too


def test_attachments_add_and_unequip_leaves_the_slot_empty(fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02["vrm1"], name="fem02.vrm")
    before = _shown_meshes(avatar)
    equip(avatar, items("earring-hoop-gold"), slot="attachments", item="earring-hoop-gold")
    assert _shown_meshes(avatar) == sorted([*before, "Earring"])  # additive
    [node] = equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    unequip(avatar, node)
    out = _reread(avatar)
    assert "Hair" not in _shown_meshes(out) and validate(out).ok
    assert _chains(out) == []  # the item's springs left with it (and the bob's with the bob)
    assert not any(ITEM_JOINT in str(n.get("name")) for n in out.items("nodes"))


def test_equipping_again_swaps_the_studio_item(fem02: dict[str, bytes], items) -> None:
    avatar = read_glb(fem02["vrm1"], name="fem02.vrm")
    equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    assert [s for _, s, _ in equipped_items(avatar)] == ["hair"]
    out = _reread(avatar)
    assert _shown_meshes(out).count("Hair") == 1 and validate(out).ok
    assert len(_chains(out)) == len(
        items("fem-long-01").json["asset"]["extras"]["VRMC_springBone"]["springs"]
    )


def _vroid_shaped(data: bytes) -> Document:
    """VRoid's layout: hair mesh ``Hair001`` with VRoid material names, and the top as a
    primitive of the body mesh (``N00_002_03_Tops_01_CLOTH``)."""
    doc = read_glb(data, name="vroid.vrm")
    tree = doc.json
    meshes = {m["name"]: m for m in tree["meshes"]}
    tops_node = find_mesh_node(doc, "Tops")
    meshes["Body"]["primitives"].append(meshes["Tops"]["primitives"][0])
    del tree["nodes"][tops_node]["mesh"], tree["nodes"][tops_node]["skin"]
    tree["extensions"]["VRMC_vrm"]["firstPerson"]["meshAnnotations"] = [
        a for a in tree["extensions"]["VRMC_vrm"]["firstPerson"]["meshAnnotations"] if a["node"] != tops_node
    ]
    for node in tree["nodes"]:
        node["name"] = {"Hair": "Hair001"}.get(node.get("name"), node.get("name"))
    meshes["Hair"]["name"] = "Hair001.baked"
    for mat in tree["materials"]:
        if mat["name"].startswith("Tops_"):
            mat["name"] = "N00_002_03_Tops_01_CLOTH (Instance)"
        if mat["name"] == "Hair_00_HAIR":
            mat["name"] = "N00_000_Hair_00_HAIR (Instance)"
    return read_glb(pack_glb(tree, doc.bin), name="vroid.vrm")


def test_vroid_shaped_avatar_swaps_primitives(fem02: dict[str, bytes], items) -> None:
    avatar = _vroid_shaped(fem02["vrm1"])
    found = {(p.category, avatar.json["meshes"][p.mesh]["name"], p.whole) for p in builtin_parts(avatar)}
    assert found == {
        ("hair", "Hair001.baked", True),
        ("tops", "Body", False),
        ("bottoms", "Bottoms", True),
        ("shoes", "Shoes", True),
    }
    equip(avatar, items("tops-tshirt-01"), slot="clothing", item="tops-tshirt-01")
    equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    out = _reread(avatar)
    assert validate(out).ok
    body = next(m for m in out.items("meshes") if m["name"] == "Body")
    assert len(body["primitives"]) == 1  # the top was cut out of the body mesh, the skin stays
    assert "Hair001" not in {n.get("name") for n in out.items("nodes")}
    assert _shown_meshes(out) == ["Body", "Bottoms", "Face", "Hair", "Shoes", "Tops"]


@pytest.mark.parametrize("name", sorted(p.name for p in VRM_DIR.glob("*.vrm")))
def test_procedural_hair_on_sample_vrms(name: str, sample, items) -> None:
    avatar = sample(name)
    if "head" not in parse_vrm(avatar).humanoid:
        pytest.fail(f"{name} has no head bone")
    shown = _shown_meshes(avatar)
    equip(avatar, items("fem-long-01"), slot="hair", item="fem-long-01")
    out = _reread(avatar)
    assert validate(out).ok
    assert _shown_meshes(out) == sorted([*shown, "Hair"])  # no hair of their own: equip just adds
    nodes = out.items("nodes")
    chains = _chains(out)
    assert len(chains) == 15 and all(nodes[j]["name"].startswith(ITEM_JOINT) for c in chains for j in c)
    head = parse_vrm(out).humanoid["head"]
    assert all(c[0] in nodes[head]["children"] for c in chains)


def test_extract_from_vrm0_faces_plus_z_and_equips_back(fem02: dict[str, bytes]) -> None:
    avatar = read_glb(fem02["vrm0"], name="fem02.vrm")
    item = extract(avatar, find_mesh_node(avatar, "Hair"), slot="hair", item="bob", remove=True)
    assert "Hair" not in _shown_meshes(avatar)
    out = _reread(avatar)
    assert validate(out).ok and not _chains(out)  # the bob's springs left with it
    fresh = read_glb(fem02["vrm1"], name="fem02.vrm")  # a +Z avatar takes the +Z item as it is
    _tint_materials(fresh, "HAIR", GREEN)
    own = _mask(fresh, 1)
    _tint_materials(item, "HAIR", BLUE)
    equip(fresh, item, slot="hair", item="bob")
    again = _mask(fresh, 2)
    assert abs(int(again.sum()) - int(own.sum())) < 0.05 * own.sum()  # the same bob, the right way round


def test_slot_names() -> None:
    assert name_categories("N00_000_Hair_00_HAIR (Instance)") == ("hair",)
    assert name_categories("N00_000_00_HairBack_00_HAIR") == ("hair",)
    assert name_categories("Hair001.baked") == ("hair",)
    assert name_categories("N00_002_03_Tops_01_CLOTH") == ("tops",)
    assert name_categories("N00_010_01_Onepiece_00_CLOTH") == ("tops", "bottoms")
    assert name_categories("N00_009_01_Accessory_Hair_00") == ("accessory",)
    assert name_categories("Hairpin") == () and name_categories("J_Bip_C_Head") == ()
    assert item_category("clothing", "tops-tshirt-01") == "tops"
    assert item_category("clothing", "shoes-boot-01") == "shoes"
    assert item_category("attachments", "earring-hoop-gold") is None
    assert item_category("hair", "anything") == "hair"


def test_metadata_refuses_two_tops(fem02: dict[str, bytes]) -> None:
    doc = read_glb(fem02["vrm1"])
    meta = parse_metadata({"clothing": ["tops-tshirt-01", "tops-jacket-01"]})
    with pytest.raises(InvalidInputError, match="'tops-tshirt-01' and 'tops-jacket-01' are both tops"):
        plan_edits(doc, meta, parse_vrm(doc))
