"""Meshes: attribute names and formats, indices, morph targets, counts."""

from __future__ import annotations

import re
from typing import Any

from studio.gltf.validate.context import AccessorShape, Context, is_number

_INDEXED = re.compile(r"^(TEXCOORD|COLOR|JOINTS|WEIGHTS)_(0|[1-9][0-9]*)$")
_PLAIN = ("POSITION", "NORMAL", "TANGENT")
_FLOAT, _UBYTE, _USHORT, _UINT = 5126, 5121, 5123, 5125
# (type, componentType, normalized) allowed per semantic (glTF 2.0 §3.7.2.1)
_FORMATS: dict[str, set[tuple[str, int, bool]]] = {
    "POSITION": {("VEC3", _FLOAT, False)},
    "NORMAL": {("VEC3", _FLOAT, False)},
    "TANGENT": {("VEC4", _FLOAT, False)},
    "TEXCOORD": {("VEC2", _FLOAT, False), ("VEC2", _UBYTE, True), ("VEC2", _USHORT, True)},
    "COLOR": {(t, c, c != _FLOAT) for t in ("VEC3", "VEC4") for c in (_FLOAT, _UBYTE, _USHORT)},
    "JOINTS": {("VEC4", _UBYTE, False), ("VEC4", _USHORT, False)},
    "WEIGHTS": {("VEC4", _FLOAT, False), ("VEC4", _UBYTE, True), ("VEC4", _USHORT, True)},
}
_TARGET_FORMATS = {"POSITION": "VEC3", "NORMAL": "VEC3", "TANGENT": "VEC3"}
_MODES = range(7)


def check_meshes(ctx: Context) -> None:
    used = ctx.doc.json.get("extensionsUsed")
    quantized = isinstance(used, list) and "KHR_mesh_quantization" in used
    for m, mesh in ctx.entries("meshes"):
        pointer = f"/meshes/{m}"
        prims = mesh.get("primitives")
        if prims is None:
            ctx.out.error("UNDEFINED_PROPERTY", pointer, "Property 'primitives' must be defined.")
            continue
        prims = ctx.array(mesh, "primitives", pointer) or []
        target_counts = set()
        for p, prim in enumerate(prims):
            if not isinstance(prim, dict):
                ctx.out.error("TYPE_MISMATCH", f"{pointer}/primitives/{p}", "Type mismatch. Not a 'object'.")
                continue
            target_counts.add(_check_primitive(ctx, prim, f"{pointer}/primitives/{p}", quantized))
        if len(target_counts) > 1:
            ctx.out.error(
                "MESH_PRIMITIVES_UNEQUAL_TARGETS_COUNT",
                pointer,
                "All primitives must have the same number of morph targets.",
            )
        weights = mesh.get("weights")
        check_weight_values(ctx, weights, f"{pointer}/weights")
        if weights is not None and target_counts and isinstance(weights, list):
            count = next(iter(target_counts))
            if len(weights) != count:
                ctx.out.error(
                    "MESH_INVALID_WEIGHTS_COUNT",
                    f"{pointer}/weights",
                    f"The length of weights array ({len(weights)}) does not match the number of "
                    f"morph targets ({count}).",
                )


def check_weight_values(ctx: Context, weights: Any, pointer: str) -> None:
    """Morph weights are an array of numbers (mesh and node ``weights``); the editor's morph
    sliders and the runtime export read them as floats."""
    if weights is None:
        return
    if not isinstance(weights, list):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Property value is not a 'array'.")
        return
    bad = next((i for i, w in enumerate(weights) if not is_number(w)), None)
    if bad is not None:
        ctx.out.error(
            "ARRAY_TYPE_MISMATCH",
            f"{pointer}/{bad}",
            f"Type mismatch. Array element {weights[bad]!r:.40} is not a 'number'.",
        )


def _check_primitive(ctx: Context, prim: dict[str, Any], pointer: str, quantized: bool) -> int:
    attrs = ctx.mapping(prim, "attributes", pointer)
    if attrs is None:
        if "attributes" not in prim:
            ctx.out.error("UNDEFINED_PROPERTY", pointer, "Property 'attributes' must be defined.")
        attrs = {}
    mode = prim.get("mode", 4)
    if isinstance(mode, bool) or mode not in _MODES:
        ctx.out.error(
            "VALUE_NOT_IN_LIST", f"{pointer}/mode", f"Invalid value {mode!r}. Valid values are 0..6."
        )
    if "material" in prim:
        ctx.ref(prim["material"], "materials", f"{pointer}/material")
    counts = _check_attributes(ctx, attrs, f"{pointer}/attributes", quantized)
    if attrs and "POSITION" not in attrs:
        ctx.out.warning("MESH_PRIMITIVE_NO_POSITION", f"{pointer}/attributes", "No POSITION attribute found.")
    if len(set(counts)) > 1:
        ctx.out.error(
            "MESH_PRIMITIVE_UNEQUAL_ACCESSOR_COUNT",
            f"{pointer}/attributes",
            "All accessors of the same primitive must have the same count.",
        )
    if "indices" in prim:
        _check_indices(ctx, prim["indices"], f"{pointer}/indices")
    targets = ctx.array(prim, "targets", pointer) or []
    names: set[str] | None = None
    for t, target in enumerate(targets):
        tp = f"{pointer}/targets/{t}"
        if not isinstance(target, dict):
            ctx.out.error("TYPE_MISMATCH", tp, "Type mismatch. Not a 'object'.")
            continue
        _check_target(ctx, target, tp, attrs, counts[:1], quantized)
        if names is not None and set(target) != names:
            # no glTF rule, but runtimes fill a missing attribute differently (three.js uses the
            # base data), so the same morph looks different per runtime
            ctx.out.warning(
                "MESH_PRIMITIVE_MORPH_TARGETS_UNEQUAL_ATTRIBUTES",
                tp,
                f"Morph target has attributes {sorted(target)}; the first target has {sorted(names)}.",
            )
        names = set(target) if names is None else names
    return len(targets)


