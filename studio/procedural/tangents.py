"""Per-vertex tangents for normal-mapped primitives (glTF TANGENT: xyz unit, w = ±1 handedness).

The MikkTSpace recipe without its vertex splitting: each triangle's tangent and bitangent from its
UV gradients, accumulated per vertex weighted by the corner angle, Gram-Schmidt orthogonalised
against the vertex normal; w is the sign of dot(cross(N, T), B). Lofted parts wrap around in U with
no seam vertex, so a triangle spanning the wrap (U from ~1 back to 0) is unwrapped before its
gradient is taken. glTF 2.0 §3.7.2.1: bitangent = cross(normal, tangent.xyz) * tangent.w.
"""

from __future__ import annotations

import numpy as np

from studio.procedural.geometry import unit32


def tangents(positions: np.ndarray, normals: np.ndarray, uvs: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(n, 4) float32 tangents; vertices with no usable UV gradient get any unit vector
    perpendicular to their normal."""
    p = np.asarray(positions, np.float64)
    n = np.asarray(normals, np.float64)
    tri_uv = np.asarray(uvs, np.float64)[faces]  # (m, 3, 2)
    u = tri_uv[..., 0]
    wrap = (u.max(axis=1) - u.min(axis=1)) > 0.5
    tri_uv[..., 0] = np.where(wrap[:, None] & (u < 0.5), u + 1.0, u)
    a, b, c = p[faces[:, 0]], p[faces[:, 1]], p[faces[:, 2]]
    e1, e2 = b - a, c - a
    d1, d2 = tri_uv[:, 1] - tri_uv[:, 0], tri_uv[:, 2] - tri_uv[:, 0]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    ok = np.abs(det) > 1e-12
    r = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)[:, None]
    t_face = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * r
    b_face = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * r
    t_face = _unit(t_face)
    b_face = _unit(b_face)
    t_acc = np.zeros_like(p)
    b_acc = np.zeros_like(p)
    for corner, (x, y, z) in enumerate(((a, b, c), (b, c, a), (c, a, b))):
        angle = _angle(y - x, z - x)[:, None]
        np.add.at(t_acc, faces[:, corner], t_face * angle)
        np.add.at(b_acc, faces[:, corner], b_face * angle)
    t = t_acc - n * np.sum(t_acc * n, axis=1, keepdims=True)
    fallback = np.cross(n, np.where(np.abs(n[:, 1:2]) < 0.9, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]]))
    weak = np.linalg.norm(t, axis=1) < 1e-9
    t = np.where(weak[:, None], fallback, t)
    w = np.where(np.sum(np.cross(n, t) * b_acc, axis=1) < 0.0, -1.0, 1.0)
    out = np.empty((len(p), 4), np.float32)
    out[:, :3] = unit32(t)
    out[:, 3] = w
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(v, axis=1, keepdims=True)
    return np.where(length > 1e-12, v / np.maximum(length, 1e-12), 0.0)


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    cos = np.sum(_unit(u) * _unit(v), axis=1)
    return np.arccos(np.clip(cos, -1.0, 1.0))
