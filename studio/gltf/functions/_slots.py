"""Which of an avatar's own meshes fill a wardrobe slot, so equipping an item can swap them out.

Slots are read from names, the way VRoid Studio and the procedural generator write them: a
primitive's material name first (VRoid puts hair, clothes and skin of one mesh in separate
primitives: ``N00_002_03_Tops_01_CLOTH``), then its mesh name (``Hair001``), then its node's name.
Names are split into words (``HairBack_00_HAIR`` -> Hair, Back, HAIR) and a word decides:

- ``hair`` -> hair (``Hair``, ``HairBack``, ``N00_000_Hair_00_HAIR``; not ``Hairpin``);
- ``tops``, ``bottoms``, ``shoes`` -> that clothing slot; ``onepiece`` (a dress) fills both tops
  and bottoms; ``accessory`` -> accessory, which is never swapped (attachments are additive).

Item categories follow the item id's prefix (``tops-tshirt-01``), else the item's own names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.gltf.document import Document
from studio.gltf.functions._joints import detach, pointed_at, release_joints, studio_tag, weighted_joints

#: categories an equipped item swaps: the avatar keeps at most one of each
SWAPPED = ("hair", "tops", "bottoms", "shoes")
_WORDS = {
    "accessory": ("accessory",),
    "accessories": ("accessory",),
    "hair": ("hair",),
    "tops": ("tops",),
    "bottoms": ("bottoms",),
    "shoes": ("shoes",),
    "onepiece": ("tops", "bottoms"),
}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")


def name_categories(name: object) -> tuple[str, ...]:
    """Slot categories a name says (first slot word wins; accessory beats hair: a hair clip)."""
    words = [w.lower() for w in _WORD.findall(str(name or ""))]
    if "accessory" in words or "accessories" in words:
        return ("accessory",)
    for word in words:
        if word in _WORDS:
            return _WORDS[word]
    return ()


def item_category(slot: str, item: str, item_doc: Document | None = None) -> str | None:
    """The swap category of an item: ``hair`` for the hair slot, ``tops``/``bottoms``/``shoes``
    from a clothing id's prefix (or the item's mesh and material names); None: additive."""
    if slot == "hair":
        return "hair"
    if slot != "clothing":
        return None
    prefix = item.split("-", 1)[0].lower()
    if prefix in SWAPPED:
        return prefix
    if item_doc is not None:
        names = [m.get("name") for m in item_doc.items("meshes")]
        names += [m.get("name") for m in item_doc.items("materials")]
        for name in names:
            found = [c for c in name_categories(name) if c in SWAPPED and c != "hair"]
            if len(found) == 1:
                return found[0]
    return None


@dataclass(frozen=True)
class BuiltinPart:
    """Primitives of one of the avatar's own mesh nodes that fill ``category``."""

    node: int
    mesh: int
    primitives: tuple[int, ...]
    #: every primitive of the mesh is in the slot (the whole node goes)
    whole: bool
    category: str


def builtin_parts(doc: Document) -> list[BuiltinPart]:
    """The avatar's own (not studio-equipped) meshes, by slot category."""
    meshes, materials = doc.items("meshes"), doc.items("materials")
    out = []
    for index, node in enumerate(doc.items("nodes")):
        mesh_index = node.get("mesh")
        if not isinstance(mesh_index, int) or not 0 <= mesh_index < len(meshes) or studio_tag(node):
            continue
        mesh = meshes[mesh_index]
        found: dict[str, list[int]] = {}
        prims = mesh.get("primitives") or []
        for p, prim in enumerate(prims):
            material = prim.get("material")
            material_name = materials[material].get("name") if isinstance(material, int) else None
            cats = (
                name_categories(material_name)
                or name_categories(mesh.get("name"))
                or name_categories(node.get("name"))
            )
            for cat in cats:
                found.setdefault(cat, []).append(p)
        for cat, chosen in found.items():
            out.append(BuiltinPart(index, mesh_index, tuple(chosen), len(chosen) == len(prims), cat))
    return out


def remove_builtin(doc: Document, category: str) -> list[BuiltinPart]:
    """Take the avatar's own meshes of ``category`` off: whole mesh nodes are detached (their
    expression binds and first-person annotations go with them), primitives of a shared mesh are
    cut out of it; spring chains and joints only they used are released. The bytes go when the
    file is exported (prune)."""
    parts = [p for p in builtin_parts(doc) if p.category == category]
    if not parts:
        return []
    joints: set[int] = set()
    for part in parts:
        joints |= weighted_joints(doc, part.node, None if part.whole else part.primitives)
    cut: dict[int, set[int]] = {}
    for part in parts:
        if part.whole:
            _drop_mesh(doc, part.node)
        else:
            cut.setdefault(part.mesh, set()).update(part.primitives)
    for mesh, prims in cut.items():
        body = doc.items("meshes")[mesh]
        body["primitives"] = [p for i, p in enumerate(body["primitives"]) if i not in prims]
    release_joints(doc, joints)
    return parts


def remove_mesh_node(doc: Document, node: int) -> None:
    """Take one of the avatar's own mesh nodes off, as :func:`remove_builtin` does for a slot."""
    joints = weighted_joints(doc, node)
    _drop_mesh(doc, node)
    release_joints(doc, joints)


def _drop_mesh(doc: Document, node: int) -> None:
    target = doc.items("nodes")[node]
    mesh = target.pop("mesh", None)
    for key in ("skin", "weights"):
        target.pop(key, None)
    vrm1 = doc.extension("VRMC_vrm")
    if vrm1 is not None:
        _drop_binds(vrm1, "node", node, ("morphTargetBinds",))
    vrm0 = doc.extension("VRM")
    still_shown = any(n.get("mesh") == mesh for n in doc.items("nodes"))
    if vrm0 is not None and not still_shown:
        first = vrm0.get("firstPerson")
        if isinstance(first, dict) and isinstance(first.get("meshAnnotations"), list):
            first["meshAnnotations"] = [a for a in first["meshAnnotations"] if a.get("mesh") != mesh]
        for group in (vrm0.get("blendShapeMaster") or {}).get("blendShapeGroups") or []:
            if isinstance(group.get("binds"), list):
                group["binds"] = [b for b in group["binds"] if b.get("mesh") != mesh]
    if not target.get("children") and not pointed_at(doc, node):
        detach(doc, node)


def _drop_binds(vrm1: dict, key: str, node: int, kinds: tuple[str, ...]) -> None:
    first = vrm1.get("firstPerson")
    if isinstance(first, dict) and isinstance(first.get("meshAnnotations"), list):
        first["meshAnnotations"] = [a for a in first["meshAnnotations"] if a.get(key) != node]
    for group in ("preset", "custom"):
        for expr in ((vrm1.get("expressions") or {}).get(group) or {}).values():
            for kind in kinds:
                if isinstance(expr, dict) and isinstance(expr.get(kind), list):
                    expr[kind] = [b for b in expr[kind] if b.get(key) != node]
