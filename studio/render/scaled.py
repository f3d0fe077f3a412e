"""Adaptive resolution for the live preview: draw at a fraction of the view's size while the user
drags, then stretch the picture onto the view; the next still frame is drawn at full size.

In software OpenGL (llvmpipe) a frame costs a fixed part (vertex shading, skinning, triangle setup:
~20 ms for a 47k-vertex avatar) plus a part that grows with the pixel count (~20 ms at 680x880).
:class:`ResolutionGovernor` learns both from the frames it sees and picks the scale whose predicted
cost meets the frame budget; :class:`ScaledFrame` is the offscreen framebuffer it draws into and
the bilinear stretch onto the view's framebuffer. Qt-free: the preview pane drives both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import moderngl
import numpy as np

_BLIT_VERTEX = """
#version 330
in vec2 in_pos;
out vec2 v_uv;
void main() { v_uv = in_pos * 0.5 + 0.5; gl_Position = vec4(in_pos, 0.0, 1.0); }
"""
_BLIT_FRAGMENT = """
#version 330
in vec2 v_uv;
uniform sampler2D u_frame;
out vec4 f_color;
void main() { f_color = texture(u_frame, v_uv); }
"""

#: framebuffer, its colour texture, its depth buffer
_Target = tuple[moderngl.Framebuffer, moderngl.Texture, moderngl.Renderbuffer]


class ScaledFrame:
    """An offscreen colour texture + depth buffer of a given size, stretched onto another
    framebuffer with bilinear filtering (a brief softness, never blocky pixels). One target per
    size is kept; sizes come from a few quantised scales, so a drag does not reallocate."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.program = ctx.program(vertex_shader=_BLIT_VERTEX, fragment_shader=_BLIT_FRAGMENT)
        quad = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype=np.float32)
        self._quad = ctx.buffer(quad)
        self._vao = ctx.vertex_array(self.program, [(self._quad, "2f", "in_pos")])
        self._targets: dict[tuple[int, int], _Target] = {}
        self.last: tuple[int, int] | None = None  # size of the last frame drawn, shown by present()

    def target(self, size: tuple[int, int]) -> moderngl.Framebuffer:
        """The framebuffer to draw a ``size`` frame into (created on first use)."""
        size = (max(int(size[0]), 1), max(int(size[1]), 1))
        if size not in self._targets:
            if len(self._targets) >= 3:  # the view was resized: drop what no longer fits
                self.release_targets()
            color = self.ctx.texture(size, 4)
            color.filter = (moderngl.LINEAR, moderngl.LINEAR)
            color.repeat_x = color.repeat_y = False
            depth = self.ctx.depth_renderbuffer(size)
            self._targets[size] = (self.ctx.framebuffer([color], depth), color, depth)
        self.last = size
        return self._targets[size][0]

    def present(self, dst: moderngl.Framebuffer) -> bool:
        """Stretch the last frame over ``dst``; False when there is none to show."""
        if self.last is None or self.last not in self._targets:
            return False
        dst.use()
        self.ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND | moderngl.CULL_FACE)
        self._targets[self.last][1].use(0)
        self._vao.render(moderngl.TRIANGLE_STRIP)
        return True

    def release_targets(self) -> None:
        for fbo, color, depth in self._targets.values():
            fbo.release()
            color.release()
            depth.release()
        self._targets.clear()
        self.last = None

    def release(self) -> None:
        self.release_targets()
        self._vao.release()
        self._quad.release()
        self.program.release()


@dataclass
class ResolutionGovernor:
    """Picks the render scale for interactive frames from measured frame times.

    Model: ``cost(scale) = fixed + per_pixel * scale²`` (milliseconds, ``scale`` 1 = full size).
    Full-size frames and interactive frames at a known scale update the two terms; the scale is the
    largest step (of ``step``) whose predicted cost fits ``budget_ms``, never below ``min_scale``
    (below half size the picture turns to mush, and the fixed part dominates anyway), and only if
    it saves at least ``min_saving`` of a full-size frame."""

    budget_ms: float = 26.0
    min_scale: float = 0.5
    step: float = 0.1
    min_saving: float = 0.15
    full_ms: float | None = None  # smoothed cost of a full-size frame
    fixed_ms: float | None = None  # smoothed size-independent part

    def record(self, scale: float, ms: float) -> None:
        """A frame drawn at ``scale`` took ``ms`` (GPU work finished)."""
        if not math.isfinite(ms) or ms <= 0:
            return
        if scale >= 0.999:
            self.full_ms = ms if self.full_ms is None else 0.7 * self.full_ms + 0.3 * ms
            return
        if self.full_ms is None:
            return
        # solve fixed + p * scale² = ms with fixed + p = full_ms
        fixed = (ms - self.full_ms * scale * scale) / (1.0 - scale * scale)
        fixed = min(max(fixed, 0.0), self.full_ms)
        self.fixed_ms = fixed if self.fixed_ms is None else 0.7 * self.fixed_ms + 0.3 * fixed

    def predict(self, scale: float) -> float:
        """Predicted cost in ms of a frame at ``scale`` (nan before the first full-size frame)."""
        if self.full_ms is None:
            return math.nan
        fixed = self.full_ms * 0.4 if self.fixed_ms is None else self.fixed_ms
        return fixed + (self.full_ms - fixed) * scale * scale

    def scale(self) -> float:
        """The scale for the next interactive frame: full size when it fits the budget or when no
        reduced scale would save ``min_saving`` of it (stretching costs too: near full size, or
        when vertex work dominates, a smaller frame is only blurrier, not faster)."""
        if self.full_ms is None:
            return self.min_scale  # nothing measured yet: be quick
        if self.full_ms <= self.budget_ms:
            return 1.0
        steps = max(round((1.0 - self.min_scale) / self.step), 0)
        candidates = [round(1.0 - k * self.step, 3) for k in range(1, steps + 1)] or [self.min_scale]
        chosen = next((s for s in candidates if self.predict(s) <= self.budget_ms), candidates[-1])
        return chosen if self.predict(chosen) <= (1.0 - self.min_saving) * self.full_ms else 1.0