def _check_attributes(ctx: Context, attrs: dict[str, Any], pointer: str, quantized: bool) -> list[int]:
    counts: list[int] = []
    sets: dict[str, set[int]] = {}
    for name, value in attrs.items():
        ap = f"{pointer}/{name}"
        index = ctx.ref(value, "accessors", ap)
        semantic = _semantic(name)
        if semantic is None:
            ctx.out.error("MESH_PRIMITIVE_INVALID_ATTRIBUTE", ap, f"Invalid attribute name '{name}'.")
        elif (match := _INDEXED.match(name)) is not None:
            sets.setdefault(match.group(1), set()).add(int(match.group(2)))
        shape = ctx.accessors.get(index) if index is not None else None
        if shape is None:
            continue
        counts.append(shape.count)
        if shape.component_type == _UINT:
            ctx.out.error(
                "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_UNSIGNED_INT",
                ap,
                "Mesh attributes cannot use UNSIGNED_INT component type.",
            )
        elif semantic in _FORMATS and not (
            quantized and semantic in ("POSITION", "NORMAL", "TANGENT", "TEXCOORD")
        ):
            _check_format(ctx, shape, semantic, ap)
    joints, weights = len(sets.get("JOINTS", ())), len(sets.get("WEIGHTS", ()))
    if joints != weights:
        ctx.out.error(
            "MESH_PRIMITIVE_JOINTS_WEIGHTS_MISMATCH",
            pointer,
            f"Number of JOINTS attribute semantics ({joints}) does not match the number of WEIGHTS "
            f"({weights}).",
        )
    for semantic, indices in sets.items():
        if indices != set(range(len(indices))):
            ctx.out.error(
                "MESH_PRIMITIVE_INDEXED_SEMANTIC_CONTINUITY",
                pointer,
                f"Indices for indexed attribute semantic '{semantic}' must start with 0 and be continuous.",
            )
    return counts


def _semantic(name: str) -> str | None:
    if name in _PLAIN:
        return name
    match = _INDEXED.match(name)
    if match:
        return match.group(1)
    return "custom" if name.startswith("_") and len(name) > 1 else None


def _check_format(ctx: Context, shape: AccessorShape, semantic: str, pointer: str) -> None:
    fmt = (shape.type, shape.component_type, shape.normalized)
    if fmt not in _FORMATS[semantic]:
        ctx.out.error(
            "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT",
            pointer,
            f"Invalid accessor format '{shape.type}/{shape.component_type}' for this attribute semantic.",
        )


def _check_indices(ctx: Context, value: Any, pointer: str) -> None:
    index = ctx.ref(value, "accessors", pointer)
    if index is None or (shape := ctx.accessors.get(index)) is None:
        return
    if shape.type != "SCALAR" or shape.component_type not in (_UBYTE, _USHORT, _UINT) or shape.normalized:
        ctx.out.error(
            "MESH_PRIMITIVE_INDICES_ACCESSOR_INVALID_FORMAT",
            pointer,
            f"Invalid indices accessor format '{shape.type}/{shape.component_type}'.",
        )
        ctx.accessors.pop(index, None)
        return
    acc = ctx.doc.items("accessors")[index]
    view = acc.get("bufferView")
    if isinstance(view, int) and "byteStride" in ctx.doc.items("bufferViews")[view]:
        ctx.out.error(
            "MESH_PRIMITIVE_INDICES_ACCESSOR_WITH_BYTESTRIDE",
            pointer,
            "bufferView.byteStride must not be defined for indices accessor.",
        )


def _check_target(
    ctx: Context,
    target: dict[str, Any],
    pointer: str,
    attrs: dict[str, Any],
    base: list[int],
    quantized: bool,
) -> None:
    for name, value in target.items():
        ap = f"{pointer}/{name}"
        index = ctx.ref(value, "accessors", ap)
        if _semantic(name) is None:
            ctx.out.error("MESH_PRIMITIVE_INVALID_ATTRIBUTE", ap, f"Invalid attribute name '{name}'.")
        if name not in attrs:
            ctx.out.error(
                "MESH_PRIMITIVE_MORPH_TARGET_NO_BASE_ACCESSOR",
                ap,
                "No base accessor for this attribute semantic.",
            )
        shape = ctx.accessors.get(index) if index is not None else None
        target_format = (_TARGET_FORMATS.get(name), _FLOAT)
        if (
            shape is not None
            and target_format[0]
            and not quantized
            and (shape.type, shape.component_type) != target_format
        ):
            ctx.out.error(
                "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT",
                ap,
                f"Invalid accessor format '{shape.type}/{shape.component_type}' for this "
                "morph target attribute semantic.",
            )
        if shape is not None and base and shape.count != base[0]:
            ctx.out.error(
                "MESH_PRIMITIVE_MORPH_TARGET_INVALID_ATTRIBUTE_COUNT",
                ap,
                "Base accessor has different count.",
            )
