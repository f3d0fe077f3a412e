"""Headless OpenGL: a standalone EGL context (Mesa llvmpipe on machines without a GPU) and an
offscreen multisampled target that reads back as a Pillow image. No display, no X, no Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import moderngl
import numpy as np
from PIL import Image

from studio.domain.errors import StudioError

_LOCK = threading.RLock()
_state = threading.local()
_context: moderngl.Context | None = None


class RenderUnavailableError(StudioError):
    """No OpenGL 3.3 context could be created (no EGL driver installed)."""

    code = "RENDER_UNAVAILABLE"


@contextmanager
def headless() -> Iterator[moderngl.Context]:
    """The process's standalone EGL context, current in the calling thread for the ``with`` block.

    One context for the whole process (creating one costs 0.03-0.4 s in llvmpipe), used by one
    thread at a time: an EGL context is current in at most one thread, so worker threads (exports
    in the app's thread pool) take turns under a lock. Re-entrant within a thread. Afterwards the
    thread's own :func:`headless_context` (if it has one) is current again."""
    with _LOCK:
        depth = getattr(_state, "depth", 0)
        _state.depth = depth + 1
        try:
            if depth:
                yield _shared()
            else:
                ctx = _shared()
                with ctx:  # current here for the block; the exit hands it back
                    yield ctx
        finally:
            _state.depth = depth
            own = getattr(_state, "own", None)
            if not depth and own is not None:
                own.__enter__()  # make the thread's own context current again (never exited)


def headless_context() -> moderngl.Context:
    """A standalone EGL context owned by the calling thread and left current in it (scripts and
    tests that drive a :class:`~studio.render.renderer.Renderer` themselves). Thumbnails use
    :func:`headless` instead, which any thread may enter."""
    own = getattr(_state, "own", None)
    if own is None:
        own = _state.own = _create()
    return own


def _shared() -> moderngl.Context:
    global _context
    if _context is None:
        _context = _create()
        with _context:  # creation made it current in this thread; enter/exit hands it back
            pass
    return _context


def _create() -> moderngl.Context:
    try:
        # the stub types ``backend`` wrongly (moderngl 5.13 takes the string)
        return moderngl.create_standalone_context(backend="egl", require=330)  # type: ignore[arg-type]
    except Exception as exc:  # moderngl raises plain Exception when EGL/GL is missing
        raise RenderUnavailableError(
            f"cannot render without a display: no EGL OpenGL 3.3 driver ({exc}). "
            "Install Mesa's EGL drivers (Debian: libegl1 libgl1-mesa-dri)."
        ) from exc


class OffscreenTarget:
    """A ``size`` framebuffer with 4x MSAA (when the driver offers it) resolved for read-back."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int], samples: int = 4) -> None:
        self.ctx, self.size = ctx, size
        samples = min(samples, ctx.max_samples)
        self._color = ctx.renderbuffer(size, 4, samples=samples)
        self._depth = ctx.depth_renderbuffer(size, samples=samples)
        self.framebuffer = ctx.framebuffer([self._color], self._depth)
        self._resolved_color = ctx.renderbuffer(size, 4)
        self._resolved = ctx.framebuffer([self._resolved_color])

    def read(self) -> Image.Image:
        """The rendered picture, top row first, RGBA."""
        self.ctx.copy_framebuffer(self._resolved, self.framebuffer)
        raw = self._resolved.read(components=4, alignment=1)
        pixels = np.frombuffer(raw, dtype=np.uint8).reshape(self.size[1], self.size[0], 4)
        return Image.fromarray(np.ascontiguousarray(pixels[::-1]), "RGBA")

    def release(self) -> None:
        for obj in (self.framebuffer, self._resolved, self._color, self._depth, self._resolved_color):
            obj.release()
