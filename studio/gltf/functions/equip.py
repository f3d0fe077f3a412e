"""equip: put a hair/clothing/attachment GLB on an avatar's skeleton, swapping what it replaces.

The item's meshes, materials, textures, accessors and buffer are appended to the avatar (nothing of
the avatar moves). Its skins are rebound to the avatar's joints, matched by node name, then by
humanoid bone (``J_Bip_C_Head`` finds the avatar's ``head`` bone whatever its node is called).
Joints the avatar lacks (a hair item's ``J_Sec_HairItem*`` spring chains) are copied under the
matched joint they hang from (renamed on a name clash) and the item's springs are appended to the
avatar's spring bones, so equipped hair swings (``_springs.py``). Binding:

- ``bind="item"`` (default): the item keeps its own bind pose relative to each joint, so it follows
  the avatar's joints even where the avatar's proportions differ from the body it was modelled on;
- ``bind="avatar"``: the item stays exactly where it was modelled while the avatar is at rest.

**Swap**: hair, tops, bottoms and shoes hold one item each (``_slots.py``): equipping one takes off
the studio-equipped item of that category and the avatar's own meshes of it (``Hair``,
``N00_002_03_Tops_01_CLOTH``...), with their expression binds, first-person annotations, springs
and spring joints. Attachments are additive. Items face +Z (glTF); on a VRM 0.x avatar (which faces
-Z) an item is turned half way round first.

Unskinned item meshes (an earring) become children of their matched bone. Each new mesh node
carries ``extras.studio = {"slot", "item"}`` so the editor can list, replace and extract it; copied
joints carry ``{"item", "part": "joint"}``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._buffer import BinAppender
from studio.gltf.functions._joints import (
    copy_joints,
    is_detached,
    joint_use,
    mark_detached,
    release_joints,
    studio_tag,
)
from studio.gltf.functions._lookup import world_matrices
from studio.gltf.functions._refs import iter_refs, renumber
from studio.gltf.functions._slots import item_category, remove_builtin
from studio.gltf.functions._springs import append_springs, item_springs, spring_nodes
from studio.gltf.functions.prune import remove_nodes
from studio.gltf.functions.rotate import rotate_vector, rotate_y180
from studio.gltf.vrm import parse_vrm, resolve_bone

_COPIED = ("accessors", "bufferViews", "images", "samplers", "textures", "materials", "meshes")
_VRM_ROOT = ("VRM", "VRMC_vrm", "VRMC_springBone")
#: item joint -> (avatar node, the item-space matrix the avatar node stands for)
Targets = dict[int, tuple[int, np.ndarray]]


def equipped_items(doc: Document) -> list[tuple[int, str, str]]:
    """(node, slot, item) of every item node the studio attached and that is still attached."""
    out = []
    for i, node in enumerate(doc.items("nodes")):
        tag = studio_tag(node)
        if tag.get("slot") and not tag.get("detached"):
            out.append((i, str(tag["slot"]), str(tag.get("item", ""))))
    return out


def unequip(doc: Document, node: int) -> None:
    """Take an item node out of the scene, with the springs and joints that came with it. The
    node stays (so no index moves) marked ``detached``; exporters remove it and prune what it
    alone used. The slot stays empty: the avatar's own item it replaced is not put back."""
    nodes = doc.items("nodes")
    target = nodes[node]
    item = studio_tag(target).get("item")
    skin = target.get("skin")
    joints = set(doc.items("skins")[skin]["joints"]) if isinstance(skin, int) else set()
    for scene in doc.items("scenes"):
        scene["nodes"] = [n for n in scene.get("nodes", []) if n != node]
    for parent in nodes:
        if node in parent.get("children", []):
            parent["children"] = [c for c in parent["children"] if c != node]
            if not parent["children"]:
                del parent["children"]
    for key in ("mesh", "skin", "children"):
        target.pop(key, None)
    mark_detached(target)
    ours = {j for j in joints if studio_tag(nodes[j]) == {"item": item, "part": "joint"}}
    if ours:
        release_joints(doc, ours)


def take_off(doc: Document, category: str) -> None:
    """Empty a swap category: unequip the studio's item(s) of it and remove the avatar's own."""
    for node, slot, item in equipped_items(doc):
        if item_category(slot, item) == category:
            unequip(doc, node)
    remove_builtin(doc, category)


