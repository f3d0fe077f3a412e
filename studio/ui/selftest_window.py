"""The main window part of ``studio selftest``: open the window on injected services, open the
first wardrobe avatar in the 3D preview, wait for frames, and save a screenshot.

Used by the installer smoke test (packaging/smoke_test.sh) to prove the bundle carries every Qt
plugin and the OpenGL path the preview needs. Everything runs on the main thread (a synchronous
task runner) so the screenshot is taken once the avatar is really on screen.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from studio.domain.errors import StudioError


class SelftestWindowError(StudioError):
    code = "SELFTEST_WINDOW"


def screenshot_main_window(studio: Any, png: Path, *, timeout: float = 20.0) -> dict[str, Any]:
    """Show the main window with the first wardrobe entry open; write ``png``; return facts about
    what was drawn (platform, preview frames, image size, distinct colours)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication, QSurfaceFormat
    from PySide6.QtWidgets import QApplication

    from studio.ui.main_window import MainWindow
    from studio.ui.panes.preview_pane import gl_surface_format
    from studio.ui.tasks import TaskRunner

    if not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise SelftestWindowError(
            "no display: run the self-test under Xvfb (xvfb-run -a studio selftest ...)"
        )
    QSurfaceFormat.setDefaultFormat(gl_surface_format())
    app = QApplication.instance() or QApplication(["avatar-studio-selftest"])
    ini = QSettings(str(Path(studio.settings.config_dir) / "selftest-ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(studio, runner=TaskRunner(synchronous=True), settings=ini)
    try:
        window.resize(1400, 900)
        window.show()
        window.start()
        window.wardrobe.avatars.setCurrentRow(0)
        window.wardrobe.open_selected()
        if window.wardrobe.session is None:
            raise SelftestWindowError(f"the avatar did not open: {window.wardrobe.message.text()}")
        _wait_for_frames(app, window.preview.view, window.preview.status, timeout)
        image = window.grab().toImage()
        if image.isNull() or not image.save(str(png)):
            raise SelftestWindowError(f"could not save the window screenshot to {png}")
        return {
            "platform": QGuiApplication.platformName(),
            "frames": window.preview.view.frames,
            "size": (image.width(), image.height()),
            "colours": _colours(image),
            "status": window.preview.status.text(),
        }
    finally:
        window.undo.setClean()
        window.close()
        window.runner.shutdown()
        window.deleteLater()
        app.processEvents()


def _wait_for_frames(app: Any, view: Any, status: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while view.frames < 2 and time.monotonic() < deadline:
        app.processEvents()
        view.update()
        time.sleep(0.02)
    if view.frames < 1:
        reason = status.text()
        raise SelftestWindowError(f"the 3D preview drew no frame in {timeout:.0f} s ({reason})")


def _colours(image: Any, step: int = 16) -> int:
    """Distinct colours on a coarse grid: a blank or black window has one or two."""
    seen = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    return len(seen)
