"""Accessors: enums, alignment, and that every byte an accessor reads lies inside its bufferView and
buffer. All arithmetic is on Python ints, so hostile counts and offsets cannot overflow."""

from __future__ import annotations

from typing import Any

from studio.gltf.accessors import COMPONENT_DTYPES, TYPE_SIZES
from studio.gltf.validate.context import AccessorShape, Context, is_number

_SPARSE_INDEX_TYPES = (5121, 5123, 5125)


def element_length(component_type: int, type_: str) -> int:
    """Bytes per element, with the 4-byte column padding of small-component matrices (§3.6.2.4)."""
    size = COMPONENT_DTYPES[component_type].itemsize
    if type_ == "MAT2" and size == 1:
        return 8
    if type_ == "MAT3" and size in (1, 2):
        return 12 * size
    return size * TYPE_SIZES[type_]


def check_accessors(ctx: Context) -> None:
    for i, acc in ctx.entries("accessors"):
        pointer = f"/accessors/{i}"
        shape = _check_shape(ctx, acc, pointer)
        if shape is None:
            continue
        fits = _check_placement(ctx, acc, pointer, shape)
        if "sparse" in acc:
            fits = _check_sparse(ctx, acc["sparse"], f"{pointer}/sparse", shape) and fits
        if fits:
            ctx.accessors[i] = shape


def _check_shape(ctx: Context, acc: dict[str, Any], pointer: str) -> AccessorShape | None:
    ctype, type_ = acc.get("componentType"), acc.get("type")
    ok = True
    for prop, value, valid in (("componentType", ctype, COMPONENT_DTYPES), ("type", type_, TYPE_SIZES)):
        if value is None:
            ctx.out.error("UNDEFINED_PROPERTY", pointer, f"Property '{prop}' must be defined.")
            ok = False
        elif not isinstance(value, int | str) or isinstance(value, bool) or value not in valid:
            ctx.out.error(
                "VALUE_NOT_IN_LIST",
                f"{pointer}/{prop}",
                f"Invalid value {value!r}. Valid values are {tuple(valid)}.",
            )
            ok = False
    count = ctx.integer(acc, "count", pointer, required=True, minimum=1)
    normalized = acc.get("normalized", False)
    if not isinstance(normalized, bool):
        ctx.out.error(
            "TYPE_MISMATCH", f"{pointer}/normalized", "Type mismatch. Property value is not a 'boolean'."
        )
        normalized = False
    if not ok or count is None:
        return None
    assert isinstance(ctype, int) and isinstance(type_, str)
    if normalized and ctype in (5125, 5126):
        ctx.out.error(
            "ACCESSOR_NORMALIZED_INVALID",
            f"{pointer}/normalized",
            "Only (u)byte and (u)short accessors can be normalized.",
        )
    _check_bounds_arrays(ctx, acc, pointer, TYPE_SIZES[type_])
    return AccessorShape(ctype, type_, count, normalized)


def _check_bounds_arrays(ctx: Context, acc: dict[str, Any], pointer: str, ncomp: int) -> None:
    for prop in ("min", "max"):
        value = acc.get(prop)
        if value is None:
            continue
        if not isinstance(value, list) or not all(is_number(v) for v in value):
            ctx.out.error(
                "TYPE_MISMATCH", f"{pointer}/{prop}", "Type mismatch. Property value is not a 'number[]'."
            )
        elif len(value) != ncomp:
            ctx.out.error(
                "ARRAY_LENGTH_NOT_IN_LIST",
                f"{pointer}/{prop}",
                f"Invalid array length {len(value)}. Valid lengths are: ({ncomp}).",
            )


