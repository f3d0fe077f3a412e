"""Eyes: an eye-white patch and an iris patch laid over the head surface, shaped by their textures.

The outline of the eye (upper lid arch, lower lid curve, lash line) lives in the textures' alpha with
a soft edge, not in the geometry, so it stays smooth at any tessellation (VRoid does the same with
its ``EyeWhite``/``EyeIris`` planes). Each patch is a grid draped over the sculpted head, so the eye
sits in its socket instead of sticking out. The iris texture carries the eye-white outline in its
alpha too: the lids cover the iris top and bottom like real lids. The white is rigid to the head,
the iris follows the eye joint (VRM lookAt).
"""

from __future__ import annotations

import numpy as np

from studio.procedural.geometry import Part
from studio.procedural.head import EyeShape, FaceLayout
from studio.procedural.textures import hex_rgb

#: how far (head radii) the eye white floats over the skin at its rim, and its bulge at the centre
_LIFT, _BULGE, _IRIS_LIFT = 0.012, 0.03, 0.008


def eye_parts(head: Part, f: FaceLayout, res: int) -> tuple[list[Part], list[Part]]:
    """(eye whites, irises), one square grid each per eye, UVs mirrored so both outer corners map
    to u = 1."""
    hr, shape = f.radius, f.eye
    n = 8 * res + 1
    grid = np.linspace(-1.0, 1.0, n)
    gx, gy = np.meshgrid(grid, grid[::-1])  # row 0 at the top (v = 0)
    e = shape.extent * hr
    faces = _grid_faces(n)
    whites, irises = [], []
    for side, sx, c in (("L", 1.0, f.eyes[0]), ("R", -1.0, f.eyes[1])):
        x = c[0] + sx * gx.ravel() * e
        y = c[1] + gy.ravel() * e
        z = surface_z(head, x, y)
        r2 = (gx.ravel() * e / (shape.half_width * hr)) ** 2 + (gy.ravel() * e / (shape.upper * hr)) ** 2
        z = z + hr * (_LIFT + _BULGE * np.clip(1.0 - r2, 0.0, 1.0))
        uvs = np.column_stack([0.5 + 0.5 * gx.ravel(), 0.5 - 0.5 * gy.ravel()])
        tri = faces if sx > 0 else faces[:, ::-1]
        white = Part(np.column_stack([x, y, z]), uvs, tri.copy(), {"kind": "eyewhite", "side": side})
        iris = Part(
            np.column_stack([x, y, z + hr * _IRIS_LIFT]),
            uvs.copy(),
            tri.copy(),
            {"kind": "iris", "side": side},
        )
        whites.append(white)
        irises.append(iris)
    return whites, irises


def _grid_faces(n: int) -> np.ndarray:
    """Triangles of an n x n grid (row-major, rows top to bottom, columns left to right), wound
    counter-clockwise seen from +Z."""
    r, c = np.meshgrid(np.arange(n - 1), np.arange(n - 1), indexing="ij")
    a = (r * n + c).ravel()
    b, d = a + 1, a + n
    return np.concatenate([np.column_stack([a, d, b]), np.column_stack([b, d, d + 1])]).astype(np.int64)


