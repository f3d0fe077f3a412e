"""equip rebinds an item's skin onto the avatar's joints by name (VRoid J_Bip_* or humanoid);
extract pulls a mesh back out as an item that equips again."""

from __future__ import annotations

import numpy as np
import pytest

from studio.gltf.accessors import read_accessor
from studio.gltf.builder import GltfBuilder
from studio.gltf.export.source import export_source
from studio.gltf.functions._lookup import world_matrices
from studio.gltf.functions.equip import equip, equipped_items, unequip
from studio.gltf.functions.extract import extract, find_mesh_node
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm, resolve_bone
from tests.unit.gltf.functions.conftest import VRM1_MTOON

VERTEX = np.array([0.0, 1.6, 0.0])  # 10 cm above the item's head joint (at y = 1.5)


def _hair_item():
    b = GltfBuilder()
    corners = [VERTEX, VERTEX + np.array([0.1, 0, 0]), VERTEX + np.array([0, 0, 0.1])]
    pos = b.add_accessor(np.array(corners, np.float32), min_max=True)
    joints = b.add_accessor(np.array([[1, 0, 0, 0]] * 3, np.uint16))
    weights = b.add_accessor(np.array([[1, 0, 0, 0]] * 3, np.float32))
    head = b.add_node({"name": "J_Bip_C_Head", "translation": [0, 0.5, 0]})
    hips = b.add_node({"name": "J_Bip_C_Hips", "translation": [0, 1.0, 0], "children": [head]})
    ibm = np.stack([np.linalg.inv(_translate(0, 1.0, 0)), np.linalg.inv(_translate(0, 1.5, 0))])
    ibm_acc = b.add_accessor(
        ibm.transpose(0, 2, 1).reshape(2, 16).astype(np.float32), target=None, matrix=True
    )
    skin = b.add_skin({"joints": [hips, head], "inverseBindMatrices": ibm_acc})
    mat = b.add_material({"name": "Hair_mat", "pbrMetallicRoughness": {"baseColorFactor": [0.2, 0.1, 0, 1]}})
    mesh = b.add_mesh(
        {
            "name": "Hair",
            "primitives": [
                {"attributes": {"POSITION": pos, "JOINTS_0": joints, "WEIGHTS_0": weights}, "material": mat}
            ],
        }
    )
    hair = b.add_node({"name": "Hair", "mesh": mesh, "skin": skin})
    b.add_scene([hips, hair])
    return b.build()


def _translate(x: float, y: float, z: float) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = (x, y, z)
    return m


