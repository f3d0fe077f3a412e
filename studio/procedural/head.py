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
class EyeShape:
    """Eye outline and iris, in head radii around the eye centre (x grows towards the outer corner)."""

    half_width: float
    upper: float  # upper lid height above the centre
    lower: float  # lower lid depth below the centre
    tilt: float  # outer corner lift
    iris: tuple[float, float]  # iris half-width, half-height
    iris_y: float  # iris centre above the eye centre
    lash: float  # lash line thickness

    @property
    def extent(self) -> float:
        """Half size of the square patch (and texture) around the eye centre."""
        return max(self.half_width, self.upper, self.lower) * 1.3


FEMININE_EYE = EyeShape(0.21, 0.2, 0.16, 0.03, (0.125, 0.15), 0.005, 0.045)
MASCULINE_EYE = EyeShape(0.2, 0.12, 0.095, 0.015, (0.098, 0.098), 0.012, 0.03)


def eye_shape(feminine: bool) -> EyeShape:
    return FEMININE_EYE if feminine else MASCULINE_EYE


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
    eye: EyeShape = FEMININE_EYE


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
    shape = eye_shape(feminine)
    eye_r = (hr * shape.half_width, hr * (shape.upper + shape.lower) / 2, hr * 0.06)
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
    return FaceLayout(center, hr, eyes, eye_r, nose, mouth, mouth_half, chin, brows, cheeks, shape)


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


def ear(f: FaceLayout, head: Part, side: str, res: int) -> Part:
    """A rounded ear on the side of the head, from eye height down to the nose, flared back a little
    and cupped (a flattened egg with a hollow on its outer face)."""
    sx = 1.0 if side == "L" else -1.0
    hr = f.radius
    top, bottom = f.eyes[0][1] + hr * 0.06, f.nose[1] - hr * 0.02
    cy, half = (top + bottom) / 2, (top - bottom) / 2
    cz = f.center[2] - hr * 0.08
    near = np.abs(head.positions[:, 1] - cy) < hr * 0.12
    near &= np.abs(head.positions[:, 2] - cz) < hr * 0.12
    surface = float(np.abs(head.positions[near, 0]).max()) if near.any() else hr * 0.85
    part = ellipsoid(
        np.zeros(3),
        (hr * 0.05, hr * 0.17, half),
        rings=8 * res,
        segments=16 * res,
        axis=(0, 1, 0),
        tags={"kind": "ear", "side": side},
    )
    p = part.positions
    t = p[:, 1] / half  # -1 lobe .. 1 top
    p[:, 2] *= 0.8 + 0.2 * (t + 1) / 2  # narrower lobe, fuller top
    cup = np.clip(1.0 - (p[:, 1] / (half * 0.75)) ** 2 - (p[:, 2] / (hr * 0.12)) ** 2, 0, 1)
    p[:, 0] -= np.where(p[:, 0] > 0, cup * hr * 0.035, 0.0)  # hollow on the outer face
    flare = np.radians(22.0)  # the back edge stands off the head
    x = p[:, 0] * np.cos(flare) - p[:, 2] * np.sin(flare)
    z = p[:, 0] * np.sin(flare) + p[:, 2] * np.cos(flare)
    p[:, 0], p[:, 2] = x, z
    p[:, 2] -= p[:, 1] * 0.25  # tilted back like a real ear
    part.positions = np.column_stack([sx * (p[:, 0] + surface + hr * 0.035), p[:, 1] + cy, p[:, 2] + cz])
    return orient_outward(part)


def ear_lobe(f: FaceLayout, side: str) -> np.ndarray:
    """Where an earring hangs: the bottom of the ear."""
    sx = 1.0 if side == "L" else -1.0
    hr = f.radius
    return np.array([sx * hr * 0.9, f.nose[1] + hr * 0.02, f.center[2] - hr * 0.1])
