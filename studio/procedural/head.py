"""The head: a lofted skull with jaw taper, nose, eye sockets, lips and ears, plus the eyes.

:class:`FaceLayout` keeps the landmarks (eyes, nose, mouth, brows, cheeks, chin) that morphs,
expressions and the face texture all use, so a painted lip stays where the mouth moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.procedural.geometry import Part, ellipsoid, gaussian, loft, orient_outward
from studio.procedural.skeleton import Proportions


@dataclass(frozen=True)
class FaceLayout:
    center: np.ndarray
    radius: float
    eyes: tuple[np.ndarray, np.ndarray]  # L (+X), R
    eye_radii: tuple[float, float, float]
    nose: np.ndarray
    mouth: np.ndarray
    mouth_half_width: float
    chin: np.ndarray
    brows: tuple[np.ndarray, np.ndarray]
    cheeks: tuple[np.ndarray, np.ndarray]


def _head_shape(t: np.ndarray, hr: float, feminine: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half-width, half-depth and forward shift of each head ring (t = -1 chin .. 1 crown)."""
    base = np.sqrt(np.maximum(1.0 - t**2, 0.0))
    lower = np.clip((-t - 0.1) / 0.9, 0.0, 1.0)
    jaw = 1.0 - (0.42 if feminine else 0.32) * lower**1.3
    width = hr * 0.9 * base * jaw
    depth = hr * 1.0 * base * (1.0 - 0.25 * lower)
    shift = hr * (0.12 * lower - 0.04 * np.clip(t, 0.0, 1.0))
    return width, depth, shift


def head(p: Proportions, head_joint: np.ndarray, *, feminine: bool, res: int) -> tuple[Part, FaceLayout]:
    hr = p.head_radius
    center = head_joint + np.array([0.0, hr * 0.95, 0.01])
    t = np.linspace(-1.0, 1.0, 12 * res + 2)[1:-1]
    width, depth, shift = _head_shape(t, hr, feminine)
    path = np.column_stack([np.zeros_like(t), center[1] + t * hr * 1.12, center[2] + shift])
    part = loft(
        path,
        np.column_stack([width, depth]),
        segments=24 * res,
        hint=(0, 0, 1),
        cap_rings=0,
        cap_scale=(0.0, 0.0),
        tags={"kind": "head"},
    )
    part.positions[0] = [0.0, center[1] - hr * 1.12, center[2] + hr * 0.12]
    part.positions[-1] = [0.0, center[1] + hr * 1.12, center[2] - hr * 0.04]
    layout = _layout(part, center, hr, feminine)
    _sculpt(part, layout)
    return orient_outward(part), layout


def surface_front(part: Part, x: float, y: float) -> np.ndarray:
    """The front-most head vertex near (x, y): where a face feature sits."""
    pos = part.positions
    d = (pos[:, 0] - x) ** 2 + (pos[:, 1] - y) ** 2 - 1e-3 * pos[:, 2]
    return pos[int(np.argmin(np.where(pos[:, 2] > 0, d, np.inf)))].copy()


def _layout(part: Part, center: np.ndarray, hr: float, feminine: bool) -> FaceLayout:
    eye_y = center[1] - hr * 0.17
    eye_x = hr * 0.36
    eyes = (surface_front(part, eye_x, eye_y), surface_front(part, -eye_x, eye_y))
    eye_r = (hr * 0.2, hr * 0.24, hr * 0.07) if feminine else (hr * 0.17, hr * 0.15, hr * 0.06)
    nose = surface_front(part, 0.0, center[1] - hr * 0.5)
    mouth = surface_front(part, 0.0, center[1] - hr * 0.76)
    chin = surface_front(part, 0.0, center[1] - hr * 1.0)
    brows = (
        surface_front(part, eye_x * 1.05, eye_y + hr * 0.33),
        surface_front(part, -eye_x * 1.05, eye_y + hr * 0.33),
    )
    cheeks = (
        surface_front(part, hr * 0.5, center[1] - hr * 0.5),
        surface_front(part, -hr * 0.5, center[1] - hr * 0.5),
    )
    mouth_half = hr * (0.2 if feminine else 0.24)
    return FaceLayout(center, hr, eyes, eye_r, nose, mouth, mouth_half, chin, brows, cheeks)


def _sculpt(part: Part, f: FaceLayout) -> None:
    """Bake the face relief: eye sockets, nose, lips, cheekbones."""
    pos = part.positions
    hr = f.radius
    front = (pos[:, 2] > f.center[2]).astype(np.float64)
    for eye in f.eyes:
        pos[:, 2] -= gaussian(pos, eye, hr * np.array([0.25, 0.2, 0.3])) * hr * 0.06 * front
    nose_g = gaussian(pos, f.nose + np.array([0, hr * 0.08, 0]), hr * np.array([0.09, 0.22, 0.25]))
    pos[:, 2] += nose_g * hr * 0.14 * front
    pos[:, 2] += gaussian(pos, f.mouth, hr * np.array([0.2, 0.07, 0.2])) * hr * 0.035 * front


def ear(f: FaceLayout, side: str, res: int) -> Part:
    sx = 1.0 if side == "L" else -1.0
    hr = f.radius
    c = f.center + np.array([sx * hr * 0.86, -hr * 0.3, -hr * 0.12])
    part = ellipsoid(
        c,
        (hr * 0.09, hr * 0.2, hr * 0.28),
        rings=4 * res,
        segments=8 * res,
        axis=(0, 1, 0),
        tags={"kind": "ear", "side": side},
    )
    return part


def eye_parts(f: FaceLayout, res: int) -> tuple[list[Part], list[Part]]:
    """(eye whites, irises): flattened ellipsoids set into the sockets, UVs projected from the front."""
    whites, irises = [], []
    rx, ry, rz = f.eye_radii
    for side, c in zip(("L", "R"), f.eyes, strict=True):
        center = c + np.array([0.0, 0.0, -rz * 0.2])
        white = ellipsoid(
            center,
            (rx, rz, ry),
            rings=6 * res,
            segments=12 * res,
            axis=(0, 1, 0),
            tags={"kind": "eyewhite", "side": side},
        )
        iris_c = center + np.array([0.0, -ry * 0.05, rz * 0.35])
        iris = ellipsoid(
            iris_c,
            (rx * 0.62, rz * 0.75, ry * 0.72),
            rings=6 * res,
            segments=12 * res,
            axis=(0, 1, 0),
            tags={"kind": "iris", "side": side},
        )
        for part, c0, (hx, hy) in ((white, center, (rx, ry)), (iris, iris_c, (rx * 0.62, ry * 0.72))):
            part.uvs = np.column_stack(
                [
                    0.5 + 0.5 * (part.positions[:, 0] - c0[0]) / hx,
                    0.5 - 0.5 * (part.positions[:, 1] - c0[1]) / hy,
                ]
            )
        whites.append(white)
        irises.append(iris)
    return whites, irises
