"""The 3D preview's drawing surface: a native OpenGL window embedded in the pane.

Why a ``QWindow`` and not a ``QOpenGLWidget``: a ``QOpenGLWidget`` makes Qt compose the whole
top-level window through OpenGL on every frame (backing store texture, full-window quad, swap of
1600x1000 pixels); in llvmpipe that alone cost ~16 ms of CPU per frame, measured with a frame that
only clears (37 fps). A native GL window in ``QWidget.createWindowContainer`` swaps only its own
pixels (~5 ms, 140 fps); the rest of the window repaints only what changed. ``QOpenGLWindow`` was
not used because it crashes under ``QT_QPA_PLATFORM=offscreen`` when no context can be made; here
the context is created by hand and a failure becomes ``gl_failed(message)``.

``PreviewView`` wraps Qt's context with ``moderngl.create_context()`` and draws with the same
``Renderer`` the thumbnails use. What keeps it smooth in software OpenGL (docs/rendering.md,
"Preview performance"):
- a new avatar goes to the GPU in slices, one per event-loop turn (``Renderer.upload_step``):
  geometry first, then one texture step per turn, alternating with frames;
- one frame per event-loop turn at most (``requestUpdate`` coalesces), drawn with the latest
  edits: a burst of slider events costs one ``Renderer.update`` and one frame; the pane lays
  the edits over the scene in ``before_frame``, once per frame, not once per event;
- while something moves (``interact()``: slider drags, orbit, zoom, pan) and while uploading,
  frames are drawn at a reduced scale chosen by ``ResolutionGovernor`` and stretched onto the
  window; ``SETTLE_MS`` after the last event a full-size frame follows.
Mouse: left drag orbits, right or middle drag pans, the wheel zooms, double-click frames the body.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QExposeEvent,
    QImage,
    QMouseEvent,
    QOpenGLContext,
    QPainter,
    QPaintEvent,
    QPlatformSurfaceEvent,
    QResizeEvent,
    QSurface,
    QSurfaceFormat,
    QWheelEvent,
    QWindow,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from studio.render.camera import Camera
from studio.render.scaled import ResolutionGovernor

log = logging.getLogger(__name__)
ORBIT_PER_PIXEL = math.radians(0.4)
WHEEL_STEP = 0.9
#: full-size frame this long after the last drag/orbit/zoom event
SETTLE_MS = 150
#: main-thread time one upload slice may take (a 2048² texture step can take longer on its own)
UPLOAD_BUDGET_S = 0.025
#: an upload slice cheaper than this leaves room to draw a frame in the same event-loop turn
CHEAP_SLICE_S = 0.008


def gl_surface_format() -> QSurfaceFormat:
    """OpenGL 3.3 core with depth: what the renderer's shaders need. Set before QApplication."""
    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    fmt.setSamples(0)  # 4x MSAA triples the cost of a frame in llvmpipe; smoothness matters more here
    return fmt


