"""3D preview: the open avatar drawn live with the shared moderngl renderer (``studio.render``).

``PreviewView`` is a ``QOpenGLWidget``; inside ``initializeGL`` it wraps Qt's context with
``moderngl.create_context()`` and draws into the widget's framebuffer with the same ``Renderer``
the thumbnail service uses, so what the artist sees is what the webp shows. Edits arrive as
:class:`AvatarEdits` changes and become scene overrides (tint, morph weight, bone scale) applied by
the editor service; the renderer re-uploads only what changed. Mouse: left drag orbits, right or
middle drag pans, the wheel zooms, double-click frames the whole body.

Staying smooth in software OpenGL (docs/rendering.md, "Preview performance"):
- a new avatar goes to the GPU in slices, one per event-loop turn (``Renderer.upload_step``):
  geometry first, then one texture per turn, alternating with frames; until its texture arrives a
  material shows the texture's average colour;
- edits are coalesced: however many slider events arrive, the scene is updated once per frame;
- while a slider drags or the camera moves (and while uploading), frames are drawn at a reduced
  scale chosen from measured frame times (``ResolutionGovernor``) and stretched onto the widget;
  ``SETTLE_MS`` after the last event a full-size frame is drawn.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QSurfaceFormat, QWheelEvent
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.domain.errors import StudioError
from studio.render.camera import Camera
from studio.render.scaled import ResolutionGovernor
from studio.services.editor import apply_to_scene
from studio.ui.edits import AvatarEdits

log = logging.getLogger(__name__)
ORBIT_PER_PIXEL = math.radians(0.4)
WHEEL_STEP = 0.9
NO_EXPRESSION = "(neutral)"
#: full-size frame this long after the last drag/orbit/zoom event
SETTLE_MS = 150
#: main-thread time one upload slice may take (a 2048² texture step can take longer on its own)
UPLOAD_BUDGET_S = 0.025
#: an upload slice cheaper than this leaves room to draw a frame in the same event-loop turn
CHEAP_SLICE_S = 0.008
BACKGROUND = (0.16, 0.17, 0.19, 1.0)


def gl_surface_format() -> QSurfaceFormat:
    """OpenGL 3.3 core with depth: what the renderer's shaders need. Set before QApplication."""
    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    fmt.setSamples(0)  # 4x MSAA triples the cost of a frame in llvmpipe; smoothness matters more here
    return fmt


class PreviewView(QOpenGLWidget):
    """Draws ``scene`` with ``camera``. ``gl_failed(str)`` when no usable OpenGL context exists."""

    gl_failed = Signal(str)
    frame_drawn = Signal(float)  # milliseconds the frame took on the main thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 240)
        self.camera = Camera()
        self.scene: Any = None
        self.renderer: Any = None
        self.scaled: Any = None
        self.ctx: Any = None
        self.frames = 0
        self.upload_slices = 0
        self.last_scale = 1.0
        self.governor = ResolutionGovernor()
        #: called at the start of every paint (the pane applies coalesced edits there)
        self.before_paint: Callable[[], None] | None = None
        self._slice_due = True
        self._last: QPointF | None = None
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.update)
        self._more = QTimer(self, singleShot=True, interval=0)  # the next upload slice, next turn
        self._more.timeout.connect(self.update)

    @property
    def interacting(self) -> bool:
        """A drag, orbit or zoom is in progress (or ended less than ``SETTLE_MS`` ago)."""
        return self._settle.isActive()

    @property
    def loading(self) -> bool:
        """Parts of the scene are still on their way to the GPU."""
        return self.scene is not None and (
            self.renderer is None or self.renderer.scene is not self.scene or self.renderer.uploading
        )

    def interact(self) -> None:
        """Something moves under the user's hand: quick reduced-size frames until it settles."""
        self._settle.start()
        self.update()

    # GL ----------------------------------------------------------------------------------------
    def initializeGL(self) -> None:
        import moderngl

        from studio.render.renderer import Renderer
        from studio.render.scaled import ScaledFrame

        try:
            self.ctx = moderngl.create_context()
            self.renderer = Renderer(self.ctx)
            self.scaled = ScaledFrame(self.ctx)
        except Exception as exc:
            log.warning("3D preview unavailable: %s", exc)
            self.ctx = self.renderer = self.scaled = None
            self.gl_failed.emit(f"3D preview unavailable: {exc}")

    def paintGL(self) -> None:
        """One event-loop turn's worth of work: an upload slice or a frame (both when the slice
        was cheap), never more, so the main thread stays responsive."""
        if self.ctx is None or self.renderer is None:
            return
        start = time.perf_counter()
        fbo = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
        if self.scene is None:
            if self.renderer.scene is not None:
                self.renderer.release_scene()
            fbo.use()
            fbo.clear(*BACKGROUND)
            return
        if self.before_paint is not None:
            self.before_paint()
        if self.renderer.scene is not self.scene:
            self.renderer.begin_upload(self.scene)
            self.scaled.release_targets()
            self._slice_due = True
        if self.renderer.uploading and self._slice_due:
            self.renderer.upload_step(UPLOAD_BUDGET_S)
            self.upload_slices += 1
            self._slice_due = False
            if time.perf_counter() - start > CHEAP_SLICE_S and self._show_last(fbo):
                self._more.start()
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
        if scale >= 0.999:
            self.renderer.render(self.camera, fbo)
        else:
            width, height = fbo.viewport[2], fbo.viewport[3]
            target = self.scaled.target((round(width * scale), round(height * scale)))
            self.renderer.render(self.camera, target)
            self.scaled.present(fbo)
        self.ctx.finish()  # the compositor waits for it anyway; finishing here makes the time honest
        if learn:
            self.governor.record(scale, (time.perf_counter() - start) * 1000.0)
        self.last_scale = scale
        self.frames += 1

    def _show_last(self, fbo: Any) -> bool:
        """Re-show the last reduced-size frame (an upload slice took this turn's time)."""
        return bool(self.scaled is not None and self.scaled.present(fbo))

    def set_scene(self, scene: Any) -> None:
        self.scene = scene
        if scene is not None:
            self.camera.frame_scene(scene)
        self.update()

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


