"""Procedural textures written as PNG: skin (tone + freckles), face (lips, brows, blush), iris, eye
white with lash line, hair streaks and cloth weaves. Seeded numpy RNG, so output is deterministic.
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
    pixels = base[None, None, :] * (1.0 + noise[..., None])
    paint_freckles(pixels, rng.uniform(0, 1, (int(freckles * 0.3 * size * size / 600), 2)), base, size)
    return pixels


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


def iris(colour: str, size: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(hex_rgb(colour))
    y, x = np.mgrid[0:size, 0:size] / (size - 1) * 2.0 - 1.0
    r = np.sqrt(x * x + y * y)
    angle = np.arctan2(y, x)
    fibres = 0.08 * np.sin(angle * 48 + 3 * value_noise(rng, size, 8) * 0) * np.clip(r, 0, 1)
    shade = 0.55 + 0.6 * np.clip(r, 0, 1) - 0.25 * np.clip((y + 0.2), 0, 1) + fibres
    pixels = base[None, None] * shade[..., None]
    ring = np.clip((r - 0.82) / 0.1, 0, 1)[..., None]
    pixels = pixels * (1 - ring) + base * 0.25 * ring
    pupil = np.clip((0.36 - r) / 0.04, 0, 1)[..., None]
    pixels = pixels * (1 - pupil) + np.array([0.03, 0.03, 0.05]) * pupil
    highlight = np.clip((0.16 - np.sqrt((x + 0.3) ** 2 + (y + 0.35) ** 2)) / 0.04, 0, 1)[..., None]
    return pixels * (1 - highlight) + highlight


def eye_white(lash: str, size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / (size - 1) * 2.0 - 1.0
    pixels = np.ones((size, size, 3)) * np.array([0.97, 0.96, 0.95])
    shadow = np.clip((-y - 0.1) / 0.7, 0, 1)[..., None] * 0.18
    pixels = pixels * (1 - shadow) + np.array([0.7, 0.68, 0.72]) * shadow
    top = np.sqrt(np.clip(1 - x * x, 0, 1))
    lash_band = np.clip(((-y) - (top - 0.32)) / 0.05, 0, 1)[..., None]
    return pixels * (1 - lash_band) + np.array(hex_rgb(lash)) * 0.35 * lash_band


def hair(colour: str, size: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(hex_rgb(colour))
    streak = value_noise(rng, size, 64)[0:1, :].repeat(size, axis=0)
    streak += 0.5 * value_noise(rng, size, 128)[0:1, :].repeat(size, axis=0)
    v = np.linspace(0.0, 1.0, size)[:, None]
    sheen = 0.18 * np.exp(-(((v - 0.3) / 0.08) ** 2))
    shade = 1.0 + 0.12 * streak + sheen
    return base[None, None] * shade[..., None]


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
