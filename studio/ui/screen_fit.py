"""Windows that fit the screen they open on (QA3 F21: a 1024×700 screen)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_on_screen(window: QWidget) -> None:
    """Keep ``window`` inside its screen's free area (no panel, no taskbar): a first window on a
    small screen, or a remembered geometry from a larger monitor, shrinks and moves into view."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    free = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.size()  # title bar and borders, when known
    width = max(min(window.width(), free.width() - frame.width()), window.minimumWidth())
    height = max(min(window.height(), free.height() - frame.height()), window.minimumHeight())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    x = min(max(window.x(), free.left()), max(free.left(), free.right() + 1 - width - frame.width()))
    y = min(max(window.y(), free.top()), max(free.top(), free.bottom() + 1 - height - frame.height()))
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)
