"""Triangle and vertex order for software OpenGL: shade each vertex about once per frame.

Mesa's draw module (llvmpipe's vertex stage) cuts an indexed draw into segments of about a
thousand indices and shades the distinct vertices of each segment (through a small cache keyed by
the vertex number); a vertex used by triangles in several segments is shaded several times.
Files come in whatever order their exporter left: the benchmarks' heavy avatar shaded ~2.2
vertices per vertex (11.5-13 ms of CPU per frame for 47k vertices, vertex stage only), ~1.2 with
its triangles sorted by their lowest vertex number (8.5-9.5 ms); the same avatar with shuffled
vertices and triangles took 26 ms, 11.5 ms once reordered here.

:func:`reorder` sorts the triangles by their lowest vertex number; when the vertex numbers do not
follow the surface (renumbering them along a Morton curve through their positions gives fewer
shaded vertices in :func:`segment_cost`'s model), the vertices are renumbered first and every
per-vertex array, morph deltas included, is permuted alike. What is drawn does not change
(triangles keep their winding; gl_VertexID-indexed morph textures are built from the permuted
arrays). Runs where scenes are built (a worker thread): ~0.1 s for 47k vertices.
"""

from __future__ import annotations

import numpy as np

from studio.render.model import Primitive

#: below this many triangles the order cannot matter
MIN_TRIANGLES = 256
#: indices per draw-module segment, as modelled by :func:`segment_cost`
SEGMENT = 1023


def morton_order(points: np.ndarray) -> np.ndarray:
    """Indices that sort ``points`` (k, 3) along a 3D Morton curve (10 bits per axis)."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    q = ((points - lo) / span * 1023.0).astype(np.uint64)
    code = np.zeros(len(points), dtype=np.uint64)
    for bit in range(10):
        for axis in range(3):
            code |= ((q[:, axis] >> np.uint64(bit)) & np.uint64(1)) << np.uint64(3 * bit + axis)
    return np.argsort(code, kind="stable")


def segment_cost(indices: np.ndarray) -> int:
    """Vertices the draw module shades for ``indices``, modelled as the distinct vertices of each
    run of ``SEGMENT`` indices (1.0 per vertex at best; shared borders and revisits cost more)."""
    return sum(len(np.unique(indices[i : i + SEGMENT])) for i in range(0, len(indices), SEGMENT))


def _by_first_vertex(tri: np.ndarray) -> np.ndarray:
    return tri[np.argsort(tri.min(axis=1), kind="stable")]


def reorder(prim: Primitive) -> Primitive:
    """``prim`` with its triangles sorted by their lowest vertex number, after renumbering the
    vertices along a Morton curve when that shades fewer (a file whose vertex numbers do not
    follow the surface). In place; returned for chaining. Tiny primitives are left alone."""
    if len(prim.indices) < 3 * MIN_TRIANGLES or len(prim.indices) % 3 or not prim.vertex_count:
        return prim
    tri = prim.indices.reshape(-1, 3)
    kept = _by_first_vertex(tri).reshape(-1)
    perm = morton_order(prim.positions).astype(np.int64)
    new_id = np.empty(prim.vertex_count, dtype=np.uint32)
    new_id[perm] = np.arange(prim.vertex_count, dtype=np.uint32)
    renumbered = _by_first_vertex(new_id[tri]).reshape(-1)
    if segment_cost(kept) <= segment_cost(renumbered):
        prim.indices = np.ascontiguousarray(kept, dtype=np.uint32)
        return prim
    prim.indices = np.ascontiguousarray(renumbered, dtype=np.uint32)
    for name in ("positions", "normals", "uvs", "colors", "joints", "weights"):
        array = getattr(prim, name)
        if array is not None:
            setattr(prim, name, np.ascontiguousarray(array[perm]))
    prim.morph_positions = [_permuted(d, perm) for d in prim.morph_positions]
    prim.morph_normals = [_permuted(d, perm) for d in prim.morph_normals]
    return prim


def _permuted(delta: np.ndarray | None, perm: np.ndarray) -> np.ndarray | None:
    return None if delta is None else np.ascontiguousarray(delta[perm])
