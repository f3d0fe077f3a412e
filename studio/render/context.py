"""Headless OpenGL: a standalone context and an offscreen multisampled target that reads back as a
Pillow image. No window and no Qt.

Which context (:func:`backend_order`): on Linux EGL first (no display needed; Mesa llvmpipe on
machines without a GPU), then GLX when an X display is set (a desktop or Xvfb without EGL drivers);
on Windows WGL and on macOS CGL, moderngl's default standalone backends (glcontext), which need no
visible window either. When none works, :class:`RenderUnavailableError` says what each one said.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import moderngl
import numpy as np
from PIL import Image

from studio.domain.errors import StudioError

_LOCK = threading.RLock()
_state = threading.local()
_context: moderngl.Context | None = None


class RenderUnavailableError(StudioError):
    """No OpenGL 3.3 context could be created (no EGL driver and no display, or no GL driver)."""

    code = "RENDER_UNAVAILABLE"


#: backend -> moderngl's ``backend`` argument (None: glcontext's default for the platform)
_BACKEND_ARGUMENT: dict[str, str | None] = {"egl": "egl", "glx": None, "wgl": None, "cgl": None}
_INSTALL_HINT = {
    "linux": "install Mesa's EGL and GL drivers (Debian/Ubuntu: apt-get install libegl1 libgl1-mesa-dri)",
    "win32": "install or update the graphics driver (OpenGL 3.3 or later)",
    "darwin": "run it on macOS 10.9 or later (OpenGL 3.3 through CGL), not in a VM without graphics",
}
#: the backend the process's contexts were created with ("" until one was)
active_backend = ""


def backend_order(platform: str, display: str | None) -> tuple[str, ...]:
    """The context backends to try, best first, for ``sys.platform`` and the ``DISPLAY`` variable.

    EGL renders without a display, so Linux tries it first; GLX needs an X server (a desktop or
    Xvfb). Windows (WGL) and macOS (CGL) have no EGL: glcontext's default backend is the platform's
    own, and needs no window. Other Unixes are treated like Linux."""
    if platform.startswith("win"):
        return ("wgl",)
    if platform == "darwin":
        return ("cgl",)
    return ("egl", "glx") if display else ("egl",)


@contextmanager
def headless() -> Iterator[moderngl.Context]:
    """The process's standalone context, current in the calling thread for the ``with`` block.

    One context for the whole process (creating one costs 0.03-0.4 s in llvmpipe), used by one
    thread at a time: a GL context is current in at most one thread, so worker threads (exports
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
    """A standalone context owned by the calling thread and left current in it (scripts and
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


def _create(order: tuple[str, ...] | None = None) -> moderngl.Context:
    """A standalone OpenGL 3.3 context from the first backend of ``order`` that works
    (default: :func:`backend_order` for this machine)."""
    global active_backend
    if order is None:
        order = backend_order(sys.platform, os.environ.get("DISPLAY"))
    failures = []
    for backend in order:
        try:
            name = _BACKEND_ARGUMENT[backend]
            # ``backend`` is left out for the default one (moderngl passes None on as a name);
            # the stub types it wrongly (moderngl 5.13 takes the string)
            kwargs: dict[str, Any] = {"backend": name} if name else {}
            ctx = moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as exc:  # moderngl/glcontext raise plain Exception when a backend is missing
            failures.append(f"{backend.upper()}: {exc}")
            continue
        active_backend = backend
        return ctx
    raise RenderUnavailableError(unavailable_message(sys.platform, order, failures))


def unavailable_message(platform: str, order: tuple[str, ...], failures: list[str]) -> str:
    """What :class:`RenderUnavailableError` says: each backend's failure and what to install."""
    key = "win32" if platform.startswith("win") else platform if platform in _INSTALL_HINT else "linux"
    tail = " (GLX was not tried: DISPLAY is not set)" if order == ("egl",) else ""
    tried = "; ".join(failures)
    return f"cannot render: no OpenGL 3.3 context ({tried}){tail}. To fix it, {_INSTALL_HINT[key]}."


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