def surface_z(part: Part, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The z of ``part``'s front-most surface under each (x, y), found by casting rays along -Z."""
    pos, tri = part.positions, part.faces
    a, b, c = pos[tri[:, 0]], pos[tri[:, 1]], pos[tri[:, 2]]
    lo = np.minimum(np.minimum(a, b), c)
    hi = np.maximum(np.maximum(a, b), c)
    near = (hi[:, 0] >= x.min()) & (lo[:, 0] <= x.max()) & (hi[:, 1] >= y.min()) & (lo[:, 1] <= y.max())
    near &= (a[:, 2] + b[:, 2] + c[:, 2]) > 3 * pos[:, 2].mean()
    a, b, c = a[near], b[near], c[near]
    q = np.column_stack([x, y])[:, None, :]
    v0, v1 = (b - a)[None, :, :2], (c - a)[None, :, :2]
    v2 = q - a[None, :, :2]
    den = v0[..., 0] * v1[..., 1] - v1[..., 0] * v0[..., 1]
    den = np.where(np.abs(den) < 1e-14, 1e-14, den)
    s = (v2[..., 0] * v1[..., 1] - v1[..., 0] * v2[..., 1]) / den
    t = (v0[..., 0] * v2[..., 1] - v2[..., 0] * v0[..., 1]) / den
    inside = (s >= -1e-9) & (t >= -1e-9) & (s + t <= 1 + 1e-9)
    z = a[None, :, 2] + s * (b - a)[None, :, 2] + t * (c - a)[None, :, 2]
    best = np.where(inside, z, -np.inf).max(axis=1)
    fallback = pos[:, 2].max()
    return np.where(np.isfinite(best), best, fallback)


# -- textures ---------------------------------------------------------------------------------
def _smooth(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _frame(shape: EyeShape, size: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Eye-local coordinates (head radii) of each texel centre, and one texel's size."""
    e = shape.extent
    k = (np.arange(size) + 0.5) / size
    x = (k * 2.0 - 1.0) * e
    y = (1.0 - k * 2.0) * e
    gx, gy = np.meshgrid(x, y)
    return gx, gy, 2.0 * e / size


def lids(shape: EyeShape, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower lid heights over ``x`` (NaN-free; 0 at and beyond the corners)."""
    w = np.clip(1.0 - (x / shape.half_width) ** 2, 0.0, 1.0)
    lift = shape.tilt * (x / shape.half_width)
    return shape.upper * w**0.55 + lift * w**0.3, -shape.lower * w**0.75 + lift * w**0.3


def outline_alpha(shape: EyeShape, x: np.ndarray, y: np.ndarray, soft: float) -> np.ndarray:
    """1 inside the eye opening, 0 outside, with a smooth edge ``soft`` wide."""
    up, lo = lids(shape, x)
    inside = np.minimum(up - y, y - lo)
    inside = np.minimum(inside, shape.half_width - np.abs(x))
    return _smooth(-soft * 0.5, soft * 0.5, inside)


def white_texture(shape: EyeShape, lash: str, size: int) -> np.ndarray:
    """RGBA eye white: sclera shaded under the upper lid, lash line along the lid, soft outline."""
    x, y, texel = _frame(shape, size)
    soft = max(2.5 * texel, 0.012)
    up, lo = lids(shape, x)
    open_alpha = outline_alpha(shape, x, y, soft)
    rgb = np.ones((*x.shape, 3)) * np.array([0.97, 0.96, 0.95])
    shadow = _smooth(0.0, 1.0, 1.0 - (up - y) / max(shape.upper + shape.lower, 1e-6) * 1.6)[..., None] * 0.3
    rgb = rgb * (1 - shadow) + np.array([0.72, 0.7, 0.78]) * shadow
    # lash line: a band straddling the upper lid, thickest at the outer corner, fading out at both
    # corners (the outer end reaches a little past the white, like a flick)
    reach = np.clip((x / shape.half_width + 1.05) / 2.1, 0.0, 1.0)
    corner = shape.half_width * np.where(x > 0, 1.1, 1.0)
    thick = shape.lash * (0.35 + 0.9 * reach) * _smooth(0.0, shape.half_width * 0.35, corner - np.abs(x))
    band = _smooth(-soft, 0.0, y - (up - thick * 0.35)) * _smooth(-soft, 0.0, (up + thick * 0.65) - y)
    band *= thick > 1e-6
    lower = _smooth(-soft, 0.0, y - (lo - shape.lash * 0.2)) * _smooth(-soft, 0.0, lo + shape.lash * 0.15 - y)
    lower *= _smooth(0.0, shape.half_width * 0.6, shape.half_width - np.abs(x)) * 0.45
    line = np.maximum(band, lower)[..., None]
    rgb = rgb * (1 - line) + np.array(hex_rgb(lash)) * 0.3 * line
    alpha = np.maximum(open_alpha, np.maximum(band, lower))
    return np.concatenate([rgb, alpha[..., None]], axis=-1)


def iris_texture(shape: EyeShape, colour: str, size: int) -> np.ndarray:
    """RGBA iris: dark rim, lighter lower half, pupil, highlight; alpha clipped by the eye outline."""
    x, y, texel = _frame(shape, size)
    soft = max(2.0 * texel, 0.008)
    rx, ry = shape.iris
    dx, dy = x / rx, (y - shape.iris_y) / ry
    r = np.sqrt(dx * dx + dy * dy)
    angle = np.arctan2(dy, dx)
    base = np.array(hex_rgb(colour))
    fibres = 0.07 * np.sin(angle * 40.0) * np.clip(r - 0.35, 0, 1)
    shade = 0.5 + 0.55 * np.clip(-dy * 0.5 + 0.5, 0, 1) + fibres
    rgb = base * shade[..., None]
    rim = _smooth(0.72, 0.95, r)[..., None]
    rgb = rgb * (1 - rim) + base * 0.3 * rim
    pupil = (1.0 - _smooth(0.36, 0.44, r))[..., None]
    rgb = rgb * (1 - pupil) + np.array([0.03, 0.03, 0.05]) * pupil
    hx, hy = (x + rx * 0.35) / rx, (y - shape.iris_y - ry * 0.4) / ry
    glint = (1.0 - _smooth(0.14, 0.2, np.sqrt(hx * hx + hy * hy)))[..., None]
    rgb = rgb * (1 - glint) + glint
    disc = 1.0 - _smooth(1.0 - soft / min(rx, ry), 1.0, r)
    alpha = disc * outline_alpha(shape, x, y - soft * 0.5, soft)
    return np.concatenate([np.clip(rgb, 0, 1), alpha[..., None]], axis=-1)
