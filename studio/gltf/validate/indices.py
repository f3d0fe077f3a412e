"""Index data of mesh primitives: values within the vertex count, no primitive restart values,
index counts the drawing mode can use, degenerate triangles (an info, as in the Khronos validator).
Vectorised: one ``max`` answers the common case; the element-wise passes run only when needed."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.validate.context import Context, as_index, is_int
from studio.gltf.validate.reading import RESTART, read_data

_MODE_NAMES = ("POINTS", "LINES", "LINE_LOOP", "LINE_STRIP", "TRIANGLES", "TRIANGLE_STRIP", "TRIANGLE_FAN")
_TRIANGLES = 4


def check_primitive_indices(
    ctx: Context, prim: dict[str, Any], pointer: str, done: set[tuple[int, str]]
) -> None:
    mode = prim.get("mode", _TRIANGLES)
    if not is_int(mode) or not 0 <= mode < len(_MODE_NAMES):
        return  # reported by the mesh checks
    vertices = vertex_count(ctx, prim["attributes"])
    indices = as_index(prim.get("indices"))
    if indices is not None:
        if indices not in ctx.accessors:
            return
        _check_mode(ctx, ctx.accessors[indices].count, mode, pointer)
        key = (indices, f"indices/{vertices}/{mode}")
        if vertices is not None and key not in done:
            done.add(key)
            _check_index_data(ctx, indices, vertices, mode, f"{pointer}/indices")
    elif vertices is not None:
        _check_mode(ctx, vertices, mode, pointer)


def vertex_count(ctx: Context, attrs: dict[str, Any]) -> int | None:
    counts = {ctx.accessors[i].count for v in attrs.values() if (i := as_index(v)) in ctx.accessors}
    return min(counts) if counts else None


def _check_mode(ctx: Context, count: int, mode: int, pointer: str) -> None:
    """The Khronos rule (MESH_PRIMITIVE_INCOMPATIBLE_MODE, a warning): lines need pairs, strips and
    loops two, triangles whole triples, strips and fans three."""
    bad = (
        (mode == 1 and count % 2 != 0)
        or (mode in (2, 3) and count < 2)
        or (mode == _TRIANGLES and count % 3 != 0)
        or (mode in (5, 6) and count < 3)
    )
    if bad:
        ctx.out.warning(
            "MESH_PRIMITIVE_INCOMPATIBLE_MODE",
            pointer,
            f"Number of vertices or indices ({count}) is not compatible with used drawing mode "
            f"('{_MODE_NAMES[mode]}').",
        )


def _check_index_data(ctx: Context, index: int, vertices: int, mode: int, pointer: str) -> None:
    """Findings point at the primitive's ``indices`` (the first primitive using the accessor), as in
    the Khronos report."""
    data = read_data(ctx, index)
    if data is None or not data.size:
        return
    restart = RESTART.get(ctx.accessors[index].component_type, -1)
    if int(data.max()) >= min(vertices, restart):
        is_restart = data == restart
        if is_restart.any():
            at = int(np.argmax(is_restart))
            ctx.out.error(
                "ACCESSOR_INDEX_PRIMITIVE_RESTART",
                pointer,
                f"Indices accessor contains primitive restart value ({restart}) at index {at}.",
            )
        oob = data >= vertices  # a restart value is out of range too (Khronos reports both)
        if oob.any():
            bad = int(np.argmax(oob))
            ctx.out.error(
                "ACCESSOR_INDEX_OOB",
                pointer,
                f"Indices accessor element at index {bad} has vertex index {int(data[bad])} that "
                f"exceeds number of available vertices {vertices}.",
            )
    if mode == _TRIANGLES and data.size >= 3:
        _check_degenerate(ctx, data, pointer)


def _check_degenerate(ctx: Context, data: np.ndarray, pointer: str) -> None:
    tris = data[: data.size - data.size % 3].reshape(-1, 3)
    a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
    degenerate = int(np.count_nonzero((a == b) | (b == c) | (a == c)))
    if degenerate:
        ctx.out.info(
            "ACCESSOR_INDEX_TRIANGLE_DEGENERATE",
            pointer,
            f"Indices accessor contains {degenerate} degenerate triangles (out of {len(tris)}).",
        )