class PreviewView(QWindow):
    """Draws ``scene`` with ``camera``. ``gl_failed(str)`` when no usable OpenGL context exists."""

    gl_failed = Signal(str)
    frame_drawn = Signal(float)  # milliseconds the frame took on the main thread

    def __init__(
        self, background: tuple[float, float, float] = (0.94, 0.94, 0.94), parent: QWindow | None = None
    ) -> None:
        super().__init__(parent)
        self.setSurfaceType(QSurface.SurfaceType.OpenGLSurface)
        self.setFormat(gl_surface_format())
        self.setFlag(Qt.WindowType.WindowDoesNotAcceptFocus)  # keyboard shortcuts stay with the app
        self.camera = Camera()
        self.background = (*background, 1.0)
        self.scene: Any = None
        self.renderer: Any = None
        self.scaled: Any = None
        self.ctx: Any = None
        self.frames = 0
        self.upload_slices = 0
        self.last_scale = 1.0
        self.governor = ResolutionGovernor()
        self._context: QOpenGLContext | None = None
        self._failed = False
        self._slice_due = True
        self._last: QPointF | None = None
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.update)
        self._more = QTimer(self, singleShot=True, interval=0)  # the next upload slice, next turn
        self._more.timeout.connect(self.update)
        self.warmed = False
        self._warm = QTimer(self, singleShot=True, interval=0)
        self._warm.timeout.connect(self.warm_up)
        #: called first thing for every frame (and screenshot): the pane brings the scene up to
        #: date there, so edits arriving faster than frames are applied once per frame
        self.before_frame: Callable[[], None] | None = None

    def will_draw(self) -> bool:
        """A frame asked for now will come: the window is on screen and OpenGL has not failed."""
        return self.isExposed() and not self._failed

    @property
    def interacting(self) -> bool:
        """A drag, orbit or zoom is in progress (or ended less than ``SETTLE_MS`` ago)."""
        return self._settle.isActive()

    @property
    def loading(self) -> bool:
        """Parts of the scene are still on their way to the GPU."""
        if self.scene is None or self._failed:
            return False
        return self.renderer is None or self.renderer.scene is not self.scene or self.renderer.uploading

    def interact(self) -> None:
        """Something moves under the user's hand: quick reduced-size frames until it settles."""
        self._settle.start()
        self.update()

    def update(self) -> None:
        """Ask for a frame; any number of calls within one event-loop turn give one frame."""
        self.requestUpdate()

    def set_scene(self, scene: Any, *, reframe: bool = True) -> None:
        """Draw ``scene`` from now on; ``reframe`` False keeps the camera where the user put it
        (the same avatar's scene rebuilt wearing other items)."""
        self.scene = scene
        if scene is not None and reframe:
            self.camera.frame_scene(scene)
        self.update()

    # Qt plumbing -------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:
            self._frame()
            return True
        if (
            isinstance(event, QPlatformSurfaceEvent)
            and event.surfaceEventType() == QPlatformSurfaceEvent.SurfaceEventType.SurfaceAboutToBeDestroyed
        ):
            self.release_gl()  # GL objects must go while their context and surface still exist
        return super().event(event)

    def release_gl(self) -> None:
        """Free every GPU resource and the context: the native surface is going away (the window
        closes, or its dock is floated or docked again). The next expose starts afresh and uploads
        the scene again."""
        if self._context is not None and self._context.makeCurrent(self):
            for owner in (self.scaled, self.renderer):
                if owner is not None:
                    owner.release()
            if self.ctx is not None:
                self.ctx.release()
            self._context.doneCurrent()
        if self._context is not None:
            self._context.deleteLater()
        self.ctx = self.renderer = self.scaled = None
        self._context = None

    def exposeEvent(self, event: QExposeEvent) -> None:
        if self.isExposed():
            self._frame()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The expose that follows a resize can draw into the old-size buffer (Xvfb + llvmpipe),
        # leaving stale screen content in the grown part: one more frame once the size has landed.
        self.update()

    def _frame(self) -> None:
        if self.before_frame is not None:
            self.before_frame()
        if not self.isExposed() or not self._make_current():
            return
        assert self._context is not None
        self.paintGL()
        self._context.swapBuffers(self)
        self._context.doneCurrent()  # a context left current outlives its window at exit: a crash

    def _make_current(self) -> bool:
        if self._failed:
            return False
        if self._context is not None:
            return bool(self._context.makeCurrent(self))
        context = QOpenGLContext(self)
        context.setFormat(self.requestedFormat())
        if not context.create() or not context.makeCurrent(self):
            return self._fail("this display offers no OpenGL 3.3 context")
        self._context = context
        try:
            self.initializeGL()
        except Exception as exc:  # moderngl raises plain Exception for a driver it cannot use
            return self._fail(str(exc))
        return True

    def _fail(self, reason: str) -> bool:
        log.warning("3D preview unavailable: %s", reason)
        self._failed = True
        self.ctx = self.renderer = self.scaled = None
        self.gl_failed.emit(f"3D preview unavailable: {reason}")
        return False

    def initializeGL(self) -> None:
        import moderngl

        from studio.render.renderer import Renderer
        from studio.render.scaled import ScaledFrame

        self.ctx = moderngl.create_context()
        self.renderer = Renderer(self.ctx)
        self.renderer.background = self.background
        self.scaled = ScaledFrame(self.ctx)
        self._warm.start()  # next event-loop turn: this one already compiled the programs

    def warm_up(self) -> bool:
        """Compile llvmpipe's shader variants by drawing a tiny scene, full size and reduced, so
        the first avatar's first frames do not pay for it (``studio.render.warmup``). Only before
        any avatar is shown; True if it ran."""
        if self.scene is not None or self.renderer is None or self.renderer.scene is not None:
            return False
        if not self.isExposed() or not self._make_current():
            return False
        from studio.render.warmup import warm_up

        assert self._context is not None
        fbo = self.ctx.detect_framebuffer(self._context.defaultFramebufferObject())
        fbo.viewport = (0, 0, *self.pixel_size())
        warm_up(self.renderer, fbo)
        warm_up(self.renderer, self.scaled.target((64, 64)))
        self.scaled.present(fbo)
        self.scaled.release_targets()
        fbo.clear(*self.background)
        self.ctx.finish()
        self._context.doneCurrent()
        self.warmed = True
        return True

    def pixel_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatio()
        return max(round(self.width() * ratio), 1), max(round(self.height() * ratio), 1)

    # Drawing -----------------------------------------------------------------------------------
    def paintGL(self) -> None:
        """One event-loop turn's worth of work: an upload slice or a frame (both when the slice
        was cheap), never more, so the main thread stays responsive."""
        start = time.perf_counter()
        assert self._context is not None
        fbo = self.ctx.detect_framebuffer(self._context.defaultFramebufferObject())
        fbo.viewport = (0, 0, *self.pixel_size())
        if self.scene is None:
            if self.renderer.scene is not None:
                self.renderer.release_scene()
            fbo.use()
            # the whole window: the detected framebuffer keeps the size it had when first seen,
            # so a plain clear() after the window grew left old pixels in the new area
            fbo.clear(*self.background, viewport=(0, 0, *self.pixel_size()))
            return
        if self.renderer.scene is not self.scene:
            self.renderer.begin_upload(self.scene)
            self.scaled.release_targets()
            self.governor = ResolutionGovernor(budget_ms=self.governor.budget_ms)  # a new scene's costs
            self._slice_due = True
        if self.renderer.uploading and self._slice_due:
            self.renderer.upload_step(UPLOAD_BUDGET_S)
            self.upload_slices += 1
            self._slice_due = False
            if time.perf_counter() - start > CHEAP_SLICE_S and self.scaled.present(fbo):
                self._more.start()  # this turn went to the upload; show the last frame again
                return
        else:
            self._slice_due = True
        loading = self.renderer.uploading
        if loading:
            self._more.start()
        self._draw_frame(fbo, learn=not loading)
        self.frame_drawn.emit((time.perf_counter() - start) * 1000.0)

    def _draw_frame(self, fbo: Any, *, learn: bool) -> None:
        self.renderer.update(self.scene)
        scale = self.governor.scale() if (self.interacting or self.renderer.uploading) else 1.0
        start = time.perf_counter()
        if scale >= 0.999 and not self.renderer.uploading:
            self.renderer.render(self.camera, fbo)
        else:  # while uploading always through the target: upload turns show that frame again
            width, height = fbo.viewport[2], fbo.viewport[3]
            target = self.scaled.target((round(width * scale), round(height * scale)))
            self.renderer.render(self.camera, target)
            self.scaled.present(fbo)
        self.ctx.finish()  # the swap waits for it anyway; finishing here makes the time honest
        if learn:
            self.governor.record(scale, (time.perf_counter() - start) * 1000.0)
        self.last_scale = scale
        self.frames += 1

    def grabFramebuffer(self, scale: float = 1.0) -> QImage:
        """The finished picture, drawn now at ``scale`` (1: full size; 0.5: what a drag on a slow
        machine shows), for screenshots. A pending upload is completed first (a few hundred ms for
        a heavy avatar); a null image when there is nothing to draw or no OpenGL."""
        if self.before_frame is not None:
            self.before_frame()
        if self.scene is None or not self.isExposed() or not self._make_current():
            return QImage()
        assert self._context is not None
        fbo = self.ctx.detect_framebuffer(self._context.defaultFramebufferObject())
        width, height = self.pixel_size()
        fbo.viewport = (0, 0, width, height)
        if self.renderer.scene is not self.scene:
            self.renderer.begin_upload(self.scene)
        self.renderer.upload_step(None)
        self.renderer.update(self.scene)
        if scale >= 0.999:
            self.renderer.render(self.camera, fbo)
        else:
            target = self.scaled.target((round(width * scale), round(height * scale)))
            self.renderer.render(self.camera, target)
            self.scaled.present(fbo)
        raw = fbo.read(viewport=(0, 0, width, height), components=4, alignment=1)
        self._context.swapBuffers(self)
        self._context.doneCurrent()
        pixels = np.ascontiguousarray(np.frombuffer(raw, np.uint8).reshape(height, width, 4)[::-1])
        pixels[..., 3] = 255
        return QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()

    # Mouse (view -> camera) --------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._last = event.position()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._last = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is None:
            return
        delta = event.position() - self._last
        self._last = event.position()
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.camera.orbit(-delta.x() * ORBIT_PER_PIXEL, delta.y() * ORBIT_PER_PIXEL)
        elif event.buttons() & (Qt.MouseButton.RightButton | Qt.MouseButton.MiddleButton):
            height = max(self.height(), 1)
            self.camera.pan(delta.x() / height, -delta.y() / height)
        self.interact()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.camera.zoom(WHEEL_STEP**steps)
            self.interact()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.scene is not None:
            self.camera.frame_scene(self.scene)
            self.update()


class PreviewHost(QWidget):
    """The pane's place for the view: a window container, plus a stand-in picture painted
    underneath it. On screen the native window covers the stand-in; ``QWidget.grab()`` (window
    screenshots) cannot see native windows, so there the stand-in is what shows."""

    def __init__(self, background: tuple[float, float, float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 240)
        # The container owns (and deletes) the window, but PySide does not record that: a view
        # made without a parent would be deleted a second time by Python (a crash at exit). Made
        # under a stand-in parent, the view belongs to C++ and the container takes it over.
        stand_in = QWindow()
        self.view = PreviewView(background, parent=stand_in)
        self.container = QWidget.createWindowContainer(self.view, self)
        assert self.view.parent() is not stand_in
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.container)

    def paintEvent(self, event: QPaintEvent) -> None:
        image = self.view.grabFramebuffer() if self.view.scene is not None else QImage()
        if not image.isNull():
            QPainter(self).drawImage(self.rect(), image)
