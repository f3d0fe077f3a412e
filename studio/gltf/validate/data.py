"""Checks that read vertex data, vectorised with numpy: finite positions, unit normals, sparse
indices, and (in sibling modules) index ranges, skinning influences, min/max and animation
keyframes. Each accessor is read once per kind of check, as a view of the buffer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from studio.gltf.accessors import COMPONENT_DTYPES
from studio.gltf.validate.context import Context, as_index
from studio.gltf.validate.indices import check_primitive_indices
from studio.gltf.validate.reading import read_data, readable

_UNIT_TOLERANCE = 0.0005 * 2  # |length² - 1| as the Khronos validator allows

Done = set[tuple[int, str]]


def check_mesh_data(ctx: Context) -> None:
    # NaN/Inf in hostile data are findings, not numpy warnings
    with np.errstate(all="ignore"):
        _check_all(ctx)


def _check_all(ctx: Context) -> None:
    done = ctx.checked
    for m, mesh in ctx.entries("meshes"):
        prims = mesh.get("primitives")
        for p, prim in enumerate(prims if isinstance(prims, list) else []):
            if isinstance(prim, dict) and isinstance(prim.get("attributes"), dict):
                pointer = f"/meshes/{m}/primitives/{p}"
                _check_primitive_data(ctx, prim, pointer, done)
                check_primitive_indices(ctx, prim, pointer, done)
    for a, acc in ctx.entries("accessors"):
        if a in ctx.accessors and isinstance(acc.get("sparse"), dict) and readable(ctx, a):
            _check_sparse_indices(ctx, acc["sparse"], f"/accessors/{a}/sparse", ctx.accessors[a].count)


def _check_primitive_data(ctx: Context, prim: dict[str, Any], pointer: str, done: Done) -> None:
    attrs = prim["attributes"]
    position = as_index(attrs.get("POSITION"))
    if position is not None and position in ctx.accessors:
        acc = ctx.doc.items("accessors")[position]
        if ("min" not in acc or "max" not in acc) and (position, "bounds") not in done:
            done.add((position, "bounds"))
            ctx.out.error(
                "MESH_PRIMITIVE_POSITION_ACCESSOR_WITHOUT_BOUNDS",
                f"{pointer}/attributes/POSITION",
                "accessor.min and accessor.max must be defined for POSITION attribute accessor.",
            )
        _once(ctx, done, position, "finite", _check_finite)
    normal = as_index(attrs.get("NORMAL"))
    if normal is not None:
        _once(ctx, done, normal, "unit", _check_unit)
    # NaN/Infinity in any float attribute (Khronos checks every float accessor): the runtime
    # export quantizes and bakes these, the renderer draws them
    targets = prim.get("targets")
    for holder in (
        [attrs, *(t for t in targets if isinstance(t, dict))] if isinstance(targets, list) else [attrs]
    ):
        for value in holder.values():
            index = as_index(value)
            if index is not None:
                _once(ctx, done, index, "finite", _check_finite)


def _once(
    ctx: Context, done: Done, index: int, kind: str, check: Callable[[Context, np.ndarray, str], None]
) -> None:
    if (index, kind) in done or index not in ctx.accessors:
        return
    done.add((index, kind))
    if ctx.accessors[index].component_type != 5126:
        return  # quantized data: ranges are fixed by the type
    data = read_data(ctx, index)
    if data is not None:
        check(ctx, data, f"/accessors/{index}")


def _check_finite(ctx: Context, data: np.ndarray, pointer: str) -> None:
    finite = np.isfinite(data)
    if not finite.all():
        bad = int(np.argmin(finite.all(axis=-1) if finite.ndim > 1 else finite))
        ctx.out.error(
            "ACCESSOR_INVALID_FLOAT", pointer, f"Accessor element at index {bad} is NaN or Infinity."
        )


def _check_unit(ctx: Context, data: np.ndarray, pointer: str) -> None:
    if data.ndim != 2 or data.shape[1] != 3:
        return
    lengths = np.einsum("ij,ij->i", data, data, dtype=np.float64)
    off = ~(np.abs(lengths - 1.0) <= _UNIT_TOLERANCE)  # NaN counts as off
    count = int(np.count_nonzero(off))
    if count:
        first = int(np.argmax(off))
        # a warning, not the Khronos error: real exporters write such normals and the studio
        # renormalises them on load (docs/gltf.md)
        ctx.out.warning(
            "ACCESSOR_NON_UNIT",
            pointer,
            f"{count} accessor element(s) not of unit length; first at index {first}: "
            f"{float(np.sqrt(lengths[first])):.4f}.",
        )


def _check_sparse_indices(ctx: Context, sparse: dict[str, Any], pointer: str, count: int) -> None:
    info = sparse["indices"]
    view = ctx.doc.items("bufferViews")[info["bufferView"]]
    if not ctx.doc.has_buffer_data(view["buffer"]):
        return
    dtype = COMPONENT_DTYPES[info["componentType"]]
    raw = ctx.doc.buffer_view_bytes(info["bufferView"])
    indices = np.frombuffer(raw, dtype=dtype, count=sparse["count"], offset=info.get("byteOffset", 0))
    indices = indices.astype(np.int64)
    steps = np.diff(indices)
    if steps.size and (steps <= 0).any():
        bad = int(np.argmax(steps <= 0)) + 1
        ctx.out.error(
            "ACCESSOR_SPARSE_INDICES_NON_INCREASING",
            f"{pointer}/indices",
            f"Accessor sparse indices element at index {bad} is less than or equal to previous.",
        )
    if indices.size and int(indices.max()) >= count:
        bad = int(np.argmax(indices >= count))
        ctx.out.error(
            "ACCESSOR_SPARSE_INDEX_OOB",
            f"{pointer}/indices",
            f"Accessor sparse indices element at index {bad} is greater than or equal to the "
            f"number of accessor elements: {int(indices[bad])} >= {count}.",
        )
