"""``studio`` with no arguments: open the desktop app on the embedded default.

The embedded default needs no server and no key: a local SQLite store and blob folder under the
user data dir (``STUDIO_HOME`` relocates them) and the default prebuilts, which work offline.
The first run (no identity yet) starts the onboarding wizard of seed 000.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from studio.domain.errors import StudioError


def launch(argv: Sequence[str] | None = None) -> int:
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
        wizard.open()
    window.start()
    return int(app.exec())
