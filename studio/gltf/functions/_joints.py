"""Joints that come and go with wardrobe items.

``copy_joints``: an item's joints the avatar lacks (a hair item's ``J_Sec_HairItem*`` spring chains)
are copied under the avatar joint they hang from, so the item's skin can be bound to them and its
springs can swing them. ``release_joints``: when a mesh goes, the spring chains through the joints
only it was skinned to go too, and those joints are detached (``extras.studio.detached``; the
exporters remove them) unless something else still needs them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._refs import Ref, iter_refs
from studio.gltf.functions._springs import remove_springs
from studio.gltf.vrm import parse_vrm


def studio_tag(node: dict[str, Any]) -> dict[str, Any]:
    extras = node.get("extras")  # free-form in glTF: any JSON value
    tag = extras.get("studio") if isinstance(extras, dict) else None
    return tag if isinstance(tag, dict) else {}


def mark_detached(node: dict[str, Any]) -> None:
    """Tag ``node`` as taken out of the scene (``extras.studio.detached``; the source export
    removes it). Extras that are not an object are kept under ``extras.value``."""
    extras = node.get("extras")
    if not isinstance(extras, dict):
        node["extras"] = extras = {} if extras is None else {"value": extras}
    if not isinstance(extras.get("studio"), dict):
        extras["studio"] = {}
    extras["studio"]["detached"] = True


def is_detached(node: dict[str, Any]) -> bool:
    return studio_tag(node).get("detached") is True


def item_parents(doc: Document) -> dict[int, int]:
    return {int(c): i for i, n in enumerate(doc.items("nodes")) for c in n.get("children") or []}


def unique_name(doc: Document, name: str) -> str:
    taken = {str(n.get("name")) for n in doc.items("nodes")}
    if name not in taken:
        return name
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def copy_joints(
    doc: Document,
    item_doc: Document,
    wanted: set[int],
    direct: dict[int, int],
    worlds: tuple[list[np.ndarray], list[np.ndarray]],
    *,
    bind_item: bool,
    tag: dict[str, Any],
) -> tuple[dict[int, int], dict[int, np.ndarray]]:
    """Copy item nodes ``wanted`` under their nearest matched (``direct``: item node -> avatar
    node) or copied ancestor. ``worlds``: rest world matrices of the item's and the avatar's nodes.
    ``bind_item``: a copy keeps its place relative to the avatar joint it hangs from (else its
    modelled place). Returns item node -> new node and new node -> its rest world matrix.
    Raises ValueError for a joint with no matched ancestor."""
    item_world, avatar_world = worlds
    parents = item_parents(item_doc)
    copies: dict[int, int] = {}
    world: dict[int, np.ndarray] = {}
    for joint in sorted(wanted, key=lambda j: _depth(parents, j)):
        parent = parents.get(joint)
        while parent is not None and parent not in direct and parent not in copies:
            parent = parents.get(parent)
        if parent is None:
            name = item_doc.items("nodes")[joint].get("name", joint)
            raise ValueError(f"joint {name!r} matches no bone of the avatar")
        if parent in copies:
            doc_parent, parent_world = copies[parent], world[copies[parent]]
            frame = parent_world
        else:
            doc_parent, parent_world = direct[parent], avatar_world[direct[parent]]
            frame = parent_world if bind_item else item_world[parent]
        place = frame @ np.linalg.inv(item_world[parent]) @ item_world[joint]
        src = item_doc.items("nodes")[joint]
        node: dict[str, Any] = {"name": unique_name(doc, str(src.get("name") or f"joint{joint}"))}
        if parents.get(joint) == parent and frame is parent_world:
            node.update({k: src[k] for k in ("translation", "rotation", "scale", "matrix") if k in src})
        else:
            node.update(_trs(np.linalg.inv(parent_world) @ place))
        node["extras"] = {"studio": dict(tag)}
        nodes = doc.json.setdefault("nodes", [])
        nodes.append(node)
        copies[joint] = len(nodes) - 1
        nodes[doc_parent].setdefault("children", []).append(copies[joint])
        world[copies[joint]] = place
    return copies, world


def _depth(parents: dict[int, int], node: int) -> int:
    depth = 0
    while node in parents and depth < 10_000:
        node, depth = parents[node], depth + 1
    return depth


def _trs(m: np.ndarray) -> dict[str, list[float]]:
    """Translation, rotation (x, y, z, w) and scale of an affine matrix without shear."""
    t = m[:3, 3]
    scale = np.linalg.norm(m[:3, :3], axis=0)
    r = m[:3, :3] / np.where(scale > 1e-12, scale, 1.0)
    if np.linalg.det(r) < 0:
        scale[0], r[:, 0] = -scale[0], -r[:, 0]
    w = np.sqrt(max(0.0, 1.0 + r[0, 0] + r[1, 1] + r[2, 2])) / 2
    x = np.copysign(np.sqrt(max(0.0, 1.0 + r[0, 0] - r[1, 1] - r[2, 2])) / 2, r[2, 1] - r[1, 2])
    y = np.copysign(np.sqrt(max(0.0, 1.0 - r[0, 0] + r[1, 1] - r[2, 2])) / 2, r[0, 2] - r[2, 0])
    z = np.copysign(np.sqrt(max(0.0, 1.0 - r[0, 0] - r[1, 1] + r[2, 2])) / 2, r[1, 0] - r[0, 1])
    q = np.array([x, y, z, w]) / max(float(np.linalg.norm([x, y, z, w])), 1e-12)
    out = {"translation": [float(v) for v in t], "rotation": [float(v) for v in q]}
    if not np.allclose(scale, 1.0, atol=1e-7):
        out["scale"] = [float(v) for v in scale]
    return out


# -- what is still skinned -------------------------------------------------------------------


def live_mesh_nodes(doc: Document) -> list[int]:
    return [i for i, n in enumerate(doc.items("nodes")) if "mesh" in n and not is_detached(n)]


def joint_use(doc: Document, nodes: list[int]) -> tuple[set[int], dict[int, int]]:
    """Nodes carrying weight in the meshes of ``nodes``, and the highest JOINTS value each skin
    is read with (every value counts, weighted or not: a validator checks them all)."""
    weighted: set[int] = set()
    highest: dict[int, int] = {}
    for index in nodes:
        node = doc.items("nodes")[index]
        skin = node.get("skin")
        if not isinstance(skin, int):
            continue
        joints = doc.items("skins")[skin].get("joints") or []
        for prim in doc.items("meshes")[int(node["mesh"])].get("primitives") or []:
            attrs = prim.get("attributes") or {}
            for n in range(8):
                if f"JOINTS_{n}" not in attrs:
                    break
                ids = read_accessor(doc, attrs[f"JOINTS_{n}"], normalize=False).astype(np.int64)
                highest[skin] = max(highest.get(skin, -1), int(ids.max(initial=-1)))
                if f"WEIGHTS_{n}" in attrs:
                    ids = ids[read_accessor(doc, attrs[f"WEIGHTS_{n}"]) > 0]
                weighted.update(joints[int(k)] for k in np.unique(ids) if 0 <= k < len(joints))
    return weighted, highest


def weighted_joints(doc: Document, node: int, primitives: tuple[int, ...] | None = None) -> set[int]:
    """Joints carrying weight in mesh node ``node`` (only ``primitives`` of its mesh, when given)."""
    tree = doc.json
    mesh = tree["meshes"][tree["nodes"][node]["mesh"]]
    if primitives is None:
        return joint_use(doc, [node])[0]
    saved = mesh["primitives"]
    try:
        mesh["primitives"] = [saved[p] for p in primitives]
        return joint_use(doc, [node])[0]
    finally:
        mesh["primitives"] = saved


# -- letting joints go ---------------------------------------------------------------------------


def release_joints(doc: Document, candidates: set[int]) -> set[int]:
    """Drop spring chains through ``candidates`` (joints of a mesh that went) that no remaining
    mesh is skinned to, and detach those joints when nothing else needs them. Returns the
    detached nodes."""
    humanoid = set(parse_vrm(doc).humanoid.values())
    live = live_mesh_nodes(doc)
    weighted, highest = joint_use(doc, live)
    drop = candidates - weighted - humanoid
    if not drop:
        return set()
    drop |= remove_springs(doc, drop)
    drop -= weighted | humanoid
    drop = _closed(doc, drop)
    drop = _free_from_skins(doc, drop, live, highest)
    drop = _closed(doc, drop - _needed_elsewhere(doc))
    for node in drop:
        detach(doc, node)
    return drop


def _closed(doc: Document, drop: set[int]) -> set[int]:
    """Only nodes with nothing to show whose children all go too."""
    nodes = doc.items("nodes")
    out = {i for i in drop if not ({"mesh", "camera"} & set(nodes[i]))}
    changed = True
    while changed:
        changed = False
        for i in list(out):
            if any(int(c) not in out for c in nodes[i].get("children") or []):
                out.discard(i)
                changed = True
    return out


def _free_from_skins(doc: Document, drop: set[int], live: list[int], highest: dict[int, int]) -> set[int]:
    """A live skin may list joints to drop: when they are its last entries and no vertex reads
    them, the list (and its inverse bind matrices) is shortened; otherwise they stay."""
    nodes = doc.items("nodes")
    keep: set[int] = set()
    for skin_index in sorted({int(nodes[i]["skin"]) for i in live if isinstance(nodes[i].get("skin"), int)}):
        skin = doc.items("skins")[skin_index]
        joints = [int(j) for j in skin.get("joints") or []]
        hits = [k for k, j in enumerate(joints) if j in drop]
        if not hits:
            continue
        cut = len(joints) - len(hits)
        if hits == list(range(cut, len(joints))) and highest.get(skin_index, -1) < cut and cut > 0:
            _truncate_skin(doc, skin, cut)
        else:
            keep.update(joints[k] for k in hits)
    return drop - keep


def _truncate_skin(doc: Document, skin: dict[str, Any], count: int) -> None:
    skin["joints"] = skin["joints"][:count]
    if isinstance(skin.get("inverseBindMatrices"), int):
        accessors = doc.json["accessors"]
        accessors.append({**accessors[skin["inverseBindMatrices"]], "count": count})
        skin["inverseBindMatrices"] = len(accessors) - 1


def _needed_elsewhere(doc: Document) -> set[int]:
    """Nodes something other than a node, a skin or a scene points at (colliders, constraints,
    lookAt, expression binds...)."""
    return {ref.index for ref in iter_refs(doc.json) if ref.kind == "nodes" and not _structural(doc, ref)}


def _structural(doc: Document, ref: Ref) -> bool:
    if ref.owner is not None and ref.owner[0] in ("nodes", "skins"):
        return True
    return any(ref.container is scene.get("nodes") for scene in doc.items("scenes"))


def pointed_at(doc: Document, node: int) -> bool:
    """Whether anything but the node tree, a skin or a scene refers to ``node``."""
    return node in _needed_elsewhere(doc)


def detach(doc: Document, node: int) -> None:
    for scene in doc.items("scenes"):
        if node in scene.get("nodes", []):
            scene["nodes"] = [n for n in scene["nodes"] if n != node]
    for parent in doc.items("nodes"):
        if node in parent.get("children", []):
            parent["children"] = [c for c in parent["children"] if c != node]
            if not parent["children"]:
                del parent["children"]
    mark_detached(doc.items("nodes")[node])
