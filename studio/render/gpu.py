"""OpenGL resources for one primitive: vertex buffers, index buffer, morph delta textures.

Morphs are split in two so a slider drag stays fast however many morphs are set:
- the *hot* targets (the ones whose weight changed in the last update, at most
  ``MAX_ACTIVE_MORPHS``) are blended on the GPU from the delta textures: dragging a slider only
  rewrites a few uniforms per frame;
- every other non-zero target is folded once on the CPU into a per-vertex offset buffer, re-made
  only when a different slider starts moving (a few ms for 45k vertices).
Blending 64 targets per vertex in the shader drops llvmpipe to ~9 fps on a 45k-vertex mesh; this
split keeps the cost of one target whatever the avatar's other sliders are set to.
Delta textures are created on the first drag, so a thumbnail uploads none of them.
"""

from __future__ import annotations

from typing import Any

import moderngl
import numpy as np

from studio.render.model import Primitive
from studio.render.shaders import CACHED_ATTRIBUTES, MAX_ACTIVE_MORPHS, MORPH_TEX_WIDTH, SKIN_FORMAT


class GpuPrimitive:
    """``programs``: "direct" draws an unskinned primitive; a skinned one is skinned by "skin"
    (transform feedback into :attr:`cache`, see :mod:`studio.render.shaders`) and drawn by "cached"."""

    def __init__(
        self, ctx: moderngl.Context, prim: Primitive, programs: dict[str, moderngl.Program], *, skinned: bool
    ) -> None:
        self.ctx, self.prim = ctx, prim
        n = prim.vertex_count
        self.vertex_count = n
        self.skinned = skinned and prim.joints is not None and prim.weights is not None
        self.buffers = [
            ctx.buffer(prim.positions),
            ctx.buffer(prim.normals),
            ctx.buffer(prim.uvs if prim.uvs is not None else np.zeros((n, 2), np.float32)),
            ctx.buffer(prim.colors if prim.colors is not None else np.ones((n, 4), np.float32)),
        ]
        self.offsets = [ctx.buffer(np.zeros((n, 3), np.float32)) for _ in range(2)]  # position, normal
        self.index_buffer = ctx.buffer(prim.indices)
        surface: list[Any] = [(self.buffers[2], "2f", "in_uv"), (self.buffers[3], "4f", "in_color")]
        shape: list[Any] = [
            (self.buffers[0], "3f", "in_pos"),
            (self.buffers[1], "3f", "in_normal"),
            (self.offsets[0], "3f", "in_morph_pos"),
            (self.offsets[1], "3f", "in_morph_nrm"),
        ]
        self.cache: moderngl.Buffer | None = None
        self.skin_vao: moderngl.VertexArray | None = None
        #: what the cache was skinned for: (pose serial, bake serial); None = stale
        self.cached_for: tuple[int, int] | None = None
        self.bakes = 0
        if self.skinned:
            self.buffers += [ctx.buffer(prim.joints), ctx.buffer(prim.weights)]
            shape += [(self.buffers[4], "4i", "in_joints"), (self.buffers[5], "4f", "in_weights")]
            self.skin_vao = ctx.vertex_array(programs["skin"], shape)  # no index: each vertex once
            self.cache = ctx.buffer(reserve=n * 4 * 15)
            cached = [(self.cache, SKIN_FORMAT, *CACHED_ATTRIBUTES)]
            self.vao = ctx.vertex_array(programs["cached"], cached + surface, self.index_buffer,
                                        index_element_size=4)
        else:
            self.vao = ctx.vertex_array(programs["direct"], shape + surface, self.index_buffer,
                                        index_element_size=4)
        #: mesh target index -> slot in the morph textures (only targets that move this primitive)
        moving = [
            i for i, (d, nd) in enumerate(zip(prim.morph_positions, prim.morph_normals, strict=False))
            if d is not None or nd is not None
        ]
        self.slots = {i: slot for slot, i in enumerate(moving)}
        self.morph_pos: moderngl.Texture | None = None
        self.morph_nrm: moderngl.Texture | None = None
        self.hot: list[int] = []
        self._weights: np.ndarray | None = None
        self.active: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int32), np.zeros(0, np.float32))

    def skin(self, pose: int) -> bool:
        """Rerun the skin pass if the pose or the resting morphs changed since the last one (the
        caller has bound the joint texture and set the skin program's uniforms). True if it ran."""
        if self.skin_vao is None or self.cache is None or self.cached_for == (pose, self.bakes):
            return False
        self.skin_vao.transform(self.cache, mode=moderngl.POINTS, vertices=self.vertex_count)
        self.cached_for = (pose, self.bakes)
        return True

    def set_weights(self, weights: np.ndarray) -> None:
        """Apply the mesh's morph weights (see the module docstring for the hot/baked split)."""
        weights = np.asarray(weights, dtype=np.float32)
        if self._weights is None:  # first upload: the rest pose is baked, nothing is hot
            if any(weights[i] for i in self.slots):
                self._bake(weights)
        else:
            changed = [i for i in self.slots if weights[i] != self._weights[i]]
            if changed and not set(changed) <= set(self.hot):
                self.hot = changed if len(changed) <= MAX_ACTIVE_MORPHS else []
                self._bake(weights)
        self._weights = weights.copy()
        if self.hot and self.morph_pos is None:
            self._upload_morphs()
        self.active = (
            np.array([self.slots[i] for i in self.hot], dtype=np.int32),
            np.array([weights[i] for i in self.hot], dtype=np.float32),
        )

    def _bake(self, weights: np.ndarray) -> None:
        """Fold every non-zero, not-hot target into the offset buffers."""
        n = self.vertex_count
        pos, nrm = np.zeros((n, 3), np.float32), np.zeros((n, 3), np.float32)
        for i in self.slots:
            w = float(weights[i])
            if w == 0.0 or i in self.hot:
                continue
            if (d := self.prim.morph_positions[i]) is not None:
                pos += w * d
            if i < len(self.prim.morph_normals) and (nd := self.prim.morph_normals[i]) is not None:
                nrm += w * nd
        self.offsets[0].write(pos)
        self.offsets[1].write(nrm)
        self.bakes += 1  # the skinned cache holds the old resting shape

    def _upload_morphs(self) -> None:
        order = sorted(self.slots, key=self.slots.__getitem__)
        self.morph_pos = self._texture([self.prim.morph_positions[i] for i in order])
        normals = [self.prim.morph_normals[i] if i < len(self.prim.morph_normals) else None for i in order]
        if any(n is not None for n in normals):
            self.morph_nrm = self._texture(normals)

    def _texture(self, deltas: list[np.ndarray | None]) -> moderngl.Texture:
        return morph_texture(self.ctx, deltas, self.vertex_count)

    def release(self) -> None:
        self.vao.release()
        if self.skin_vao is not None and self.cache is not None:
            self.skin_vao.release()
            self.cache.release()
        for b in [*self.buffers, *self.offsets, self.index_buffer]:
            b.release()
        for t in (self.morph_pos, self.morph_nrm):
            if t is not None:
                t.release()


