"""UI test fixtures: real services on a per-test studio home, windows built from them.

``make_main_window`` follows napari's ``make_napari_viewer``: it builds the window from injected
services, closes everything it built at teardown, and fails the test when a top-level window
(a forgotten dialog, a second main window) is still alive afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication

from studio.app import Studio, open_studio
from studio.settings import load_settings
from studio.ui.main_window import MainWindow
from studio.ui.tasks import TaskRunner

USERNAME = "artist"
ADDRESS = "0x" + "0" * 61 + "abc"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """The OS keyring stand-in for tests: secrets never reach the developer's real keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session: the built-in items every new player is granted are generated
    once (seconds), not once per test."""
    return tmp_path_factory.mktemp("studio-cache")


@pytest.fixture
def make_studio(
    studio_home: Path, memory_keyring: MemoryKeyring, shared_cache_dir: Path
) -> Callable[..., Studio]:
    def make(*, identity: bool = True, **overrides: str) -> Studio:
        environ = {"STUDIO_HOME": str(studio_home), "STUDIO_CACHE_DIR": str(shared_cache_dir)}
        if identity:
            environ |= {"STUDIO_USERNAME": USERNAME, "STUDIO_ADDRESS": ADDRESS}
        environ |= {f"STUDIO_{k.upper()}": v for k, v in overrides.items()}
        return open_studio(load_settings(path=studio_home / "config" / "config.json", environ=environ))

    return make


@pytest.fixture
def make_main_window(
    qtbot: Any, make_studio: Callable[..., Studio], tmp_path: Path
) -> Iterator[Callable[..., MainWindow]]:
    before = set(QApplication.topLevelWidgets())
    windows: list[MainWindow] = []

    def make(
        studio: Studio | None = None, *, synchronous: bool = True, show: bool = False, ini: Path | None = None
    ) -> MainWindow:
        studio = studio or make_studio()
        settings = QSettings(str(ini or tmp_path / "ui.ini"), QSettings.Format.IniFormat)
        window = MainWindow(studio, runner=TaskRunner(synchronous=synchronous), settings=settings)
        windows.append(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
        return window

    yield make
    for window in windows:
        window.undo.setClean()
        window.close()
        window.runner.shutdown()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before and not w.isHidden()]
    leaked += [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w not in before]
    if leaked:
        pytest.fail(f"leaked top-level windows: {[type(w).__name__ for w in leaked]}")
