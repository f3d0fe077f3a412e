"""Every index reference in a glTF JSON tree, core and VRM extensions, so transforms can renumber.

Removing or merging an array entry (prune, dedup, extract) shifts the indices after it; VRM keeps
many such indices in its extensions (humanoid nodes, expression binds, MToon textures, spring bones),
and a transform that forgets one silently breaks the avatar. This table is the single list.

References covered: glTF 2.0 core (https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html),
texture-source extensions (EXT_texture_webp, KHR_texture_basisu, EXT_texture_avif), any material
``*Texture`` textureInfo (covers KHR_materials_* and VRMC_materials_mtoon), VRM 0.x ``VRM``
(vrm-specification/specification/0.0), ``VRMC_vrm``, ``VRMC_springBone`` and ``VRMC_node_constraint``
1.0 (vrm-specification/specification/VRMC_*-1.0).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: arrays whose entries a transform may remove when nothing references them any more
PRUNABLE = ("meshes", "skins", "materials", "textures", "images", "samplers", "accessors", "bufferViews")
_TEXTURE_SOURCE_EXTS = ("EXT_texture_webp", "KHR_texture_basisu", "EXT_texture_avif")


@dataclass(frozen=True)
class Ref:
    """``container[key]`` holds an index into the top-level array ``kind``. ``owner`` is the
    (array, index) entry that holds the reference, or None for references that are always live
    (scene roots, VRM humanoid, expressions...)."""

    container: Any
    key: Any
    kind: str
    owner: tuple[str, int] | None

    @property
    def index(self) -> int:
        return int(self.container[self.key])


def _ref(container: Any, key: Any, kind: str, owner: tuple[str, int] | None) -> Iterator[Ref]:
    if isinstance(container, dict) and key not in container:
        return
    value = container[key]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        yield Ref(container, key, kind, owner)


def _list_refs(values: Any, kind: str, owner: tuple[str, int] | None) -> Iterator[Ref]:
    if isinstance(values, list):
        for i in range(len(values)):
            yield from _ref(values, i, kind, owner)


def _entries(tree: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = tree.get(key)
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def iter_refs(tree: dict[str, Any]) -> Iterator[Ref]:
    """Yield every index reference in ``tree`` (a glTF JSON object)."""
    yield from _ref(tree, "scene", "scenes", None)
    for _, scene in _entries(tree, "scenes"):
        yield from _list_refs(scene.get("nodes"), "nodes", None)
    yield from _node_refs(tree)
    yield from _mesh_refs(tree)
    yield from _resource_refs(tree)
    yield from _animation_refs(tree)
    ext = tree.get("extensions")
    if isinstance(ext, dict):
        yield from _vrm0_refs(ext.get("VRM"))
        yield from _vrm1_refs(ext.get("VRMC_vrm"))
        yield from _spring1_refs(ext.get("VRMC_springBone"))


def _node_refs(tree: dict[str, Any]) -> Iterator[Ref]:
    for i, node in _entries(tree, "nodes"):
        owner = ("nodes", i)
        yield from _list_refs(node.get("children"), "nodes", owner)
        yield from _ref(node, "mesh", "meshes", owner)
        yield from _ref(node, "skin", "skins", owner)
        yield from _ref(node, "camera", "cameras", owner)
        constraint = (node.get("extensions") or {}).get("VRMC_node_constraint", {}).get("constraint")
        if isinstance(constraint, dict):
            for body in constraint.values():
                if isinstance(body, dict):
                    yield from _ref(body, "source", "nodes", owner)
    for i, skin in _entries(tree, "skins"):
        owner = ("skins", i)
        yield from _list_refs(skin.get("joints"), "nodes", owner)
        yield from _ref(skin, "skeleton", "nodes", owner)
        yield from _ref(skin, "inverseBindMatrices", "accessors", owner)


def _mesh_refs(tree: dict[str, Any]) -> Iterator[Ref]:
    for i, mesh in _entries(tree, "meshes"):
        owner = ("meshes", i)
        for prim in _dicts(mesh.get("primitives")):
            attrs = prim.get("attributes")
            if isinstance(attrs, dict):
                for name in list(attrs):
                    yield from _ref(attrs, name, "accessors", owner)
            yield from _ref(prim, "indices", "accessors", owner)
            yield from _ref(prim, "material", "materials", owner)
            for target in _dicts(prim.get("targets")):
                for name in list(target):
                    yield from _ref(target, name, "accessors", owner)


def _texture_infos(value: Any, owner: tuple[str, int]) -> Iterator[Ref]:
    """Any ``{...Texture: {"index": n}}`` inside a material, however deeply nested in extensions."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("Texture") and isinstance(item, dict):
                yield from _ref(item, "index", "textures", owner)
            if isinstance(item, dict | list):
                yield from _texture_infos(item, owner)
    elif isinstance(value, list):
        for item in value:
            yield from _texture_infos(item, owner)


