"""Small 4x4 matrix and quaternion helpers (numpy, float64, column vectors).

Matrices are row-major numpy arrays that act on column vectors (``m @ v``); they are transposed
only when handed to OpenGL, which expects column-major data. Quaternions follow glTF: ``(x, y, z, w)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Vec3 = Sequence[float] | np.ndarray


def quat_to_matrix(q: Vec3 | np.ndarray) -> np.ndarray:
    x, y, z, w = (float(c) for c in q)
    n = math.sqrt(x * x + y * y + z * z + w * w) or 1.0
    x, y, z, w = x / n, y / n, z / n, w / n
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def compose(translation: Vec3, rotation: Vec3, scale: Vec3) -> np.ndarray:
    """T * R * S, the glTF node transform (glTF 2.0 §3.5.3)."""
    m = np.eye(4)
    m[:3, :3] = quat_to_matrix(rotation) * np.asarray(scale, dtype=np.float64)[None, :]
    m[:3, 3] = translation
    return m


def axis_angle_quat(axis: Vec3, angle: float) -> tuple[float, float, float, float]:
    a = np.asarray(axis, dtype=np.float64)
    a = a / (np.linalg.norm(a) or 1.0)
    s = math.sin(angle / 2)
    return (float(a[0] * s), float(a[1] * s), float(a[2] * s), math.cos(angle / 2))


def perspective(fov_y: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / math.tan(fov_y / 2)
    m = np.zeros((4, 4))
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (far + near) / (near - far)
    m[2, 3] = 2 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def look_at(eye: Vec3, target: Vec3, up: Vec3 = (0.0, 1.0, 0.0)) -> np.ndarray:
    e, t = np.asarray(eye, dtype=np.float64), np.asarray(target, dtype=np.float64)
    f = t - e
    f /= np.linalg.norm(f) or 1.0
    s = np.cross(f, np.asarray(up, dtype=np.float64))
    if np.linalg.norm(s) < 1e-9:  # looking straight up or down: any side vector will do
        s = np.cross(f, (0.0, 0.0, 1.0))
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ e
    return m


def gl_bytes(m: np.ndarray) -> bytes:
    """Column-major float32 bytes of a 4x4 matrix, as glUniformMatrix4fv wants them."""
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


def uv_transform(offset: Sequence[float], rotation: float, scale: Sequence[float]) -> np.ndarray:
    """The 3x3 ``KHR_texture_transform`` matrix, translation x rotation x scale, that maps a
    vertex's UV to the texture coordinate (``uv' = (M @ (u, v, 1))[:2]``)."""
    c, s = float(np.cos(rotation)), float(np.sin(rotation))
    t = np.array([[1.0, 0.0, offset[0]], [0.0, 1.0, offset[1]], [0.0, 0.0, 1.0]])
    r = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return t @ r @ np.diag([scale[0], scale[1], 1.0])


def transform_points(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ m[:3, :3].T + m[:3, 3]
