"""Reordering for the draw module's vertex segments keeps every triangle (winding included) and
every vertex attribute together, and cuts the modelled shading work."""

from __future__ import annotations

import numpy as np

from studio.render.locality import reorder, segment_cost
from studio.render.model import Primitive


def _grid(n: int = 40, *, shuffle: bool = False) -> Primitive:
    """An n x n vertex sheet with a morph target that lifts it by its x coordinate."""
    xs, ys = np.meshgrid(np.arange(n, dtype=np.float32), np.arange(n, dtype=np.float32))
    positions = np.stack([xs.ravel(), ys.ravel(), np.zeros(n * n, np.float32)], axis=1)
    cells = [(y * n + x, n) for y in range(n - 1) for x in range(n - 1)]
    quads = [(i, i + 1, i + w + 1, i + w) for i, w in cells]
    tri = np.array([t for a, b, c, d in quads for t in ((a, b, c), (a, c, d))], dtype=np.uint32)
    rng = np.random.default_rng(1)
    delta = np.zeros_like(positions)
    delta[:, 2] = positions[:, 0]
    if shuffle:
        perm = rng.permutation(n * n)
        inverse = np.empty_like(perm)
        inverse[perm] = np.arange(n * n)
        positions, delta = positions[perm], delta[perm]
        tri = inverse[tri][rng.permutation(len(tri))].astype(np.uint32)
    return Primitive(positions=positions, normals=np.tile([0, 0, 1], (n * n, 1)).astype(np.float32),
                     indices=tri.reshape(-1), uvs=positions[:, :2] / n, morph_positions=[delta, None],
                     morph_normals=[None, None])


def _triangles(prim: Primitive) -> set[tuple[tuple[float, ...], ...]]:
    """Each triangle as its corner positions, rotated to start at the smallest (winding kept)."""
    out = set()
    for t in prim.indices.reshape(-1, 3):
        corners = [tuple(prim.positions[i].tolist()) for i in t]
        k = corners.index(min(corners))
        out.add(tuple(corners[k:] + corners[:k]))
    return out


def test_reorder_keeps_the_surface_and_the_attributes() -> None:
    for shuffle in (False, True):
        prim = _grid(shuffle=shuffle)
        before = _triangles(prim)
        reorder(prim)
        assert _triangles(prim) == before
        assert np.allclose(prim.uvs, prim.positions[:, :2] / 40)  # attributes moved with their vertex
        assert np.allclose(prim.morph_positions[0][:, 2], prim.positions[:, 0])
        assert prim.morph_positions[1] is None and prim.indices.dtype == np.uint32


def test_reorder_cuts_shading_work_of_a_shuffled_mesh() -> None:
    prim = _grid(shuffle=True)
    before = segment_cost(prim.indices)
    reorder(prim)
    after = segment_cost(prim.indices)
    assert after < 0.5 * before, (before, after)
    assert after < 1.6 * prim.vertex_count  # close to shading each vertex once


def test_small_primitives_are_left_alone() -> None:
    prim = _grid(8)
    indices = prim.indices.copy()
    reorder(prim)
    assert np.array_equal(prim.indices, indices)