def _skinned_vertex(doc, node_index: int) -> np.ndarray:
    node = doc.json["nodes"][node_index]
    skin = doc.json["skins"][node["skin"]]
    ibms = read_accessor(doc, skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    world = world_matrices(doc)
    joint = skin["joints"][1]
    return (world[joint] @ ibms[1] @ np.append(VERTEX, 1.0))[:3]


def test_equip_rebinds_to_avatar_head(sample) -> None:
    avatar = sample(VRM1_MTOON)
    materials_before = len(avatar.json["materials"])
    [node] = equip(avatar, _hair_item(), slot="hair", item="fem-short-01")
    head = resolve_bone(avatar, "head")
    skin = avatar.json["skins"][avatar.json["nodes"][node]["skin"]]
    assert skin["joints"] == [resolve_bone(avatar, "hips"), head]
    head_pos = world_matrices(avatar)[head][:3, 3]
    assert _skinned_vertex(avatar, node) == pytest.approx(head_pos + np.array([0, 0.1, 0]), abs=1e-5)
    assert avatar.json["materials"][materials_before]["name"] == "Hair_mat"
    assert equipped_items(avatar) == [(node, "hair", "fem-short-01")]
    out = read_glb(export_source(avatar))
    assert validate(out).ok
    assert parse_vrm(out).humanoid == parse_vrm(avatar).humanoid


def test_equip_avatar_binding_keeps_modelled_position(sample) -> None:
    avatar = sample(VRM1_MTOON)
    [node] = equip(avatar, _hair_item(), slot="hair", item="x", bind="avatar")
    assert _skinned_vertex(avatar, node) == pytest.approx(VERTEX, abs=1e-5)


def test_equip_refuses_unknown_joints(sample) -> None:
    item = _hair_item()
    for n in item.json["nodes"]:
        n["name"] = "Tail_" + n["name"]
    item.json["nodes"][2]["name"] = "Hair"
    with pytest.raises(ValueError, match="matches no bone"):
        equip(sample(VRM1_MTOON), item, slot="hair")


def test_extract_round_trip_and_unequip(sample) -> None:
    avatar = sample(VRM1_MTOON)
    equip(avatar, _hair_item(), slot="hair", item="fem-short-01")
    node = find_mesh_node(avatar, "Hair")
    item = extract(avatar, node, slot="hair", item="fem-short-01", remove=True)
    assert equipped_items(avatar) == []
    assert "extensions" not in item.json and validate(item).ok
    names = {n.get("name") for n in item.json["nodes"]}
    assert {"Hair", "hips", "head"} <= names  # the avatar's bone names travel with the item
    again = read_glb(pack_glb(item.json, item.bin))
    fresh = sample(VRM1_MTOON)
    [new] = equip(fresh, again, slot="hair", item="fem-short-01")
    head = resolve_bone(fresh, "head")
    assert _skinned_vertex(fresh, new) == pytest.approx(
        world_matrices(fresh)[head][:3, 3] + np.array([0, 0.1, 0]), abs=1e-5
    )
    # the detached node and its data leave the avatar's source export
    out = read_glb(export_source(avatar, baseline=set()))
    assert all(n.get("name") != "Hair" for n in out.json["nodes"])
    assert validate(out).ok


def test_unequip_detaches(sample) -> None:
    avatar = sample(VRM1_MTOON)
    [node] = equip(avatar, _hair_item(), slot="hair", item="a")
    unequip(avatar, node)
    assert node not in avatar.json["scenes"][0]["nodes"]
    assert avatar.json["nodes"][node]["extras"]["studio"]["detached"] is True


@pytest.mark.parametrize("version", ["vrm1", "vrm0"])
def test_extracted_hair_takes_its_springs_and_they_swing_on_the_next_avatar(version: str) -> None:
    """Hair pulled out of a VRM 1.0 or 0.x avatar carries its chains (and the colliders they
    bounce off) as asset.extras.VRMC_springBone; equipped on another avatar they become springs."""
    from studio.domain.supermesh import parse_supermesh
    from studio.gltf.functions._springs import item_springs
    from studio.services.make_avatar import avatar_bytes

    donor = read_glb(avatar_bytes(parse_supermesh({"base": "feminine"}), version, name="donor"))
    item = extract(donor, find_mesh_node(donor, "Hair"), slot="hair", item="donor-hair")
    item = read_glb(pack_glb(item.json, item.bin))
    springs = item_springs(item)
    assert springs is not None and validate(item).ok
    nodes = item.json["nodes"]
    first = [str(nodes[j["node"]]["name"]) for j in springs["springs"][0]["joints"]]
    assert first[:3] == ["J_Sec_Hair1_01", "J_Sec_Hair1_02", "J_Sec_Hair1_03"]
    assert len(springs["springs"]) == 15 and springs.get("colliders")  # every hair chain, + the head's
    assert all(0 <= k["node"] < len(nodes) for k in springs["colliders"])
    wearer = read_glb(avatar_bytes(parse_supermesh({"base": "masculine"}), "vrm1", name="wearer"))
    before = len(wearer.extension("VRMC_springBone")["springs"])
    equip(wearer, item, slot="hair", item="donor-hair")
    chains = wearer.extension("VRMC_springBone")["springs"]
    carried = [c for c in chains if str(c.get("name", "")).startswith("donor-hair")]
    assert before > 0 and len(carried) == 15 and chains == carried  # its own hair's chains went with it
    wearer_nodes = wearer.json["nodes"]
    assert str(wearer_nodes[carried[0]["joints"][0]["node"]]["name"]).startswith("J_Sec_Hair1_01")
    assert validate(read_glb(export_source(wearer, baseline=set()))).ok
