"""``studio`` with no arguments: open the desktop app on the embedded default.

The embedded default needs no server and no key: a local SQLite store and blob folder under the
user data dir (``STUDIO_HOME`` relocates them) and the default prebuilts, which work offline.
The first run (no identity yet) starts the onboarding wizard of seed 000.

One window per data folder (``studio.ui.single_instance``): ``studio a.vrm`` while the studio is
open hands the file to the open window, which adds it and comes to the front.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.domain.errors import CancelledError, StudioError
from studio.gltf.limits import AVATAR_SUFFIXES

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow
    from studio.ui.single_instance import InstanceServer
    from studio.ui.tasks import TaskContext

REFUSALS_SHOWN_MS = 10 * 60_000  # a list to read: it stays (or until closed with ×)
OPEN_TRIES = 3  # list reloads to wait for a file just added before giving up opening it


def launch(argv: Sequence[str] | None = None, files: Sequence[str] = ()) -> int:
    """Open the app; ``files`` (``avatar-studio a.vrm`` from a file manager's "Open with", the
    desktop entry's ``%F``) are added to the wardrobe once someone is signed in. When a studio is
    already open on the same data folder, the files go to it and this process ends (exit 0)."""
    from PySide6.QtGui import QSurfaceFormat
    from PySide6.QtWidgets import QApplication, QMessageBox

    from studio.app import open_studio
    from studio.secrets import install_redaction
    from studio.ui.main_window import MainWindow
    from studio.ui.panes.preview_pane import gl_surface_format
    from studio.ui.single_instance import NotAnsweringError, claim, server_name

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    install_redaction()
    QSurfaceFormat.setDefaultFormat(gl_surface_format())  # before the QApplication exists
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Avatar Studio")
    app.setOrganizationName("avatar-studio")
    try:
        studio = open_studio()
        server = claim(server_name(studio.settings.data_dir), files)
    except (StudioError, NotAnsweringError) as exc:
        QMessageBox.critical(None, "Avatar Studio", f"The studio cannot start: {exc}")
        return 1
    if server is None:
        return 0  # the open studio took the files and came to the front
    window = MainWindow(studio)
    listen_for_files(window, server)
    window.show()
    if not window.has_identity():
        from studio.ui.onboarding import OnboardingWizard

        wizard = OnboardingWizard(window)
        wizard.finished.connect(lambda _result: open_files(window, files))
        wizard.open()
    else:
        open_files(window, files)
    window.start(open_active=not files)  # an opened file is what the window shows, not the active one
    code = int(app.exec())
    server.close()
    return code


def listen_for_files(window: MainWindow, server: InstanceServer) -> None:
    """Files from a later ``studio a.vrm`` are added here and the window comes to the front; a
    plain ``studio`` only brings it to the front. Files that come during onboarding wait for it."""
    waiting: list[str] = []

    def received(files: list[str]) -> None:
        bring_to_front(window)
        if window.has_identity():
            open_files(window, [*waiting, *files])
            waiting.clear()
        else:
            waiting.extend(files)

    server.setParent(window)
    server.files_received.connect(received)


def bring_to_front(window: MainWindow) -> None:
    from PySide6.QtCore import Qt

    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()


def open_files(window: MainWindow, files: Sequence[str]) -> None:
    """Add each file to the wardrobe, then open the last one added. Refused files (missing, not an
    avatar, broken, too large) are all listed, each with its reason, on one banner; the others
    still come in. Nothing happens without an identity (onboarding cancelled)."""
    paths = [Path(name) for name in files]
    if not window.has_identity() or not paths:
        return
    studio, me = window.studio, window.me()

    def work(ctx: TaskContext) -> tuple[list[Any], list[tuple[str, str]]]:
        added: list[Any] = []
        refused: list[tuple[str, str]] = []
        for index, path in enumerate(paths):
            ctx.check_cancelled()
            step = _step_progress(ctx, index, len(paths), path.name)
            step(0.0, "")
            try:
                _check_openable(path)
                added.append(studio.avatars.add_file(me, path, progress=step, cancelled=ctx.cancelled))
            except CancelledError:
                raise
            except StudioError as exc:
                refused.append((path.name, _reason(path.name, exc)))
        return added, refused

    window.runner.submit(
        "opening files",
        work,
        on_done=lambda result: _files_added(window, *result),
        on_error=lambda exc: window.wardrobe.say(_reason("", exc)),
        on_progress=lambda _fraction, message: window.statusBar().showMessage(message, 5000),
        owner=window,
    )


def _step_progress(
    ctx: TaskContext, index: int, count: int, name: str
) -> Callable[[float | None, str], None]:
    def report(fraction: float | None, message: str) -> None:
        where = f" ({index + 1} of {count})" if count > 1 else ""
        ctx.progress((index + (fraction or 0.0)) / count, f"Adding {name}{where}… {message}".rstrip())

    return report


def _check_openable(path: Path) -> None:
    from studio.domain.errors import InvalidInputError

    if not path.exists():
        raise InvalidInputError("the file does not exist (moved or deleted?).")
    if not path.is_file():
        raise InvalidInputError("this is a folder, not an avatar file.")
    if path.suffix.lower() not in AVATAR_SUFFIXES:
        raise InvalidInputError("this is not an avatar file: the studio opens .vrm, .glb and .gltf files.")


def _reason(name: str, error: BaseException) -> str:
    """The refusal in plain words, without repeating the file name it is listed under."""
    from studio.ui.widgets import plain_message

    text = plain_message(error)
    text = text.removeprefix(f"{name}: ") if name else text
    return text[:1].upper() + text[1:]


def _files_added(window: MainWindow, added: list[Any], refused: list[tuple[str, str]]) -> None:
    from studio.ui.widgets import banner_over, clear_error_banner

    wardrobe = window.wardrobe
    if refused:
        count = len(refused) + len(added)
        head = (
            f"{refused[0][0]} was not added:" if count == 1
            else f"{len(refused)} of {count} files were not added:"
        )
        text = "\n".join([head, *(f"• {name}: {why}" for name, why in refused)])
        banner_over(wardrobe).show_message(text, kind="error", timeout_ms=REFUSALS_SHOWN_MS)
    else:
        clear_error_banner(wardrobe)
    if added:
        wardrobe.refresh(then=lambda: open_when_idle(window, added[-1].id))
    else:
        wardrobe.refresh(open_active=True)  # nothing came in: the usual start-up view


def open_when_idle(window: MainWindow, entry_id: Any, tries: int = OPEN_TRIES) -> None:
    """Open the wardrobe entry ``entry_id`` once the wardrobe has finished what it is doing (at
    start-up that may be loading the list or opening the active avatar), so it is what the
    window ends up showing."""
    wardrobe = window.wardrobe

    def attempt(_name: str = "") -> None:
        if wardrobe.task is not None:
            return  # busy: tried again when a task ends
        window.runner.finished.disconnect(attempt)
        wardrobe.select(entry_id)
        entry = wardrobe.selected_entry()
        if entry is not None and entry.id == entry_id:
            wardrobe.open_entry(entry)
        elif tries > 1:  # the list was read before the file came in
            wardrobe.refresh(then=lambda: open_when_idle(window, entry_id, tries - 1))

    window.runner.finished.connect(attempt)
    attempt()
