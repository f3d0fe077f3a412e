"""Small widgets and helpers shared by the panes."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QWidget,
)

from studio.ui.messages import friendly


def plain_message(error: BaseException) -> str:
    """What the user reads for a failure, in plain words (``studio.ui.messages.friendly``):
    our own message, a bad file explained (its technical code kept at the end), or a short note
    for a bug."""
    return friendly(error).line


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of demanding room for all of it
    (its minimum width is small; the whole text is in the tooltip)."""

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("…") * 3, super().minimumSizeHint().height())

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        elided = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment()), elided)


class ErrorLabel(QLabel):
    """A message that says something went wrong and reads as such: dark red on a pale red
    ground with a warning sign (empty text: nothing shows)."""

    STYLE = (
        "color: #8b0000; background: #fbe3e4; border: 1px solid #d9534f; border-radius: 4px; padding: 4px;"
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def setText(self, text: str) -> None:
        self.setStyleSheet(f"QLabel#error {{ {self.STYLE} }}" if text else "")
        super().setText(f"⚠ {text}" if text else "")
        self.setVisible(bool(text))


def scrolling(widget: QWidget, min_width: int = 0) -> QScrollArea:
    """``widget`` in a frameless scroll area: a dock holding it can be narrower or shorter than
    the widget's own minimum (scroll bars appear) instead of overlapping its neighbours."""
    area = QScrollArea()
    area.setObjectName(f"scroll-{widget.objectName() or type(widget).__name__}")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    area.setMinimumWidth(min_width)
    return area


def image_from_bytes(data: bytes, size: int | None = None) -> QImage:
    """Decode image bytes (PNG/JPEG/WebP); safe on a worker thread (QImage, not QPixmap)."""
    image = QImage.fromData(data)
    if size is not None and not image.isNull():
        image = image.scaled(
            size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return image


def pixmap_from_bytes(data: bytes, size: int) -> QPixmap:
    return QPixmap.fromImage(image_from_bytes(data, size))


class ProgressStrip(QWidget):
    """A progress bar, a status line and a Cancel button for one background task."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(12)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.idle()

    def busy(self, message: str = "") -> None:
        self.bar.setRange(0, 0)
        self.bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.label.setText(message)

    def report(self, fraction: float | None, message: str) -> None:
        if fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message:
            self.label.setText(message)

    def idle(self, message: str = "") -> None:
        self.bar.hide()
        self.cancel_button.hide()
        self.label.setText(message)


class Banner(QFrame):
    """A coloured message strip laid *over* the bottom of its parent (not in its layout, so
    nothing moves when it appears). Closes with its × button or by itself after ``timeout_ms``.
    The technical details, when there are any, are in its tooltip."""

    STYLE: ClassVar[dict[str, str]] = {
        "error": "background: #fbe3e4; color: #6b1010; border: 1px solid #d9534f; border-radius: 4px;",
        "info": "background: #e3effb; color: #10306b; border: 1px solid #4a90d9; border-radius: 4px;",
    }

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.kind = "info"
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet("border: none; background: transparent;")
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Close this message")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        parent.installEventFilter(self)
        self.hide()

    def show_message(
        self, text: str, *, details: str = "", kind: str = "error", timeout_ms: int = 15000
    ) -> None:
        self.kind = kind
        self.setStyleSheet(f"#banner {{{self.STYLE.get(kind, self.STYLE['info'])}}}")
        self.label.setText(text)
        self.setToolTip(f"Details: {details}" if details else "")
        self._place()
        self.show()
        self.raise_()
        if timeout_ms:
            self._timer.start(timeout_ms)

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def _place(self) -> None:
        parent = self.parentWidget()
        assert parent is not None
        width = max(120, parent.width() - 16)
        self.setFixedWidth(width)
        # as tall as the wrapped text needs at this width (adjustSize asks the label's unwrapped
        # size hint: a message of several lines was cut at the top and bottom)
        layout = self.layout()
        assert layout is not None
        self.setFixedHeight(max(layout.totalHeightForWidth(width), layout.totalMinimumSize().height()))
        self.move(8, max(0, parent.height() - self.height() - 8))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


def banner_over(widget: QWidget) -> Banner:
    """``widget``'s banner (one per widget, made on first use and reused)."""
    banner = widget.findChild(Banner, "banner", Qt.FindChildOption.FindDirectChildrenOnly)
    return banner if banner is not None else Banner(widget)


def show_error_banner(widget: QWidget, error: BaseException, *, timeout_ms: int = 15000) -> Banner:
    """Show ``error`` in plain words on a banner over ``widget``."""
    banner = banner_over(widget)
    message = friendly(error)
    banner.show_message(message.text, details=message.details, timeout_ms=timeout_ms)
    return banner


def clear_error_banner(widget: QWidget) -> None:
    """A step succeeded: an error banner still up over ``widget`` is out of date, so it goes."""
    banner = widget.findChild(Banner, "banner", Qt.FindChildOption.FindDirectChildrenOnly)
    if banner is not None and not banner.isHidden() and banner.kind == "error":
        banner.hide()