def remove_detached(doc: Document) -> None:
    """Delete the nodes edits detached (exporters call this): skins no node uses any more that
    still list them go first, then the nodes, renumbering every reference."""
    nodes = doc.items("nodes")
    gone = {i for i, n in enumerate(nodes) if is_detached(n)}
    if not gone:
        return
    used = {int(n["skin"]) for n in nodes if isinstance(n.get("skin"), int)}
    skins = doc.items("skins")
    dead = {i for i, s in enumerate(skins) if i not in used and set(s.get("joints") or []) & gone}
    if dead:
        renumber(doc.json, "skins", [i for i in range(len(skins)) if i not in dead])
    remove_nodes(doc, gone)


def equip(
    doc: Document, item_doc: Document, *, slot: str, item: str = "", bind: str = "item", swap: bool = True
) -> list[int]:
    """Append ``item_doc``'s meshes to ``doc`` on its skeleton; returns the new mesh nodes.
    ``swap``: first take off what the item replaces (see the module notes).
    Raises ValueError when the item has no mesh or a joint matches nothing in the avatar."""
    if bind not in ("item", "avatar"):
        raise ValueError(f"bind must be 'item' or 'avatar', not {bind!r}")
    mesh_nodes = [i for i, n in enumerate(item_doc.items("nodes")) if "mesh" in n]
    if not mesh_nodes:
        raise ValueError("the item has no mesh")
    item_doc = _facing(doc, item_doc)
    category = item_category(slot, item, item_doc)
    matches, direct = _match_nodes(doc, item_doc)
    _check_joints(item_doc, matches)
    if swap and category:
        take_off(doc, category)
        matches, direct = _match_nodes(doc, item_doc)  # what was taken off matches nothing now
    springs = item_springs(item_doc)
    worlds = (world_matrices(item_doc), world_matrices(doc))
    copies, _ = copy_joints(
        doc,
        item_doc,
        _joints_to_copy(item_doc, direct, springs),
        direct,
        worlds,
        bind_item=bind == "item",
        tag={"item": item, "part": "joint"},
    )
    targets = _targets(matches, direct, copies, worlds, bind)
    added = _add_meshes(doc, item_doc, mesh_nodes, targets, {"slot": slot, "item": item}, worlds[0])
    if springs:
        append_springs(doc, springs, {**direct, **copies}, movable=set(copies), name=item or slot)
    _sync_vrm0_material_properties(doc)
    _merge_extension_names(doc, item_doc)
    return added


def _facing(doc: Document, item_doc: Document) -> Document:
    """Items face +Z (glTF); a VRM 0.x avatar faces -Z, so the item is turned to match."""
    if parse_vrm(doc).version != "0.x":
        return item_doc
    turned = Document(json=copy.deepcopy(item_doc.json), bin=item_doc.bin, name=item_doc.name)
    rotate_y180(turned)
    springs = item_springs(turned)
    for chain in (springs or {}).get("springs") or []:
        for joint in chain.get("joints") or []:
            if "gravityDir" in joint:
                joint["gravityDir"] = rotate_vector(joint["gravityDir"])
    for collider in (springs or {}).get("colliders") or []:
        for shape in (collider.get("shape") or {}).values():
            for key in ("offset", "tail"):
                if isinstance(shape, dict) and key in shape:
                    shape[key] = rotate_vector(shape[key])
    return turned


def _match_nodes(doc: Document, item_doc: Document) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """item node -> (matched item node (itself or an ancestor), avatar node), and the item nodes
    matched by their own name (-> avatar node). Meshes and detached nodes match nothing."""
    info = parse_vrm(doc)
    nodes = doc.items("nodes")
    usable = [i for i, n in enumerate(nodes) if "mesh" not in n and not is_detached(n)]
    names = {str(nodes[i].get("name")): i for i in reversed(usable) if nodes[i].get("name")}
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
        if hit is not None and "mesh" not in nodes[hit] and not is_detached(nodes[hit]):
            direct[i] = hit
    out: dict[int, tuple[int, int]] = {}
    for i in range(len(item_doc.items("nodes"))):
        j, seen = i, set()
        while j not in direct and j in parent and j not in seen:
            seen.add(j)
            j = parent[j]
        if j in direct:
            out[i] = (j, direct[j])
    return out, direct


def _check_joints(item_doc: Document, matches: dict[int, tuple[int, int]]) -> None:
    nodes = item_doc.items("nodes")
    for skin in item_doc.items("skins"):
        for joint in skin.get("joints") or []:
            if joint not in matches:
                raise ValueError(f"joint {nodes[joint].get('name', joint)!r} matches no bone of the avatar")


