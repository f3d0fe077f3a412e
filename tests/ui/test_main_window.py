from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest

from studio.ui.main_window import MainWindow


def test_preview_in_the_middle_side_panes_in_docks_with_menus_and_status(make_main_window) -> None:
    window = make_main_window(show=True)
    window.start()
    assert window.centralWidget() is window.preview  # the main thing takes the middle
    assert set(window.docks) == {"prompt", "gallery", "wardrobe"}
    assert all(dock.widget() is not None for dock in window.docks.values())
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Help"]
    # no server configured: the embedded default says so in plain words, without alarming counts
    assert window.online_label.text() == "● Offline (local only)"
    assert window.sync_label.text() == "Sync: off — working locally"
    assert "Settings" in window.sync_label.toolTip()
    assert "artist" in window.identity_label.text()
    assert window.avatar_label.isHidden()  # no profile portrait chosen yet


def _rects(window: MainWindow) -> dict[str, QRect]:
    shown = {k: d for k, d in window.docks.items() if d.isVisible() and not d.visibleRegion().isEmpty()}
    rects = {k: d.geometry() for k, d in shown.items()}
    rects["preview"] = window.centralWidget().geometry()
    return rects


def _assert_no_overlap(window: MainWindow) -> None:
    rects = _rects(window)
    inside = window.rect()
    for name, rect in rects.items():
        assert inside.contains(rect), (name, rect, inside)
        for other, second in rects.items():
            assert other == name or not rect.intersects(second), (name, rect, other, second)
    # the preview's toolbar ends inside the preview (it used to be drawn over the Wardrobe)
    face = window.preview.frame_head
    right = face.mapTo(window, face.rect().topRight()).x()
    assert right <= rects["preview"].right(), (right, rects["preview"])
    # nothing is squeezed below what it needs: panes too big for their dock scroll instead
    for key in ("prompt", "wardrobe"):
        area = window.docks[key].widget()
        assert area.widget().width() >= area.widget().minimumSizeHint().width()


def test_small_windows_scroll_instead_of_overlapping_and_growing_gives_the_preview_room(
    make_main_window, qtbot
) -> None:
    window = make_main_window(show=True)
    window.start()
    assert window.minimumSize().width() >= 960 and window.minimumSize().height() >= 600
    sizes = {}
    for width, height in ((1400, 900), (1024, 700), (640, 480), (1280, 800), (1600, 1000)):
        window.resize(width, height)
        qtbot.wait(50)
        assert window.width() >= 960 and window.height() >= 600  # never smaller than usable
        _assert_no_overlap(window)
        sizes[width] = {k: r.width() for k, r in _rects(window).items()}
    # growing back restores the side columns and gives everything else to the preview
    # (the first window fits the 800×800 test screen, so 1400 px is reached by resizing: there the
    # prompt column is capped at SIDE_SHARES, 27 % = 378 px)
    assert sizes[1600]["prompt"] == 380 and sizes[1400]["prompt"] == min(380, int(0.27 * 1400))
    assert sizes[1600]["wardrobe"] == sizes[1400]["wardrobe"] == 440
    assert sizes[1600]["preview"] > sizes[1400]["preview"] > sizes[1024]["preview"]
    assert sizes[1600]["preview"] > sizes[1600]["prompt"] + sizes[1600]["wardrobe"] - 200


def test_widths_the_user_drags_to_are_kept_when_the_window_grows(make_main_window, qtbot) -> None:
    window = make_main_window(show=True)
    window.resize(1400, 900)
    qtbot.wait(50)
    window.resizeDocks([window.docks["wardrobe"]], [520], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    QTest.mouseRelease(window, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))  # the end of a drag
    qtbot.waitUntil(lambda: window.side_widths["wardrobe"] == 520, timeout=1000)
    window.resize(1024, 700)
    qtbot.wait(50)
    window.resize(1600, 1000)
    qtbot.wait(50)
    assert window.docks["wardrobe"].width() == 520


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
    toggle = window.docks["wardrobe"].toggleViewAction()
    toggle.trigger()
    assert window.docks["wardrobe"].isHidden()
    toggle.trigger()
    assert not window.docks["wardrobe"].isHidden()


def test_sync_without_servers_says_what_is_missing(make_main_window) -> None:
    window = make_main_window()
    window.sync_now()
    assert "PostgreSQL URL" in window.sync_label.text()


def test_sync_status_counts_new_work_soon_after_it_ends(make_main_window, qtbot) -> None:
    window = make_main_window()
    window.start()
    qtbot.waitUntil(lambda: "to send" in window.sync_label.toolTip(), timeout=3000)
    before = _waiting(window.sync_label.toolTip())
    window.wardrobe.new_supermesh("feminine")  # a new avatar: its row (and file) waits for sync
    qtbot.waitUntil(lambda: _waiting(window.sync_label.toolTip()) > before, timeout=3000)


def _waiting(text: str) -> int:
    """'… (3 changes waiting to send) …' -> 3; 'nothing waiting' -> 0."""
    match = re.search(r"(\d+) changes? waiting", text)
    return int(match.group(1)) if match else 0
