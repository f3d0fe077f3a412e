"""``studio`` with no arguments: open the desktop app on the embedded default.

The embedded default needs no server and no key: a local SQLite store and blob folder under the
user data dir (``STUDIO_HOME`` relocates them) and the default prebuilts, which work offline.
The first run (no identity yet) starts the onboarding wizard of seed 000.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from studio.domain.errors import StudioError

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow


def launch(argv: Sequence[str] | None = None, files: Sequence[str] = ()) -> int:
    """Open the app; ``files`` (``avatar-studio a.vrm`` from a file manager's "Open with", the
    desktop entry's ``%F``) are added to the wardrobe once someone is signed in."""
    from PySide6.QtGui import QSurfaceFormat
    from PySide6.QtWidgets import QApplication, QMessageBox

    from studio.app import open_studio
    from studio.secrets import install_redaction
    from studio.ui.main_window import MainWindow
    from studio.ui.panes.preview_pane import gl_surface_format

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    install_redaction()
    QSurfaceFormat.setDefaultFormat(gl_surface_format())  # before the QApplication exists
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Avatar Studio")
    app.setOrganizationName("avatar-studio")
    try:
        studio = open_studio()
    except StudioError as exc:
        QMessageBox.critical(None, "Avatar Studio", f"The studio cannot start: {exc}")
        return 1
    window = MainWindow(studio)
    window.show()
    if not window.has_identity():
        from studio.ui.onboarding import OnboardingWizard

        wizard = OnboardingWizard(window)
        wizard.finished.connect(lambda _result: open_files(window, files))
        wizard.open()
    else:
        open_files(window, files)
    window.start()
    return int(app.exec())


def open_files(window: MainWindow, files: Sequence[str]) -> None:
    """Add each avatar file to the wardrobe (validated; a refused file says why on the wardrobe's
    banner, the others still come in). Nothing happens without an identity (onboarding cancelled)."""
    pending = [Path(name) for name in files]
    if not window.has_identity() or not pending:
        return

    def next_file(_name: str = "") -> None:  # one at a time: the wardrobe runs one step at once
        if window.wardrobe.task is not None:
            return  # busy: called again when that task ends
        if not pending:
            window.runner.finished.disconnect(next_file)
            return
        window.wardrobe.add_from_file(pending.pop(0))

    window.runner.finished.connect(next_file)
    next_file()
