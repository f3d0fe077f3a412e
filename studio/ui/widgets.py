"""Small widgets and helpers shared by the panes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from studio.domain.errors import CancelledError, StudioError


def plain_message(error: BaseException) -> str:
    """What the user reads for a failure: our own message, or a short note for a bug."""
    if isinstance(error, CancelledError):
        return "Cancelled."
    if isinstance(error, StudioError):
        return str(error)
    return f"Something went wrong inside the studio ({type(error).__name__}); details are in the log."


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