def image_texture(ctx: moderngl.Context, rgba: np.ndarray) -> moderngl.Texture:
    """A mipmapped, trilinear-filtered texture of ``rgba`` in one go."""
    tex = create_image_texture(ctx, rgba)
    finish_image_texture(tex)
    return tex


def create_image_texture(ctx: moderngl.Context, rgba: np.ndarray) -> moderngl.Texture:
    """The first half of :func:`image_texture`: the pixels (the renderer draws it only once the
    second half has built the mipmaps, so it is sampled in one state only)."""
    h, w = rgba.shape[:2]
    tex = ctx.texture((w, h), 4, np.ascontiguousarray(rgba))
    tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
    return tex


def finish_image_texture(tex: moderngl.Texture) -> None:
    """The second half: mipmaps (llvmpipe: ~32 ms for 2048²) and trilinear filtering."""
    tex.build_mipmaps()
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)


def placeholder_color(rgba: np.ndarray) -> tuple[float, float, float, float]:
    """The average colour of an sRGB image as a linear RGBA factor (1/256 of its pixels)."""
    step = max(1, int(np.sqrt(rgba.shape[0] * rgba.shape[1] / 4096)))
    sample = rgba[::step, ::step].reshape(-1, rgba.shape[-1]).astype(np.float64) / 255.0
    mean = sample.mean(axis=0) if len(sample) else np.ones(4)
    rgb = np.where(mean[:3] <= 0.04045, mean[:3] / 12.92, ((mean[:3] + 0.055) / 1.055) ** 2.4)
    alpha = float(mean[3]) if len(mean) > 3 else 1.0
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]), alpha)


class Uniforms:
    """A program's uniforms looked up once: setting one per draw is a dict lookup, and a uniform
    the GLSL compiler optimised away is skipped silently."""

    def __init__(self, program: moderngl.Program) -> None:
        self._members: dict[str, moderngl.Uniform | None] = {}
        self._program = program

    def set(self, name: str, value: object) -> None:
        if name in self._members:
            member = self._members[name]
        else:
            found = self._program.get(name, None)
            member = self._members[name] = found if isinstance(found, moderngl.Uniform) else None
        if member is None:
            return
        if isinstance(value, bytes):
            member.write(value)
        else:
            member.value = value


def morph_texture(ctx: moderngl.Context, deltas: list[np.ndarray | None], n: int) -> moderngl.Texture:
    """Deltas of ``n`` vertices, one slot after the other, ``MORPH_TEX_WIDTH`` texels a row. The
    height is odd and at least 3 (never a power of two), so every morph texture, and the renderer's
    empty stand-in, share one llvmpipe shader variant."""
    height = max(-(-len(deltas) * n // MORPH_TEX_WIDTH), 3) | 1
    data = np.zeros((height * MORPH_TEX_WIDTH, 4), dtype=np.float16)
    for slot, d in enumerate(deltas):
        if d is not None:
            data[slot * n : (slot + 1) * n, :3] = d
    tex = ctx.texture((MORPH_TEX_WIDTH, height), 4, data, dtype="f2")
    tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
    return tex


def matrix_texture(ctx: moderngl.Context, matrices: np.ndarray) -> moderngl.Texture:
    """(k, 4, 4) matrices as a 4 x k RGBA32F texture, one row per matrix, texel c = column c."""
    tex = ctx.texture((4, max(len(matrices), 1)), 4, dtype="f4")
    tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
    write_matrices(tex, matrices)
    return tex


def write_matrices(tex: moderngl.Texture, matrices: np.ndarray) -> None:
    if len(matrices):
        tex.write(np.ascontiguousarray(matrices.transpose(0, 2, 1), dtype=np.float32))