def _resource_refs(tree: dict[str, Any]) -> Iterator[Ref]:
    for i, material in _entries(tree, "materials"):
        yield from _texture_infos(material, ("materials", i))
    for i, texture in _entries(tree, "textures"):
        owner = ("textures", i)
        yield from _ref(texture, "source", "images", owner)
        yield from _ref(texture, "sampler", "samplers", owner)
        for name in _TEXTURE_SOURCE_EXTS:
            body = (texture.get("extensions") or {}).get(name)
            if isinstance(body, dict):
                yield from _ref(body, "source", "images", owner)
    for i, image in _entries(tree, "images"):
        yield from _ref(image, "bufferView", "bufferViews", ("images", i))
    for i, accessor in _entries(tree, "accessors"):
        owner = ("accessors", i)
        yield from _ref(accessor, "bufferView", "bufferViews", owner)
        sparse = accessor.get("sparse")
        if isinstance(sparse, dict):
            for part in ("indices", "values"):
                if isinstance(sparse.get(part), dict):
                    yield from _ref(sparse[part], "bufferView", "bufferViews", owner)
    for i, view in _entries(tree, "bufferViews"):
        yield from _ref(view, "buffer", "buffers", ("bufferViews", i))


def _animation_refs(tree: dict[str, Any]) -> Iterator[Ref]:
    for _, anim in _entries(tree, "animations"):
        for channel in _dicts(anim.get("channels")):
            if isinstance(channel.get("target"), dict):
                yield from _ref(channel["target"], "node", "nodes", None)
        for sampler in _dicts(anim.get("samplers")):
            yield from _ref(sampler, "input", "accessors", None)
            yield from _ref(sampler, "output", "accessors", None)


def _vrm0_refs(vrm: Any) -> Iterator[Ref]:
    if not isinstance(vrm, dict):
        return
    meta = vrm.get("meta")
    if isinstance(meta, dict):
        yield from _ref(meta, "texture", "textures", None)
    for bone in _dicts((vrm.get("humanoid") or {}).get("humanBones")):
        yield from _ref(bone, "node", "nodes", None)
    first = vrm.get("firstPerson")
    if isinstance(first, dict):
        yield from _ref(first, "firstPersonBone", "nodes", None)
        for ann in _dicts(first.get("meshAnnotations")):
            yield from _ref(ann, "mesh", "meshes", None)
    for group in _dicts((vrm.get("blendShapeMaster") or {}).get("blendShapeGroups")):
        for bind in _dicts(group.get("binds")):
            yield from _ref(bind, "mesh", "meshes", None)
    yield from _vrm0_secondary_refs(vrm.get("secondaryAnimation"))
    # materialProperties[i] belongs to materials[i] (three-vrm and UniVRM pair them by index)
    for i, props in enumerate(_dicts(vrm.get("materialProperties"))):
        tex = props.get("textureProperties")
        if isinstance(tex, dict):
            for name in list(tex):
                yield from _ref(tex, name, "textures", ("materials", i))