def _check_placement(ctx: Context, acc: dict[str, Any], pointer: str, shape: AccessorShape) -> bool:
    """Alignment and fit. False when the accessor's data must not be read."""
    offset = ctx.integer(acc, "byteOffset", pointer, default=0)
    if "bufferView" not in acc:
        if "byteOffset" in acc:
            ctx.out.error(
                "UNSATISFIED_DEPENDENCY",
                f"{pointer}/byteOffset",
                "Dependency failed. 'bufferView' must be defined.",
            )
        return offset is not None
    view_index = ctx.ref(acc["bufferView"], "bufferViews", f"{pointer}/bufferView")
    if view_index is None or offset is None or f"/bufferViews/{view_index}" in ctx.out.broken:
        return False
    view = ctx.doc.items("bufferViews")[view_index]
    _check_alignment(ctx, offset, int(view.get("byteOffset", 0)), pointer, shape)
    elem = element_length(shape.component_type, shape.type)
    stride = view.get("byteStride")
    if isinstance(stride, int) and stride < elem:
        ctx.out.error(
            "ACCESSOR_SMALL_BYTESTRIDE",
            f"{pointer}/bufferView",
            f"Referenced bufferView's byteStride value {stride} is less than accessor "
            f"element's length {elem}.",
        )
        return False
    step = stride if isinstance(stride, int) else elem
    length = step * (shape.count - 1) + elem
    if offset + length > int(view["byteLength"]):
        where = f"{pointer}/byteOffset" if "byteOffset" in acc else pointer
        ctx.out.error(
            "ACCESSOR_TOO_LONG",
            where,
            f"Accessor (offset: {offset}, length: {length}) does not fit referenced "
            f"bufferView [{view_index}] length {view['byteLength']}.",
        )
        return False
    return pointer not in ctx.out.broken


def _check_alignment(ctx: Context, offset: int, view_offset: int, pointer: str, shape: AccessorShape) -> None:
    comp = COMPONENT_DTYPES[shape.component_type].itemsize
    if offset % comp:
        ctx.out.error(
            "ACCESSOR_OFFSET_ALIGNMENT",
            f"{pointer}/byteOffset",
            f"Offset {offset} is not a multiple of componentType length {comp}.",
        )
    total = view_offset + offset
    if total % comp:
        ctx.out.error(
            "ACCESSOR_TOTAL_OFFSET_ALIGNMENT",
            pointer,
            f"Accessor's total byteOffset {total} isn't a multiple of componentType length {comp}.",
        )


def _check_sparse(ctx: Context, sparse: Any, pointer: str, shape: AccessorShape) -> bool:
    if not isinstance(sparse, dict):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Property value is not a 'object'.")
        return False
    count = ctx.integer(sparse, "count", pointer, required=True, minimum=1)
    if count is not None and count > shape.count:
        ctx.out.error(
            "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
            f"{pointer}/count",
            f"Sparse accessor overrides more elements ({count}) than the base accessor "
            f"contains ({shape.count}).",
        )
        count = None
    ok = count is not None
    for part in ("indices", "values"):
        obj = sparse.get(part)
        if not isinstance(obj, dict):
            ctx.out.error("UNDEFINED_PROPERTY", pointer, f"Property '{part}' must be defined.")
            ok = False
            continue
        if part == "indices":
            ctype = obj.get("componentType")
            if isinstance(ctype, bool) or ctype not in _SPARSE_INDEX_TYPES:
                ctx.out.error(
                    "VALUE_NOT_IN_LIST",
                    f"{pointer}/indices/componentType",
                    f"Invalid value {ctype!r}. Valid values are {_SPARSE_INDEX_TYPES}.",
                )
                ok = False
                continue
            elem = COMPONENT_DTYPES[ctype].itemsize
        else:
            elem = element_length(shape.component_type, shape.type)
        if ok and count is not None:
            ok = _check_sparse_part(ctx, obj, f"{pointer}/{part}", elem * count)
    return ok


def _check_sparse_part(ctx: Context, obj: dict[str, Any], pointer: str, length: int) -> bool:
    view_index = ctx.ref(obj.get("bufferView"), "bufferViews", f"{pointer}/bufferView", required=True)
    offset = ctx.integer(obj, "byteOffset", pointer, default=0)
    if view_index is None or offset is None or f"/bufferViews/{view_index}" in ctx.out.broken:
        return False
    view = ctx.doc.items("bufferViews")[view_index]
    if offset + length > int(view["byteLength"]):
        ctx.out.error(
            "ACCESSOR_TOO_LONG",
            pointer,
            f"Accessor (offset: {offset}, length: {length}) does not fit referenced "
            f"bufferView [{view_index}] length {view['byteLength']}.",
        )
        return False
    return True
