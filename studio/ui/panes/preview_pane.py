"""3D preview pane: the open avatar drawn live with the shared moderngl renderer, plus its
controls (expression preview, bones toggle, frame body / face).

The drawing surface is :class:`~studio.ui.panes.preview_view.PreviewView` (a native OpenGL window,
see there for why and for what keeps it smooth in software OpenGL). Edits arrive as
:class:`AvatarEdits` changes and become scene overrides (tint, morph weight, bone scale) applied by
the editor service (~2 ms on the heavy avatar, numbers in numpy arrays). A slider drag sends
events faster than the preview draws, so they are coalesced: an edit only marks the scene stale and
asks for a frame; the view calls :meth:`PreviewPane.flush` before drawing it, which applies what
changed since the last frame once, with the latest values (when no frame can come, under an
offscreen platform or without OpenGL, a zero-timer flushes on the next event-loop turn instead).
The view draws at most one frame per event-loop turn, at reduced size while edits keep coming
(``PreviewView.interact``). Undo is not involved: every event still reaches :class:`AvatarEdits`
and merges into the drag's one undo step.
"""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.domain.errors import StudioError
from studio.services.editor import apply_to_scene
from studio.ui.edits import AvatarEdits
from studio.ui.panes.preview_view import PreviewHost, PreviewView, gl_surface_format
from studio.ui.widgets import ElidedLabel

__all__ = ["PreviewPane", "PreviewView", "gl_surface_format"]
NO_EXPRESSION = "(neutral)"
TITLE = "3D preview"


