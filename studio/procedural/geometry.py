"""Mesh building blocks: lofted tubes with rounded caps, merging, smooth normals (numpy, vectorised).

Every part is a closed surface: a tube of rings (superellipse cross-sections) closed by hemispherical
domes that end in a pole vertex. Triangles are wound counter-clockwise seen from outside; the winding
is checked against the signed volume, so callers never think about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

F64 = np.float64


@dataclass
class Part:
    """One closed surface: positions (n,3), uvs (n,2), triangles (m,3), and the ring layout."""

    positions: np.ndarray
    uvs: np.ndarray
    faces: np.ndarray
    #: free-form tags used by morphs/painting, e.g. {"kind": "eye", "side": "L"}
    tags: dict[str, object] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return int(self.positions.shape[0])


def _frames(path: np.ndarray, hint: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tangent T and two perpendicular axes (U, V) per path point; V follows ``hint``."""
    tangent = np.gradient(path, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    hints = np.broadcast_to(np.asarray(hint, F64), path.shape)
    v = hints - np.sum(hints * tangent, axis=1, keepdims=True) * tangent
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    u = np.cross(tangent, v)
    return tangent, u, v


def loft(
    path: np.ndarray,
    radii: np.ndarray,
    *,
    segments: int,
    hint: tuple[float, float, float] = (0.0, 0.0, 1.0),
    power: float = 2.0,
    cap_rings: int = 4,
    cap_scale: tuple[float, float] = (1.0, 1.0),
    tags: dict[str, object] | None = None,
) -> Part:
    """A closed tube through ``path`` (k,3) with half-widths ``radii`` (k,2) along (U, V).

    ``power`` > 2 gives a boxier superellipse section. Ends close with domes of ``cap_rings`` rings,
    as long as ``cap_scale`` times the mean end radius (0 gives a flat-ish cap).
    """
    path = np.asarray(path, F64)
    radii = np.asarray(radii, F64)
    tangent, u, v = _frames(path, np.asarray(hint, F64))
    angles = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    cos, sin = np.cos(angles), np.sin(angles)
    ex = 2.0 / power
    px = np.sign(cos) * np.abs(cos) ** ex
    py = np.sign(sin) * np.abs(sin) ** ex
    rings = [_ring(path[i], u[i], v[i], radii[i], px, py) for i in range(len(path))]
    start_caps = _dome(path[0], -tangent[0], u[0], v[0], radii[0], px, py, cap_rings, cap_scale[0])
    end_caps = _dome(path[-1], tangent[-1], u[-1], v[-1], radii[-1], px, py, cap_rings, cap_scale[1])
    body = [*start_caps[::-1], *rings, *end_caps]
    pole_a = path[0] - tangent[0] * cap_scale[0] * radii[0].mean()
    pole_b = path[-1] + tangent[-1] * cap_scale[1] * radii[-1].mean()
    positions = np.vstack([pole_a[None], *body, pole_b[None]])
    nrings = len(body)
    faces = _tube_faces(nrings, segments)
    ring_v = np.concatenate([[0.0], np.linspace(0.0, 1.0, nrings), [1.0]])
    uvs = np.column_stack(
        [
            np.concatenate([[0.5], np.tile(np.arange(segments) / segments, nrings), [0.5]]),
            np.concatenate([[ring_v[0]], np.repeat(ring_v[1:-1], segments), [ring_v[-1]]]),
        ]
    )
    part = Part(positions, uvs, faces, {**(tags or {}), "rings": nrings, "segments": segments})
    return orient_outward(part)


def _ring(
    center: np.ndarray, u: np.ndarray, v: np.ndarray, r: np.ndarray, px: np.ndarray, py: np.ndarray
) -> np.ndarray:
    return center + np.outer(px * r[0], u) + np.outer(py * r[1], v)


def _dome(
    center: np.ndarray,
    outward: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    r: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    count: int,
    scale: float,
) -> list[np.ndarray]:
    """Rings between the last tube ring and the pole, on a quarter ellipse."""
    length = scale * float(r.mean())
    out = []
    for k in range(1, count + 1):
        theta = 0.5 * np.pi * k / (count + 1)
        out.append(_ring(center + outward * length * np.sin(theta), u, v, r * np.cos(theta), px, py))
    return out


def _tube_faces(nrings: int, segments: int) -> np.ndarray:
    """Triangles for pole A, ``nrings`` rings of ``segments`` vertices, pole B (vertex order)."""
    j = np.arange(segments)
    jn = (j + 1) % segments
    first = 1
    last_pole = 1 + nrings * segments
    cap_a = np.column_stack([np.zeros(segments, np.int64), first + jn, first + j])
    r = np.arange(nrings - 1)[:, None]
    a = first + r * segments + j
    b = first + r * segments + jn
    c = a + segments
    d = b + segments
    quads = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
    base = first + (nrings - 1) * segments
    cap_b = np.column_stack([np.full(segments, last_pole), base + j, base + jn])
    return np.concatenate([cap_a, quads, cap_b]).astype(np.int64)


def signed_volume(positions: np.ndarray, faces: np.ndarray) -> float:
    a, b, c = (positions[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def orient_outward(part: Part) -> Part:
    if signed_volume(part.positions, part.faces) < 0:
        part.faces = part.faces[:, ::-1].copy()
    return part


def vertex_normals(positions: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted smooth normals, unit length in float32."""
    a, b, c = (positions[faces[:, i]] for i in range(3))
    face_n = np.cross(b - a, c - a)
    normals = np.zeros_like(positions, dtype=F64)
    for i in range(3):
        np.add.at(normals, faces[:, i], face_n)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 1e-12, normals / np.maximum(length, 1e-12), np.array([0.0, 1.0, 0.0]))
    return unit32(normals)


def unit32(vectors: np.ndarray) -> np.ndarray:
    """Normalise in float32 so each vector is unit length to float32 precision (validator check)."""
    v = np.asarray(vectors, np.float32)
    v = v / np.linalg.norm(v.astype(F64), axis=1, keepdims=True).astype(np.float32)
    return v.astype(np.float32)


def merge(parts: list[Part]) -> Part:
    """Concatenate parts into one (face indices offset); tags are dropped."""
    offsets = np.cumsum([0] + [p.count for p in parts[:-1]])
    return Part(
        np.vstack([p.positions for p in parts]),
        np.vstack([p.uvs for p in parts]),
        np.vstack([p.faces + off for p, off in zip(parts, offsets, strict=True)]),
    )


def ellipsoid(
    center: np.ndarray,
    radii: tuple[float, float, float],
    *,
    rings: int,
    segments: int,
    axis: tuple[float, float, float] = (0.0, 1.0, 0.0),
    tags: dict[str, object] | None = None,
) -> Part:
    """A closed ellipsoid lofted along ``axis`` (radii: (across U, across V, along axis))."""
    ax = np.asarray(axis, F64) / np.linalg.norm(axis)
    t = np.linspace(-1.0, 1.0, rings + 2)[1:-1]
    path = np.asarray(center, F64) + np.outer(t * radii[2], ax)
    scale = np.sqrt(np.maximum(1.0 - t**2, 0.0))
    hint = (0.0, 0.0, 1.0) if abs(ax[2]) < 0.9 else (0.0, 1.0, 0.0)
    part = loft(
        path,
        np.outer(scale, radii[:2]),
        segments=segments,
        hint=hint,
        cap_rings=0,
        cap_scale=(0.0, 0.0),
        tags=tags,
    )
    # snap the poles onto the ellipsoid's ends (the loft put them on the last ring's plane)
    part.positions[0] = np.asarray(center, F64) - ax * radii[2]
    part.positions[-1] = np.asarray(center, F64) + ax * radii[2]
    return orient_outward(part)


def shell(
    part: Part, offset: float, v_range: tuple[float, float] = (0.0, 1.0), *, below: float | None = None
) -> Part:
    """A closed copy of a lofted part pushed ``offset`` out along its normals, keeping the rings
    whose ``v`` lies in ``v_range`` and closing the cut ends with flat caps (clothing).

    ``below`` cuts the copy at that height (y) with an exact plane, not at the nearest ring, so a
    neckline is a clean ring around the neck wherever the rings happen to fall."""
    nrings, seg = int(part.tags["rings"]), int(part.tags["segments"])  # type: ignore[call-overload]
    normals = vertex_normals(part.positions, part.faces).astype(F64)
    moved = part.positions + normals * offset
    v = np.linspace(0.0, 1.0, nrings)
    keep = np.flatnonzero((v >= v_range[0] - 1e-9) & (v <= v_range[1] + 1e-9))
    grid = moved[1 : 1 + nrings * seg].reshape(nrings, seg, 3)[keep]
    uv_grid = part.uvs[1 : 1 + nrings * seg].reshape(nrings, seg, 2)[keep]
    first, last = (moved[0], moved[-1]) if len(keep) == nrings else (grid[0].mean(0), grid[-1].mean(0))
    if keep[0] == 0:
        first = moved[0]
    if keep[-1] == nrings - 1:
        last = moved[-1]
    if below is not None:
        grid, uv_grid = _cut_rings(grid, uv_grid, below)
        last = grid[-1].mean(0)
    positions = np.vstack([first[None], grid.reshape(-1, 3), last[None]])
    uvs = np.vstack([[0.5, 0.0], uv_grid.reshape(-1, 2), [0.5, 1.0]])
    tags = {**part.tags, "rings": len(grid)}
    return orient_outward(Part(positions, uvs, _tube_faces(len(grid), seg), tags))


def _cut_rings(grid: np.ndarray, uv_grid: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    """Rings (k, seg, 3) up to the plane at height ``y``, the last one lying on the plane (rings are
    ordered upwards, each column crossing the plane once)."""
    above = grid[..., 1] > y
    if not above.any():
        return grid, uv_grid
    cross = np.where(above.any(axis=0), above.argmax(axis=0), len(grid) - 1)  # first ring over, per column
    cross = np.maximum(cross, 1)
    cols = np.arange(grid.shape[1])
    lo, hi = grid[cross - 1, cols], grid[cross, cols]
    f = np.clip((y - lo[:, 1]) / np.maximum(hi[:, 1] - lo[:, 1], 1e-12), 0.0, 1.0)[:, None]
    ring = lo + (hi - lo) * f
    uv = uv_grid[cross - 1, cols] + (uv_grid[cross, cols] - uv_grid[cross - 1, cols]) * f
    keep = int(cross.min())
    return np.concatenate([grid[:keep], ring[None]]), np.concatenate([uv_grid[:keep], uv[None]])


def gaussian(positions: np.ndarray, center: ArrayLike, radius: ArrayLike) -> np.ndarray:
    """exp(-|p-c|^2 / r^2) per vertex; ``radius`` may be per axis (3,)."""
    d = (positions - np.asarray(center, F64)) / np.asarray(radius, F64)
    return np.exp(-np.sum(d * d, axis=1))
