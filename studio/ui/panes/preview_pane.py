"""3D preview: the open avatar drawn live with the shared moderngl renderer (``studio.render``).

``PreviewView`` is a ``QOpenGLWidget``; inside ``initializeGL`` it wraps Qt's context with
``moderngl.create_context()`` and draws into the widget's framebuffer with the same ``Renderer``
the thumbnail service uses, so what the artist sees is what the webp shows. Edits arrive as
:class:`AvatarEdits` changes and become scene overrides (tint, morph weight, bone scale) applied by
the editor service; the renderer re-uploads only what changed, so a slider drag stays smooth on
the heavy avatar. Mouse: left drag orbits, right or middle drag pans, the wheel zooms,
double-click frames the whole body.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QSurfaceFormat, QWheelEvent
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.render.camera import Camera
from studio.services.editor import apply_to_scene
from studio.ui.edits import AvatarEdits

log = logging.getLogger(__name__)
ORBIT_PER_PIXEL = math.radians(0.4)
WHEEL_STEP = 0.9
NO_EXPRESSION = "(neutral)"


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
        self.ctx: Any = None
        self.frames = 0
        self._uploaded: Any = None
        self._last: QPointF | None = None

    # GL ----------------------------------------------------------------------------------------
    def initializeGL(self) -> None:
        import moderngl

        from studio.render.renderer import Renderer

        try:
            self.ctx = moderngl.create_context()
            self.renderer = Renderer(self.ctx)
        except Exception as exc:
            log.warning("3D preview unavailable: %s", exc)
            self.ctx = self.renderer = None
            self.gl_failed.emit(f"3D preview unavailable: {exc}")

    def paintGL(self) -> None:
        if self.ctx is None or self.renderer is None:
            return
        start = time.perf_counter()
        fbo = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
        if self.scene is None:
            fbo.use()
            fbo.clear(0.16, 0.17, 0.19, 1.0)
            return
        if self._uploaded is not self.scene:
            self.renderer.upload(self.scene)
            self._uploaded = self.scene
        else:
            self.renderer.update(self.scene)
        self.renderer.render(self.camera, fbo)
        self.frames += 1
        self.frame_drawn.emit((time.perf_counter() - start) * 1000.0)

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
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.camera.zoom(WHEEL_STEP**steps)
            self.update()

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
        self.view = PreviewView()
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
        assert self.session is not None and self.edits is not None
        apply_to_scene(
            self.scene, self.session.preview_metadata(self.edits.metadata()), self.session.editor.original
        )

    def _edited(self, kind: str, key: str) -> None:
        if self.scene is None or self.edits is None:
            return
        self._apply()
        self.view.update()

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