class PreviewPane(QWidget):
    """The view plus its controls: expression preview, bones toggle, frame body / face."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Any = None
        self.edits: AvatarEdits | None = None
        self.scene: Any = None
        self._applied: dict[str, Any] | None = None  # the preview metadata last laid over the scene
        self._stale = False  # edits arrived that the scene does not show yet
        #: times edits were laid over the scene (the drag coalescing is measured by it)
        self.applies = 0
        background = self.palette().window().color()
        self.host = PreviewHost((background.redF(), background.greenF(), background.blueF()))
        self.view: PreviewView = self.host.view
        self.title = ElidedLabel(TITLE)
        self.title.setObjectName("previewTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.expression = QComboBox()
        self.expression.addItem(NO_EXPRESSION)
        self.expression.setToolTip("Expression: preview one of the avatar's expressions")
        # A narrow pane squeezes the combo box (long names are elided), never the buttons off-screen.
        self.expression.setMinimumContentsLength(6)
        self.expression.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.expression.setMaximumWidth(220)
        self.bones = QCheckBox("Bones")
        self.bones.setToolTip("Show the skeleton")
        self.frame_body, self.frame_head = QToolButton(), QToolButton()
        for button, text, tip in ((self.frame_body, "Body", "whole body"), (self.frame_head, "Face", "face")):
            button.setText(text)
            button.setToolTip(f"Frame the {tip}")
        self.status = QLabel("Open an avatar in the wardrobe to see it here.")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._layout()
        self.expression.currentTextChanged.connect(self.set_expression)
        self.bones.toggled.connect(self.set_bones_visible)
        self.frame_body.clicked.connect(lambda: self._frame(head=False))
        self.frame_head.clicked.connect(lambda: self._frame(head=True))
        self.view.gl_failed.connect(self.status.setText)
        self.view.before_frame = self.flush
        self._catch_up = QTimer(self, singleShot=True, interval=0)  # when no frame will come
        self._catch_up.timeout.connect(self.flush)

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.title, 2)
        bar.addWidget(self.expression, 1)
        bar.addWidget(self.bones)
        bar.addWidget(self.frame_body)
        bar.addWidget(self.frame_head)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(bar)
        layout.addWidget(self.host, 1)
        layout.addWidget(self.status)

    def set_title(self, name: str | None) -> None:
        """``3D preview — <avatar name>`` above the view (``None``: no avatar open)."""
        self.title.setText(f"{TITLE} — {name}" if name else TITLE)

    # Model -> view -----------------------------------------------------------------------------
    def show_avatar(self, session: Any, edits: AvatarEdits) -> None:
        """Show the opened avatar's scene (built on a worker) and follow ``edits`` live.

        The same ``session`` again means its scene was rebuilt (hair or clothing changed): the
        camera and the chosen expression stay as the user left them. Another avatar is framed
        afresh and starts neutral."""
        same = session is self.session
        expression = self.expression.currentText() if same else NO_EXPRESSION
        # The load created hundreds of thousands of long-lived objects (the glTF JSON of a 50 MB
        # avatar, twice); the next full cyclic collection would walk them all on the GUI thread
        # (measured: 149 ms on the first slider move). Frozen objects are still freed by reference
        # counting when the avatar is closed; only the cyclic collector skips them.
        gc.freeze()
        if self.edits is not None:
            self.edits.changed.disconnect(self._edited)
        self.session, self.scene, self.edits = session, session.scene, edits
        edits.changed.connect(self._edited)
        self.expression.blockSignals(True)
        self.expression.clear()
        self.expression.addItem(NO_EXPRESSION)
        # a VRM "neutral" expression is the rest face: one "(neutral)" entry stands for both
        self.expression.addItems(sorted(e for e in self.scene.expressions if e.lower() != "neutral"))
        if expression in self.scene.expressions:
            self.expression.setCurrentText(expression)
            self.scene.set_expression(expression, 1.0)
        self.expression.blockSignals(False)
        self._apply(full=True)
        self.scene.show_bones(self.bones.isChecked())
        drawn = [self.scene.meshes[i] for i in {n.mesh for n in self.scene.nodes if n.mesh is not None}]
        vertices = sum(p.vertex_count for m in drawn for p in m.primitives)  # not swapped-out meshes
        self.status.setText(
            f"{session.entry.name}: {len(drawn)} meshes, {vertices:,} vertices. "
            "Drag to orbit, right-drag to pan, wheel to zoom, double-click to frame."
        )
        self.set_title(session.entry.name)
        self.view.set_scene(self.scene, reframe=not same)

    def clear(self) -> None:
        self._stale = False
        self.session = self.scene = self._applied = None
        self.set_title(None)
        self.view.set_scene(None)

    def _apply(self, *, full: bool = False) -> None:
        """Edits -> scene overrides. A value the editor refuses is reported, not raised.

        Only what changed since the last call is handed over (``full`` on a new scene): mapping
        every slider of the heavy avatar to its targets took ~8 ms per slider event on a loaded
        machine, one slider takes a fraction of that. Overrides only ever set values, so applying
        the changed ones gives the same scene as applying all."""
        assert self.session is not None and self.edits is not None
        self._stale = False
        self.applies += 1
        metadata = self.session.preview_metadata(self.edits.metadata())
        changes = metadata if full or self._applied is None else changed_entries(self._applied, metadata)
        self._applied = None  # a failure part way: the next call applies everything again
        try:
            apply_to_scene(self.scene, changes, self.session.editor.original)
        except StudioError as exc:
            self.status.setText(f"Preview not updated: {exc}")
            return
        self._applied = metadata

    def _edited(self, kind: str, key: str) -> None:
        """An edit: the next frame shows it (see the module docstring); nothing is applied here."""
        if self.scene is None or self.edits is None:
            return
        self._stale = True
        self.view.interact()
        if not self.view.will_draw():
            self._catch_up.start()

    @property
    def stale(self) -> bool:
        """Edits arrived that the scene does not show yet (the next frame applies them)."""
        return self._stale

    def flush(self) -> None:
        """Lay the edits made since the last frame over the scene: once, with the latest values."""
        if self._stale and self.scene is not None and self.edits is not None:
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


def changed_entries(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with its dict sections (tints, morphs, bones) cut down to the entries that differ
    from ``old``; other top-level values (the avatar type, a supermesh's base) are kept as context."""
    out: dict[str, Any] = {}
    for key, value in new.items():
        if isinstance(value, dict):
            before = old.get(key)
            before = before if isinstance(before, dict) else {}
            out[key] = {k: v for k, v in value.items() if k not in before or before[k] != v}
        else:
            out[key] = value
    return out
