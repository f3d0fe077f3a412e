"""extract: pull a hair or clothing mesh out of an avatar into its own item GLB.

The item keeps the mesh, its materials and textures, and the skeleton it needs (its joints and
their ancestors, with the avatar's names and rest transforms), so :func:`equip` can put it on any
avatar whose bones carry the same names (VRoid ``J_Bip_*`` or VRM humanoid). VRM extensions are not
copied: an item is plain glTF (its spring bones ride in ``asset.extras.VRMC_springBone``, see
:mod:`._extract_springs`), and like any glTF asset it faces +Z, so an item taken from a VRM 0.x
avatar (which faces -Z) is turned half way round (:func:`equip` turns it back for 0.x avatars).
With ``remove`` the mesh node is also taken off the avatar (:func:`unequip`).
"""

from __future__ import annotations

from typing import Any

from studio.gltf.document import Document
from studio.gltf.export.runtime import VRM_EXTENSIONS, strip_vrm
from studio.gltf.export.source import copy_document
from studio.gltf.functions._extract_springs import mesh_springs, spring_node_refs
from studio.gltf.functions._joints import studio_tag
from studio.gltf.functions._slots import remove_mesh_node
from studio.gltf.functions.equip import unequip
from studio.gltf.functions.prune import prune, remove_nodes
from studio.gltf.functions.rotate import rotate_y180
from studio.gltf.vrm import parse_vrm


def find_mesh_node(doc: Document, name: str) -> int:
    """The node carrying a mesh, by node name or mesh name. Raises ValueError listing candidates."""
    meshes = doc.items("meshes")
    for i, node in enumerate(doc.items("nodes")):
        if "mesh" in node and name in (node.get("name"), meshes[int(node["mesh"])].get("name")):
            return i
    known = sorted({str(n.get("name")) for n in doc.items("nodes") if "mesh" in n})
    raise ValueError(f"no mesh node called {name!r} (mesh nodes: {', '.join(known) or 'none'})")


def extract(doc: Document, node: int, *, slot: str = "", item: str = "", remove: bool = False) -> Document:
    """A new document holding mesh node ``node`` and its skeleton; ``doc`` loses the node only
    when ``remove``."""
    nodes = doc.items("nodes")
    if not 0 <= node < len(nodes) or "mesh" not in nodes[node]:
        raise ValueError(f"node {node} carries no mesh")
    facing_back = parse_vrm(doc).version == "0.x"
    out = copy_document(doc)
    springs = mesh_springs(out, node)  # before the VRM data goes (0.x: adds tail nodes to out)
    wanted = {node, *[int(j) for j in _skin_joints(out, node)], *spring_node_refs(springs or {})}
    keep = _ancestor_closed(out, wanted)
    tree = out.json
    for i, other in enumerate(out.items("nodes")):
        if i != node:
            other.pop("mesh", None)
            other.pop("skin", None)
        other.pop("extensions", None)
    tree.pop("animations", None)
    strip_vrm(out)
    for ext in [n for n in tree.get("extensionsUsed", []) if n in VRM_EXTENSIONS]:
        tree["extensionsUsed"].remove(ext)
    if springs:  # parked where remove_nodes renumbers node references, moved to extras below
        tree.setdefault("extensions", {})["VRMC_springBone"] = springs
    prune(out, compact=False)
    remove_nodes(out, set(range(len(out.items("nodes")))) - keep)
    springs = tree.get("extensions", {}).pop("VRMC_springBone", None)
    if not tree.get("extensions", True):
        del tree["extensions"]
    new_index = sorted(keep).index(node)
    tag: dict[str, Any] = {"slot": slot, "item": item} if slot else {}
    if tag:
        out.items("nodes")[new_index].setdefault("extras", {})["studio"] = tag
    if facing_back:
        rotate_y180(out)
    prune(out)
    _tidy_extensions(out)
    tree["asset"] = {"version": "2.0", "generator": "Avatar Studio extract"}
    if springs:
        tree["asset"]["extras"] = {"VRMC_springBone": springs}
    out.name = f"{item or 'item'}.glb"
    if remove and studio_tag(nodes[node]).get("slot"):
        unequip(doc, node)
    elif remove:
        remove_mesh_node(doc, node)
    return out


def _skin_joints(doc: Document, node: int) -> list[int]:
    skin = doc.items("nodes")[node].get("skin")
    return list(doc.items("skins")[int(skin)]["joints"]) if isinstance(skin, int) else []


def _ancestor_closed(doc: Document, wanted: set[int]) -> set[int]:
    parent = {int(c): i for i, n in enumerate(doc.items("nodes")) for c in n.get("children") or []}
    out = set()
    for start in wanted:
        i = start
        while i not in out:
            out.add(i)
            if i not in parent:
                break
            i = parent[i]
    return out


def _tidy_extensions(doc: Document) -> None:
    """List only the extensions still present (material extensions such as KHR_materials_unlit)."""
    present: set[str] = set()
    stack: list[Any] = [doc.json]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            ext = value.get("extensions")
            if isinstance(ext, dict) and value is not doc.json:
                present.update(ext)
            stack.extend(v for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, dict | list))
    for key in ("extensionsUsed", "extensionsRequired"):
        if key in doc.json:
            doc.json[key] = [n for n in doc.json[key] if n in present]
            if not doc.json[key]:
                del doc.json[key]