def _joints_to_copy(item_doc: Document, direct: dict[int, int], springs: dict[str, Any] | None) -> set[int]:
    """Unmatched item joints that carry weight or swing. (Unweighted unmatched joints ride their
    nearest matched ancestor: several may share one avatar node.)"""
    wanted = spring_nodes(springs)
    for index, node in enumerate(item_doc.items("nodes")):
        if isinstance(node.get("skin"), int) and "mesh" in node:
            wanted |= joint_use(item_doc, [index])[0]
    return wanted - set(direct)


def _targets(
    matches: dict[int, tuple[int, int]],
    direct: dict[int, int],
    copies: dict[int, int],
    worlds: tuple[list[np.ndarray], list[np.ndarray]],
    bind: str,
) -> Targets:
    item_world, avatar_world = worlds
    out: Targets = {}
    for joint, (anchor, avatar_node) in matches.items():
        if joint in copies:
            out[joint] = (copies[joint], item_world[joint])
        else:
            out[joint] = (avatar_node, item_world[anchor] if bind == "item" else avatar_world[avatar_node])
    return out


def _add_meshes(
    doc: Document,
    item_doc: Document,
    mesh_nodes: list[int],
    targets: Targets,
    tag: dict[str, str],
    item_world: list[np.ndarray],
) -> list[int]:
    offsets = _append_resources(doc, item_doc)
    appender = BinAppender(doc)
    added = []
    for index in mesh_nodes:
        src = item_doc.items("nodes")[index]
        node: dict[str, Any] = {
            "name": str(src.get("name") or tag["item"] or tag["slot"]),
            "mesh": int(src["mesh"]) + offsets["meshes"],
            "extras": {"studio": dict(tag)},
        }
        if "skin" in src:
            node["skin"], remap = _rebind_skin(doc, item_doc, int(src["skin"]), targets, appender, item_world)
            if remap is not None:
                _remap_joints(doc, node["mesh"], remap, appender)
            _add_to_scene(doc, node, parent=None)
        else:
            if index not in targets:
                raise ValueError(f"node {src.get('name', index)!r} matches no bone of the avatar")
            avatar_anchor, frame = targets[index]
            local = np.linalg.inv(frame) @ item_world[index]
            node["matrix"] = [float(v) for v in local.T.reshape(16)]
            _add_to_scene(doc, node, parent=avatar_anchor)
        added.append(len(doc.items("nodes")) - 1)
    appender.commit()
    return added


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
    targets: Targets,
    appender: BinAppender,
    item_world: list[np.ndarray],
) -> tuple[int, np.ndarray | None]:
    """A new skin on the avatar's nodes; returns it and, when item joints shared a node (a skin
    may not list a node twice), the old -> new joint index map for the mesh's JOINTS."""
    skin = item_doc.items("skins")[skin_index]
    joints = [int(j) for j in skin["joints"]]
    if "inverseBindMatrices" in skin:
        ibms = read_accessor(item_doc, int(skin["inverseBindMatrices"])).reshape(-1, 4, 4).transpose(0, 2, 1)
    else:
        ibms = np.tile(np.eye(4), (len(joints), 1, 1))
    slot: dict[int, int] = {}
    new_ibms, remap = [], []
    for joint, ibm in zip(joints, ibms, strict=True):
        avatar_node, frame = targets[joint]
        if avatar_node not in slot:  # the first joint on a node wins (the others carry no weight)
            slot[avatar_node] = len(slot)
            new_ibms.append(np.linalg.inv(frame) @ item_world[joint] @ ibm)  # bind-time mesh -> joint
        remap.append(slot[avatar_node])
    matrices = np.stack(new_ibms).transpose(0, 2, 1).reshape(-1, 16).astype(np.float32)
    accessor = appender.add_accessor(matrices, target=None)
    doc.json.setdefault("skins", []).append({"joints": list(slot), "inverseBindMatrices": accessor})
    changed = remap != list(range(len(joints)))
    return len(doc.json["skins"]) - 1, np.array(remap, dtype=np.int64) if changed else None


def _remap_joints(doc: Document, mesh: int, remap: np.ndarray, appender: BinAppender) -> None:
    """Point the (appended) mesh's JOINTS_n at the merged skin's indices."""
    for prim in doc.items("meshes")[mesh].get("primitives") or []:
        attrs = prim.get("attributes") or {}
        for name in [a for a in attrs if a.startswith("JOINTS_")]:
            ids = read_accessor(doc, attrs[name], normalize=False).astype(np.int64)
            attrs[name] = appender.add_accessor(remap[ids].astype(np.uint16))


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