class PreviewPane(QWidget):
    """The view plus its controls: expression preview, bones toggle, frame body / face."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Any = None
        self.edits: AvatarEdits | None = None
        self.scene: Any = None
        self._pending = False  # edits arrived that the scene does not show yet
        self.view = PreviewView()
        self.view.before_paint = self.flush_edits
        self._flush = QTimer(self, singleShot=True, interval=0)  # at the latest on the next turn
        self._flush.timeout.connect(self.flush_edits)
        self.expression = QComboBox()
        self.expression.addItem(NO_EXPRESSION)
        self.bones = QCheckBox("Bones")
        self.frame_body = QPushButton("Body")
        self.frame_head = QPushButton("Face")
        self.status = QLabel("Open an avatar in the wardrobe to see it here.")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Expression"))
        bar.addWidget(self.expression, 1)
        bar.addWidget(self.bones)
        bar.addWidget(self.frame_body)
        bar.addWidget(self.frame_head)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.expression.currentTextChanged.connect(self.set_expression)
        self.bones.toggled.connect(self.set_bones_visible)
        self.frame_body.clicked.connect(lambda: self._frame(head=False))
        self.frame_head.clicked.connect(lambda: self._frame(head=True))
        self.view.gl_failed.connect(self.status.setText)

    # Model -> view -----------------------------------------------------------------------------
    def show_avatar(self, session: Any, edits: AvatarEdits) -> None:
        """Show the opened avatar's scene (built on a worker) and follow ``edits`` live."""
        if self.edits is not None:
            self.edits.changed.disconnect(self._edited)
        self.session, self.scene, self.edits = session, session.scene, edits
        self._pending = False
        edits.changed.connect(self._edited)
        self.expression.blockSignals(True)
        self.expression.clear()
        self.expression.addItem(NO_EXPRESSION)
        self.expression.addItems(sorted(self.scene.expressions))
        self.expression.blockSignals(False)
        self._apply()
        self.scene.show_bones(self.bones.isChecked())
        vertices = sum(p.vertex_count for m in self.scene.meshes for p in m.primitives)
        self.status.setText(
            f"{session.entry.name}: {len(self.scene.meshes)} meshes, {vertices:,} vertices. "
            "Drag to orbit, right-drag to pan, wheel to zoom, double-click to frame."
        )
        self.view.set_scene(self.scene)

    def clear(self) -> None:
        self.session = self.scene = None
        self.view.set_scene(None)

    def _apply(self) -> None:
        """Edits -> scene overrides. A value the editor refuses is reported, not raised."""
        assert self.session is not None and self.edits is not None
        try:
            apply_to_scene(
                self.scene, self.session.preview_metadata(self.edits.metadata()), self.session.editor.original
            )
        except StudioError as exc:
            self.status.setText(f"Preview not updated: {exc}")

    def _edited(self, kind: str, key: str) -> None:
        """Coalesced: a drag sends dozens of changes per second, the scene follows once per frame
        (just before painting, or on the next event-loop turn when nothing paints)."""
        if self.scene is None or self.edits is None:
            return
        self._pending = True
        self._flush.start()
        self.view.interact()

    def flush_edits(self) -> None:
        """Bring the scene in line with the latest edits now (no-op when it already is)."""
        if self._pending and self.scene is not None and self.edits is not None:
            self._pending = False
            self._apply()

    # View -> model -----------------------------------------------------------------------------
    def set_expression(self, name: str) -> None:
        if self.scene is None:
            return
        for other in self.scene.expressions:
            self.scene.set_expression(other, 0.0)
        if name and name != NO_EXPRESSION:
            self.scene.set_expression(name, 1.0)
        self.view.update()

    def set_bones_visible(self, visible: bool) -> None:
        if self.scene is not None:
            self.scene.show_bones(visible)
            self.view.update()

    def _frame(self, head: bool) -> None:
        if self.scene is None:
            return
        if head:
            self.view.camera.frame_head(self.scene)
        else:
            self.view.camera.frame_scene(self.scene)
        self.view.update()
