"""References made by the VRM extensions (0.x ``VRM``, 1.0 ``VRMC_vrm``, ``VRMC_springBone``,
``VRMC_node_constraint``): humanoid bones, expression binds, first-person annotations, spring bones,
the meta thumbnail.

Severity rule (docs/gltf.md): an index into a glTF array (nodes, meshes, materials, textures, images)
that does not resolve is UNRESOLVED_REFERENCE, an error, as in glTF itself (three-vrm throws on most of
them, and the studio's transforms renumber every such index). What three-vrm skips with a console
warning (a morph target or collider index that does not exist, a material name nobody has) is a
warning. Specs: vrm-specification ``specification/VRMC_vrm-1.0``, ``VRMC_springBone-1.0``, ``0.0``.
"""

from __future__ import annotations

from typing import Any

from studio.gltf.validate.context import Context, as_index, indexed, is_int, is_number
from studio.gltf.validate.vrm_humanoid import check_humanoid0, check_humanoid1, node_mesh
from studio.gltf.validate.vrm_springs import check_constraints, check_spring0, check_spring1

#: VRMC_vrm specVersion values three-vrm loads (others load as a plain glTF, without the avatar)
SPEC_VERSIONS = ("1.0", "1.0-beta")


def check_vrm(ctx: Context) -> None:
    exts = ctx.doc.json.get("extensions")
    exts = exts if isinstance(exts, dict) else {}
    if ctx.doc.name.lower().endswith(".vrm") and not any(k in exts for k in ("VRM", "VRMC_vrm")):
        ctx.out.error(
            "VRM_EXTENSION_MISSING",
            "/extensions",
            "A .vrm file must carry the VRM 0.x ('VRM') or VRM 1.0 ('VRMC_vrm') extension.",
        )
    if isinstance(exts.get("VRMC_vrm"), dict):
        _check_vrm1(ctx, exts["VRMC_vrm"], "/extensions/VRMC_vrm")
    if isinstance(exts.get("VRM"), dict):
        _check_vrm0(ctx, exts["VRM"], "/extensions/VRM")
    if isinstance(exts.get("VRMC_springBone"), dict):
        check_spec_version(ctx, exts["VRMC_springBone"], "/extensions/VRMC_springBone")
        check_spring1(ctx, exts["VRMC_springBone"], "/extensions/VRMC_springBone")
    check_constraints(ctx)


def check_spec_version(ctx: Context, ext: dict[str, Any], pointer: str) -> None:
    """A missing or unknown ``specVersion`` makes three-vrm ignore the extension (no crash, but the
    model loads without it): a warning."""
    name = pointer.rsplit("/", 1)[1]
    version = ext.get("specVersion")
    if version is None:
        ctx.out.warning(
            "VRM_SPEC_VERSION_MISSING",
            pointer,
            f"Property 'specVersion' must be defined; VRM runtimes ignore {name} without it.",
        )
    elif version not in SPEC_VERSIONS:
        ctx.out.warning(
            "VRM_SPEC_VERSION_UNKNOWN",
            f"{pointer}/specVersion",
            f"Unknown {name} specVersion {version!r}; VRM runtimes read {', '.join(SPEC_VERSIONS)}.",
        )


def _check_vrm1(ctx: Context, vrm: dict[str, Any], pointer: str) -> None:
    check_spec_version(ctx, vrm, pointer)
    check_humanoid1(ctx, ctx.mapping(vrm, "humanoid", pointer), f"{pointer}/humanoid")
    expressions = ctx.mapping(vrm, "expressions", pointer) or {}
    for group in ("preset", "custom"):
        table = ctx.mapping(expressions, group, f"{pointer}/expressions") or {}
        for name in table:
            expr = ctx.mapping(table, name, f"{pointer}/expressions/{group}")
            if expr is not None:
                _check_expression1(ctx, expr, f"{pointer}/expressions/{group}/{name}")
    first = ctx.mapping(vrm, "firstPerson", pointer) or {}
    for a, ann in indexed(first.get("meshAnnotations")):
        ctx.ref(ann.get("node"), "nodes", f"{pointer}/firstPerson/meshAnnotations/{a}/node")
    meta = ctx.mapping(vrm, "meta", pointer) or {}
    if "thumbnailImage" in meta:
        ctx.ref(meta["thumbnailImage"], "images", f"{pointer}/meta/thumbnailImage")


def _check_expression1(ctx: Context, expr: dict[str, Any], pointer: str) -> None:
    # a bind without node or index is skipped by three-vrm, so only present values are checked
    for b, bind in objects(ctx, expr, "morphTargetBinds", pointer):
        bp = f"{pointer}/morphTargetBinds/{b}"
        node = ctx.ref(bind.get("node"), "nodes", f"{bp}/node")
        if node is None:
            continue
        mesh = node_mesh(ctx, node)
        if mesh is None:
            ctx.out.warning(
                "VRM_EXPRESSION_NODE_WITHOUT_MESH",
                f"{bp}/node",
                f"Node {node} has no mesh to morph; the bind has no effect.",
            )
            continue
        _morph_index(ctx, mesh, bind.get("index"), f"{bp}/index")
    for key in ("materialColorBinds", "textureTransformBinds"):
        for b, bind in objects(ctx, expr, key, pointer):
            ctx.ref(bind.get("material"), "materials", f"{pointer}/{key}/{b}/material")