def _vrm0_secondary_refs(secondary: Any) -> Iterator[Ref]:
    if not isinstance(secondary, dict):
        return
    for group in _dicts(secondary.get("boneGroups")):
        yield from _list_refs(group.get("bones"), "nodes", None)
        yield from _ref(group, "center", "nodes", None)
    for group in _dicts(secondary.get("colliderGroups")):
        yield from _ref(group, "node", "nodes", None)


def _vrm1_refs(vrm: Any) -> Iterator[Ref]:
    if not isinstance(vrm, dict):
        return
    if isinstance(vrm.get("meta"), dict):
        yield from _ref(vrm["meta"], "thumbnailImage", "images", None)
    bones = (vrm.get("humanoid") or {}).get("humanBones")
    if isinstance(bones, dict):
        for bone in bones.values():
            if isinstance(bone, dict):
                yield from _ref(bone, "node", "nodes", None)
    for ann in _dicts((vrm.get("firstPerson") or {}).get("meshAnnotations")):
        yield from _ref(ann, "node", "nodes", None)
    expressions = vrm.get("expressions")
    if isinstance(expressions, dict):
        for group in ("preset", "custom"):
            for expr in (expressions.get(group) or {}).values():
                yield from _expression_refs(expr)


def _expression_refs(expr: Any) -> Iterator[Ref]:
    if not isinstance(expr, dict):
        return
    for bind in _dicts(expr.get("morphTargetBinds")):
        yield from _ref(bind, "node", "nodes", None)
    for key in ("materialColorBinds", "textureTransformBinds"):
        for bind in _dicts(expr.get(key)):
            yield from _ref(bind, "material", "materials", None)


def _spring1_refs(spring: Any) -> Iterator[Ref]:
    if not isinstance(spring, dict):
        return
    for collider in _dicts(spring.get("colliders")):
        yield from _ref(collider, "node", "nodes", None)
    for chain in _dicts(spring.get("springs")):
        for joint in _dicts(chain.get("joints")):
            yield from _ref(joint, "node", "nodes", None)
        yield from _ref(chain, "center", "nodes", None)


def live_sets(
    tree: dict[str, Any],
    refs: list[Ref],
    roots: set[tuple[str, int]] | frozenset[tuple[str, int]] = frozenset(),
) -> dict[str, set[int]]:
    """Indices of each prunable array still reachable from something that is always kept
    (nodes, scenes, VRM extensions, ``roots``). A reference from a dead entry keeps nothing alive."""
    live: dict[str, set[int]] = {kind: set() for kind in PRUNABLE}
    for kind, index in roots:
        if kind in live:
            live[kind].add(index)
    pending = list(refs)
    changed = True
    while changed:
        changed = False
        rest = []
        for ref in pending:
            if ref.owner is not None and ref.owner[0] in live and ref.owner[1] not in live[ref.owner[0]]:
                rest.append(ref)
                continue
            if ref.kind in live and ref.index not in live[ref.kind]:
                live[ref.kind].add(ref.index)
                changed = True
        pending = rest
    return live


def renumber(
    tree: dict[str, Any], kind: str, keep: list[int], refs: list[Ref] | None = None
) -> dict[int, int]:
    """Keep only entries ``keep`` (in that order) of array ``kind``; rewrite every reference.

    References to dropped entries must already be gone (or come only from dropped entries).
    Returns the old -> new index map.
    """
    mapping = {old: new for new, old in enumerate(keep)}
    refs = list(iter_refs(tree)) if refs is None else refs
    for ref in refs:
        if ref.kind == kind and ref.index in mapping:
            ref.container[ref.key] = mapping[ref.index]
    items = tree.get(kind, [])
    tree[kind] = [items[i] for i in keep]
    if kind == "materials":
        _renumber_vrm0_material_properties(tree, keep)
    if not tree[kind]:
        del tree[kind]
    return mapping


def _renumber_vrm0_material_properties(tree: dict[str, Any], keep: list[int]) -> None:
    props = (tree.get("extensions") or {}).get("VRM", {}).get("materialProperties")
    if isinstance(props, list):
        tree["extensions"]["VRM"]["materialProperties"] = [props[i] for i in keep if i < len(props)]
