"""The face texture, painted by 3D position: each texel is mapped back onto the head surface, so
lips, brows and blush land on the mouth, brow ridge and cheeks whatever the head's proportions.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.procedural.geometry import Part
from studio.procedural.head import FaceLayout
from studio.procedural.textures import hex_rgb, paint_freckles


def texel_positions(head: Part, size: int) -> np.ndarray:
    """(size, size, 3) head-surface points under each texel (the head's loft grid, bilinear)."""
    segments = round(1.0 / head.uvs[2, 0]) if head.uvs[2, 0] > 0 else 1
    nrings = (head.count - 2) // segments
    grid = head.positions[1 : 1 + nrings * segments].reshape(nrings, segments, 3)
    v = (np.arange(size) + 0.5) / size * (nrings - 1)
    u = (np.arange(size) + 0.5) / size * segments
    r0 = np.clip(np.floor(v).astype(int), 0, nrings - 2)
    fr = (v - r0)[:, None, None]
    s0 = np.floor(u).astype(int) % segments
    s1 = (s0 + 1) % segments
    fs = (u - np.floor(u))[None, :, None]
    top = grid[r0][:, s0] * (1 - fs) + grid[r0][:, s1] * fs
    bottom = grid[r0 + 1][:, s0] * (1 - fs) + grid[r0 + 1][:, s1] * fs
    return (top * (1 - fr) + bottom * fr).astype(np.float32)


class _Overlay:
    """Premultiplied paint layer: features are composed here, then laid over the skin in one go."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.colour = np.zeros((*shape, 3), np.float32)
        self.alpha = np.zeros(shape, np.float32)

    def paint(self, colour: np.ndarray, alpha: np.ndarray) -> None:
        a = np.clip(alpha, 0.0, 1.0).astype(np.float32)
        self.colour = self.colour * (1 - a[..., None]) + colour * a[..., None]
        self.alpha = self.alpha * (1 - a) + a


#: features are painted at most this large and upsampled (they are smooth; freckles stay sharp)
PAINT_SIZE = 1024


def face(
    head: Part,
    f: FaceLayout,
    *,
    skin_base: np.ndarray,
    tone: str,
    freckles: float,
    brow: str,
    lips: str | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """The face texture: ``skin_base`` (the very pixels the body texture starts from, so face and
    neck match exactly in tone) with lips, brows, blush and freckles painted over it."""
    size = skin_base.shape[0]
    paint = min(size, PAINT_SIZE)
    layer = _features(head, f, tone=tone, brow=brow, lips=lips, size=paint)
    colour, alpha = layer.colour, layer.alpha
    if paint != size:
        colour = np.stack([_resize(colour[..., k], size) for k in range(3)], axis=-1)
        alpha = np.clip(_resize(alpha, size), 0.0, 1.0)
    pixels = skin_base * (1.0 - alpha[..., None]) + colour
    if freckles > 0:
        paint_freckles(pixels, _freckle_uvs(head, f, freckles, rng), np.array(hex_rgb(tone)), size)
    return pixels


def _resize(channel: np.ndarray, size: int) -> np.ndarray:
    image = Image.fromarray(channel.astype(np.float32), mode="F")
    return np.asarray(image.resize((size, size), Image.Resampling.BICUBIC), np.float32)


def _features(head: Part, f: FaceLayout, *, tone: str, brow: str, lips: str | None, size: int) -> _Overlay:
    layer = _Overlay((size, size))
    pos = texel_positions(head, size)
    hr = f.radius
    base = np.array(hex_rgb(tone))
    front = (pos[..., 2] - f.center[2]) > 0
    for cheek in f.cheeks:
        d = np.linalg.norm((pos - cheek) / (hr * np.array([0.2, 0.13, 0.3])), axis=-1)
        layer.paint(base * np.array([1.0, 0.72, 0.7]), np.exp(-d * d) * 0.3 * front)
    lip_colour = np.array(hex_rgb(lips)) if lips else base * np.array([0.92, 0.62, 0.6])
    m = (pos - f.mouth) / np.array([f.mouth_half_width, hr * 0.075, hr * 0.3])
    lip_alpha = np.clip((1.0 - np.sqrt(m[..., 0] ** 2 + m[..., 1] ** 2)) / 0.25, 0, 1) * front
    layer.paint(lip_colour, lip_alpha)
    line = np.exp(-(((pos[..., 1] - f.mouth[1]) / (hr * 0.012)) ** 2)) * (np.abs(m[..., 0]) < 1.0) * front
    layer.paint(lip_colour * 0.55, line * 0.9)
    brow_colour = np.array(hex_rgb(brow))
    for b in f.brows:
        dx = (pos[..., 0] - b[0]) / (hr * 0.24)
        arch = b[1] + hr * 0.05 * (1 - dx**2)
        band = np.exp(-(((pos[..., 1] - arch) / (hr * 0.03)) ** 2)) * np.clip(1 - np.abs(dx), 0, 1) ** 0.5
        layer.paint(brow_colour, band * 0.9 * front)
    return layer


def _freckle_uvs(head: Part, f: FaceLayout, amount: float, rng: np.random.Generator) -> np.ndarray:
    """UVs of freckles scattered over the nose bridge and cheeks."""
    count = int(amount * 300)
    hr = f.radius
    centres = np.array([f.nose, *f.cheeks])
    picks = centres[rng.integers(0, 3, count)]
    points = picks + rng.normal(0, 1, (count, 3)) * hr * np.array([0.14, 0.08, 0.0])
    front = np.flatnonzero(head.positions[:, 2] > f.center[2])
    cand = head.positions[front]
    nearest = np.argmin(((cand[None, :, :2] - points[:, None, :2]) ** 2).sum(-1), axis=1)
    uvs = head.uvs[front[nearest]]
    # jitter inside the texel cell so neighbouring freckles don't snap to the same vertex
    return uvs + rng.uniform(-0.5, 0.5, uvs.shape) / np.array([24.0, 12.0 * 1.0]) * 0.5