def _check_vrm0(ctx: Context, vrm: dict[str, Any], pointer: str) -> None:
    check_humanoid0(ctx, ctx.mapping(vrm, "humanoid", pointer), f"{pointer}/humanoid")
    master = ctx.mapping(vrm, "blendShapeMaster", pointer) or {}
    names = {
        m["name"]
        for m in ctx.doc.items("materials")
        if isinstance(m, dict) and isinstance(m.get("name"), str)
    }
    for g, group in objects(ctx, master, "blendShapeGroups", f"{pointer}/blendShapeMaster"):
        gp = f"{pointer}/blendShapeMaster/blendShapeGroups/{g}"
        for b, bind in objects(ctx, group, "binds", gp):
            mesh = ctx.ref(bind.get("mesh"), "meshes", f"{gp}/binds/{b}/mesh")
            if mesh is not None:
                _morph_index(ctx, mesh, bind.get("index"), f"{gp}/binds/{b}/index")
        for v, value in objects(ctx, group, "materialValues", gp):
            name = value.get("materialName")
            if isinstance(name, str) and name not in names:
                ctx.out.warning(
                    "VRM_EXPRESSION_MATERIAL_UNRESOLVED",
                    f"{gp}/materialValues/{v}/materialName",
                    f"No material is named {name!r}; the bind has no effect.",
                )
    first = ctx.mapping(vrm, "firstPerson", pointer) or {}
    if _assigned(first.get("firstPersonBone")):
        ctx.ref(first["firstPersonBone"], "nodes", f"{pointer}/firstPerson/firstPersonBone")
    for a, ann in indexed(first.get("meshAnnotations")):
        if _assigned(ann.get("mesh")):
            ctx.ref(ann["mesh"], "meshes", f"{pointer}/firstPerson/meshAnnotations/{a}/mesh")
    check_spring0(ctx, ctx.mapping(vrm, "secondaryAnimation", pointer) or {}, f"{pointer}/secondaryAnimation")
    _check_material_properties0(ctx, vrm, pointer)
    meta = ctx.mapping(vrm, "meta", pointer) or {}
    if _assigned(meta.get("texture")):
        ctx.ref(meta["texture"], "textures", f"{pointer}/meta/texture")


def _check_material_properties0(ctx: Context, vrm: dict[str, Any], pointer: str) -> None:
    """0.x ``materialProperties`` (UniVRM's shader parameters): three-vrm iterates the array and calls
    string and array methods on ``shader`` and ``vectorProperties`` values, throwing on other types
    (``materialPropertiesList.forEach is not a function``, ``startsWith is not a function``), so wrong
    types are errors; texture indices must resolve like any glTF reference."""
    for m, props in objects(ctx, vrm, "materialProperties", pointer):
        mp = f"{pointer}/materialProperties/{m}"
        for key in ("name", "shader"):
            if key in props and not isinstance(props[key], str):
                ctx.out.error(
                    "TYPE_MISMATCH", f"{mp}/{key}", "Type mismatch. Property value is not a 'string'."
                )
        for key in ("floatProperties", "keywordMap", "tagMap"):
            ctx.mapping(props, key, mp)
        for name, value in (ctx.mapping(props, "vectorProperties", mp) or {}).items():
            if not isinstance(value, list) or not all(is_number(v) for v in value):
                ctx.out.error(
                    "TYPE_MISMATCH",
                    f"{mp}/vectorProperties/{name}",
                    "Type mismatch. Property value is not a 'number[]'.",
                )
        for name, value in (ctx.mapping(props, "textureProperties", mp) or {}).items():
            ctx.ref(value, "textures", f"{mp}/textureProperties/{name}")


def objects(ctx: Context, obj: dict[str, Any], prop: str, pointer: str) -> list[tuple[int, dict[str, Any]]]:
    """(position, object) for an array of objects the studio edits (expressions and their binds):
    a non-array or a non-object element is TYPE_MISMATCH, an error, because the runtime export and
    the migration read every entry as an object."""
    value = ctx.array(obj, prop, pointer, allow_empty=True) or []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            ctx.out.error(
                "TYPE_MISMATCH", f"{pointer}/{prop}/{i}", "Type mismatch. Array element is not a 'object'."
            )
    return indexed(value)


def _assigned(value: Any) -> bool:
    """VRM 0.x writes -1 for "none" (UniVRM); absent is none too."""
    return value is not None and not (is_int(value) and value == -1)


def _morph_index(ctx: Context, mesh: int, index: Any, pointer: str) -> None:
    """Morph target ``index`` must exist on every primitive of ``mesh`` (three-vrm skips the bind
    with a warning otherwise)."""
    mesh_obj = ctx.doc.items("meshes")[mesh]
    prims = mesh_obj.get("primitives") if isinstance(mesh_obj, dict) else None
    counts = [len(p["targets"]) if isinstance(p.get("targets"), list) else 0 for p in _dicts(prims)] or [0]
    morph = as_index(index)
    if index is None:
        return
    if morph is None:
        ctx.out.error(
            "TYPE_MISMATCH", pointer, f"Type mismatch. Property value {index!r} is not a 'integer'."
        )
    elif morph >= min(counts):
        ctx.out.warning(
            "VRM_EXPRESSION_MORPH_TARGET_UNRESOLVED",
            pointer,
            f"Mesh {mesh} has {min(counts)} morph target(s); index {morph} does not exist, so the bind "
            "has no effect.",
        )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
