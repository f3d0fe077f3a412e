from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from studio.ui.main_window import MainWindow


def test_four_panes_are_docks_with_menus_and_status(make_main_window) -> None:
    window = make_main_window(show=True)
    window.start()
    assert set(window.docks) == {"prompt", "gallery", "wardrobe", "preview"}
    assert all(dock.widget() is not None for dock in window.docks.values())
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Help"]
    # no server configured: the embedded default says so in plain words
    assert window.online_label.text() == "● Offline (local only)"
    assert "not set up" in window.sync_label.text()
    assert "artist" in window.identity_label.text()


def test_layout_is_remembered_between_runs(make_main_window, tmp_path: Path) -> None:
    ini = tmp_path / "layout.ini"
    first = make_main_window(ini=ini, show=True)
    first.docks["gallery"].setFloating(False)
    first.removeDockWidget(first.docks["gallery"])
    first.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, first.docks["gallery"])
    first.docks["gallery"].show()
    first.resize(1500, 980)
    first.close()
    assert ini.exists()
    second = make_main_window(ini=ini, show=True)
    assert second.dockWidgetArea(second.docks["gallery"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert second.qsettings.value("window/geometry") is not None
    second.reset_layout()
    assert second.dockWidgetArea(second.docks["gallery"]) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_view_menu_toggles_a_pane(make_main_window) -> None:
    window: MainWindow = make_main_window(show=True)
    toggle = window.docks["preview"].toggleViewAction()
    toggle.trigger()
    assert window.docks["preview"].isHidden()
    toggle.trigger()
    assert not window.docks["preview"].isHidden()


def test_sync_without_servers_says_what_is_missing(make_main_window) -> None:
    window = make_main_window()
    window.sync_now()
    assert "PostgreSQL URL" in window.sync_label.text()


def test_sync_status_counts_new_work_soon_after_it_ends(make_main_window, qtbot) -> None:
    window = make_main_window()
    window.start()
    qtbot.waitUntil(lambda: "waiting" in window.sync_label.text(), timeout=3000)
    before = _waiting(window.sync_label.text())
    window.wardrobe.new_supermesh("feminine")  # a new avatar: its row (and file) waits for sync
    qtbot.waitUntil(lambda: _waiting(window.sync_label.text()) > before, timeout=3000)


def _waiting(label: str) -> int:
    """'Sync: not set up (3 change(s) waiting)' -> 3; 'nothing waiting' -> 0."""
    match = re.search(r"(\d+) change\(s\) waiting", label)
    return int(match.group(1)) if match else 0
