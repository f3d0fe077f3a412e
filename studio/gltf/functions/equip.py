"""equip: attach a hair/clothing/attachment GLB to an avatar's skeleton.

The item's meshes, materials, textures, accessors and buffer are appended to the avatar (nothing of
the avatar moves). Its skins are rebound to the avatar's joints, matched by node name, then by
humanoid bone (``J_Bip_C_Head`` finds the avatar's ``head`` bone whatever its node is called), then
through the item's parent chain (a joint the avatar lacks rides on its nearest matched ancestor).
Binding:

- ``bind="item"`` (default): the item keeps its own bind pose relative to each joint, so it follows
  the avatar's joints even where the avatar's proportions differ from the body it was modelled on;
- ``bind="avatar"``: the item stays exactly where it was modelled while the avatar is at rest.

Unskinned item meshes (an earring) become children of their matched bone. Each new node carries
``extras.studio = {"slot", "item"}`` so the editor can list, replace and extract it.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._buffer import BinAppender
from studio.gltf.functions._lookup import world_matrices
from studio.gltf.functions._refs import iter_refs
from studio.gltf.vrm import parse_vrm, resolve_bone

_COPIED = ("accessors", "bufferViews", "images", "samplers", "textures", "materials", "meshes")
_VRM_ROOT = ("VRM", "VRMC_vrm", "VRMC_springBone")


def equipped_items(doc: Document) -> list[tuple[int, str, str]]:
    """(node, slot, item) of every item node the studio attached and that is still attached."""
    out = []
    for i, node in enumerate(doc.items("nodes")):
        tag = (node.get("extras") or {}).get("studio") or {}
        if isinstance(tag, dict) and tag.get("slot") and not tag.get("detached"):
            out.append((i, str(tag["slot"]), str(tag.get("item", ""))))
    return out


def unequip(doc: Document, node: int) -> None:
    """Take an item node out of the scene. The node stays (so no index moves) marked
    ``detached``; exporters remove it and prune what it alone used."""
    nodes = doc.items("nodes")
    for scene in doc.items("scenes"):
        scene["nodes"] = [n for n in scene.get("nodes", []) if n != node]
    for parent in nodes:
        if node in parent.get("children", []):
            parent["children"] = [c for c in parent["children"] if c != node]
            if not parent["children"]:
                del parent["children"]
    target = nodes[node]
    for key in ("mesh", "skin", "children"):
        target.pop(key, None)
    target.setdefault("extras", {}).setdefault("studio", {})["detached"] = True


def equip(doc: Document, item_doc: Document, *, slot: str, item: str = "", bind: str = "item") -> list[int]:
    """Append ``item_doc``'s meshes to ``doc`` on its skeleton; returns the new nodes.
    Raises ValueError when the item has no mesh or a joint matches nothing in the avatar."""
    if bind not in ("item", "avatar"):
        raise ValueError(f"bind must be 'item' or 'avatar', not {bind!r}")
    mesh_nodes = [i for i, n in enumerate(item_doc.items("nodes")) if "mesh" in n]
    if not mesh_nodes:
        raise ValueError("the item has no mesh")
    matches = _match_nodes(doc, item_doc)
    offsets = _append_resources(doc, item_doc)
    item_world = world_matrices(item_doc)
    avatar_world = world_matrices(doc)
    appender = BinAppender(doc)
    added = []
    for index in mesh_nodes:
        src = item_doc.items("nodes")[index]
        node: dict[str, Any] = {
            "name": str(src.get("name") or item or slot),
            "mesh": int(src["mesh"]) + offsets["meshes"],
            "extras": {"studio": {"slot": slot, "item": item}},
        }
        if "skin" in src:
            node["skin"] = _rebind_skin(
                doc, item_doc, int(src["skin"]), matches, appender, item_world, avatar_world, bind
            )
            _add_to_scene(doc, node, parent=None)
        else:
            anchor = matches.get(index)
            if anchor is None:
                raise ValueError(f"node {src.get('name', index)!r} matches no bone of the avatar")
            item_anchor, avatar_anchor = anchor
            local = np.linalg.inv(item_world[item_anchor]) @ item_world[index]
            node["matrix"] = [float(v) for v in local.T.reshape(16)]
            _add_to_scene(doc, node, parent=avatar_anchor)
        added.append(len(doc.items("nodes")) - 1)
    appender.commit()
    _sync_vrm0_material_properties(doc)
    _merge_extension_names(doc, item_doc)
    return added


def _match_nodes(doc: Document, item_doc: Document) -> dict[int, tuple[int, int]]:
    """item node -> (matched item node (itself or an ancestor), avatar node)."""
    info = parse_vrm(doc)
    names = {str(n.get("name")): i for i, n in enumerate(doc.items("nodes")) if n.get("name")}
    parent: dict[int, int] = {}
    for i, node in enumerate(item_doc.items("nodes")):
        for child in node.get("children") or []:
            parent[int(child)] = i
    direct: dict[int, int] = {}
    for i, node in enumerate(item_doc.items("nodes")):
        name = str(node.get("name") or "")
        hit = names.get(name) if name else None
        if hit is None and name:
            hit = resolve_bone(info, name)
        if hit is not None and "mesh" not in doc.items("nodes")[hit]:
            direct[i] = hit
    out: dict[int, tuple[int, int]] = {}
    for i in range(len(item_doc.items("nodes"))):
        j, seen = i, set()
        while j not in direct and j in parent and j not in seen:
            seen.add(j)
            j = parent[j]
        if j in direct:
            out[i] = (j, direct[j])
    return out


def _append_resources(doc: Document, item_doc: Document) -> dict[str, int]:
    """Copy the item's data arrays after the avatar's; returns each array's index offset."""
    tree = copy.deepcopy(item_doc.json)
    offsets = {kind: len(doc.items(kind)) for kind in _COPIED}
    for ref in list(iter_refs(tree)):
        if ref.owner is not None and ref.owner[0] in _COPIED and ref.kind in offsets:
            ref.container[ref.key] = ref.index + offsets[ref.kind]
    appender = BinAppender(doc)
    start = appender.add_blob(bytes(item_doc.bin))
    appender.commit()
    for view in tree.get("bufferViews", []):
        view["buffer"] = 0
        view["byteOffset"] = int(view.get("byteOffset", 0)) + start
    for kind in _COPIED:
        if tree.get(kind):
            doc.json.setdefault(kind, []).extend(tree[kind])
    return offsets


