"""Procedural textures written as PNG: skin (tone + freckles), hair streaks and cloth weaves (the
face is painted in face_texture.py, the eyes in eyes.py). Seeded numpy RNG, so output is deterministic.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

RGB = tuple[float, float, float]


def hex_rgb(colour: str) -> RGB:
    c = colour.lstrip("#")
    return (int(c[0:2], 16) / 255.0, int(c[2:4], 16) / 255.0, int(c[4:6], 16) / 255.0)


def encode_png(pixels: np.ndarray) -> bytes:
    """(h,w,3|4) floats in [0,1] -> PNG bytes (fast zlib level; deterministic)."""
    data = (np.clip(pixels, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(data).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def value_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Smooth noise in [-1, 1]: a random ``cells``² grid upsampled bilinearly to ``size``² (tiles)."""
    grid = rng.uniform(-1.0, 1.0, (cells, cells))
    coords = np.arange(size) * cells / size
    i0 = np.floor(coords).astype(int) % cells
    i1 = (i0 + 1) % cells
    frac = coords - np.floor(coords)
    frac = frac * frac * (3 - 2 * frac)
    rows = grid[i0] * (1 - frac)[:, None] + grid[i1] * frac[:, None]
    out = rows[:, i0] * (1 - frac)[None, :] + rows[:, i1] * frac[None, :]
    return np.ascontiguousarray(out, dtype=np.float32)


def skin(tone: str, freckles: float, size: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(hex_rgb(tone))
    noise = 0.025 * value_noise(rng, size, 16) + 0.012 * value_noise(rng, size, 64)
    if size >= 1024:  # pores: fine grain that only a 2048² texture resolves
        noise = noise + 0.012 * value_noise(rng, size, size // 4)
    pixels = base[None, None, :] * (1.0 + noise[..., None])
    paint_freckles(pixels, freckle_uvs(freckles, size, rng), base, size)
    return pixels


def freckle_uvs(amount: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Freckles scattered over a body texture (as many per area at any texture size)."""
    return rng.uniform(0, 1, (int(amount * 0.3 * size * size / 600), 2))


def paint_freckles(pixels: np.ndarray, uvs: np.ndarray, base: np.ndarray, size: int) -> None:
    """Small darker dots at ``uvs`` (k,2), each a few texels across, vectorised over dots."""
    if len(uvs) == 0:
        return
    colour = base * np.array([0.72, 0.58, 0.48])
    radius = max(1.5, size / 512.0 * 2.2)
    span = int(np.ceil(radius)) + 1
    offs = np.arange(-span, span + 1)
    dy, dx = np.meshgrid(offs, offs, indexing="ij")
    fall = np.clip(1.0 - np.sqrt(dx**2 + dy**2) / radius, 0.0, 1.0).ravel() * 0.65
    cx = (uvs[:, 0] * size).astype(int)[:, None] + dx.ravel()[None]
    cy = (uvs[:, 1] * size).astype(int)[:, None] + dy.ravel()[None]
    cx %= size
    cy %= size
    alpha = np.broadcast_to(fall, cx.shape)
    # where two dots overlap the later one wins (fancy assignment order is deterministic)
    ys, xs = cy.ravel(), cx.ravel()
    a = alpha.ravel()[:, None]
    pixels[ys, xs] = pixels[ys, xs] * (1 - a) + colour * a


def hair(colour: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """Hair strands: fine streaks across the strand (u), each streak's tone drifting along its length
    (v), plus a sheen band near the roots."""
    base = np.array(hex_rgb(colour))
    streak = value_noise(rng, size, 64)[0:1, :].repeat(size, axis=0)
    streak += 0.5 * value_noise(rng, size, 128)[0:1, :].repeat(size, axis=0)
    strands = _stretched_noise(rng, size, across=max(size // 4, 64), along=8)
    v = np.linspace(0.0, 1.0, size)[:, None]
    sheen = 0.18 * np.exp(-(((v - 0.3) / 0.08) ** 2))
    shade = 1.0 + 0.1 * streak + 0.07 * strands + sheen
    return base[None, None] * shade[..., None]


def _stretched_noise(rng: np.random.Generator, size: int, *, across: int, along: int) -> np.ndarray:
    """Noise in [-1, 1] with ``across`` cells over u and ``along`` cells over v (bilinear, tiling)."""
    grid = rng.uniform(-1.0, 1.0, (along, across))

    def axis(cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        coords = np.arange(size) * cells / size
        i0 = np.floor(coords).astype(int) % cells
        frac = coords - np.floor(coords)
        return i0, (i0 + 1) % cells, frac * frac * (3 - 2 * frac)

    r0, r1, fr = axis(along)
    c0, c1, fc = axis(across)
    rows = grid[r0] * (1 - fr)[:, None] + grid[r1] * fr[:, None]
    return np.ascontiguousarray(rows[:, c0] * (1 - fc) + rows[:, c1] * fc, dtype=np.float32)


def cloth(colour: str, pattern: str, size: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(hex_rgb(colour))
    y, x = np.mgrid[0:size, 0:size]
    if pattern == "denim":
        weave = 0.08 * np.sin((x + y) * 2 * np.pi / max(size / 128, 2))
        shade = 1.0 + weave + 0.05 * value_noise(rng, size, 32)
    elif pattern == "knit":
        shade = 1.0 + 0.05 * np.sin(x * 2 * np.pi / max(size / 96, 2)) + 0.03 * value_noise(rng, size, 32)
    else:
        shade = 1.0 + 0.04 * value_noise(rng, size, 16)
    return base[None, None] * shade[..., None]


def shade_map(pixels: np.ndarray, shade: RGB) -> np.ndarray:
    """MToon's shade texture: the lit texture multiplied into the shade colour (heavy avatars)."""
    return pixels * (np.array(shade, np.float32) / max(max(shade), 1e-3))[None, None] * 0.85


def normal_map(pixels: np.ndarray, rng: np.random.Generator, strength: float = 2.0) -> np.ndarray:
    """A tangent-space normal map from the texture's luminance plus fine grain (pores, weave)."""
    size = pixels.shape[0]
    grain = value_noise(rng, size, max(size // 4, 8))
    height = pixels.mean(axis=2, dtype=np.float32) + 0.02 * grain
    dx = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) * strength
    dy = (np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)) * strength
    n = np.stack([-dx, -dy, np.ones_like(dx)], axis=-1).astype(np.float32)
    n /= np.sqrt(np.sum(n * n, axis=-1, keepdims=True))
    return n * 0.5 + 0.5