def _rebind_skin(
    doc: Document,
    item_doc: Document,
    skin_index: int,
    matches: dict[int, tuple[int, int]],
    appender: BinAppender,
    item_world: list[np.ndarray],
    avatar_world: list[np.ndarray],
    bind: str,
) -> int:
    skin = item_doc.items("skins")[skin_index]
    joints = [int(j) for j in skin["joints"]]
    if "inverseBindMatrices" in skin:
        ibms = read_accessor(item_doc, int(skin["inverseBindMatrices"])).reshape(-1, 4, 4).transpose(0, 2, 1)
    else:
        ibms = np.tile(np.eye(4), (len(joints), 1, 1))
    new_joints, new_ibms = [], []
    for joint, ibm in zip(joints, ibms, strict=True):
        if joint not in matches:
            name = item_doc.items("nodes")[joint].get("name", joint)
            raise ValueError(f"joint {name!r} matches no bone of the avatar")
        item_anchor, avatar_node = matches[joint]
        mesh_to_joint = item_world[joint] @ ibm  # bind-time mesh space -> item world
        frame = item_world[item_anchor] if bind == "item" else avatar_world[avatar_node]
        new_joints.append(avatar_node)
        new_ibms.append(np.linalg.inv(frame) @ mesh_to_joint)
    matrices = np.stack(new_ibms).transpose(0, 2, 1).reshape(-1, 16).astype(np.float32)
    accessor = appender.add_accessor(matrices, target=None)
    doc.json.setdefault("skins", []).append({"joints": new_joints, "inverseBindMatrices": accessor})
    return len(doc.json["skins"]) - 1


def _add_to_scene(doc: Document, node: dict[str, Any], parent: int | None) -> None:
    nodes = doc.json.setdefault("nodes", [])
    nodes.append(node)
    index = len(nodes) - 1
    if parent is not None:
        nodes[parent].setdefault("children", []).append(index)
        return
    scenes = doc.json.setdefault("scenes", [{"nodes": []}])
    scenes[int(doc.json.get("scene", 0))].setdefault("nodes", []).append(index)


def _sync_vrm0_material_properties(doc: Document) -> None:
    """VRM 0.x pairs ``materialProperties[i]`` with ``materials[i]``: new materials get a
    pass-through entry so the pairing holds."""
    props = (doc.extension("VRM") or {}).get("materialProperties")
    if not isinstance(props, list):
        return
    for mat in doc.items("materials")[len(props) :]:
        props.append(
            {
                "name": str(mat.get("name", "")),
                "shader": "VRM_USE_GLTFSHADER",
                "renderQueue": 2000,
                "floatProperties": {},
                "vectorProperties": {},
                "textureProperties": {},
                "keywordMap": {},
                "tagMap": {},
            }
        )


def _merge_extension_names(doc: Document, item_doc: Document) -> None:
    for key in ("extensionsUsed", "extensionsRequired"):
        extra = [n for n in item_doc.json.get(key, []) if n not in _VRM_ROOT]
        if extra:
            names = doc.json.setdefault(key, [])
            names.extend(n for n in extra if n not in names)
