"""QA3 F3: the wardrobe's avatar list shows each avatar's portrait beside its name (read on a
worker thread, as onboarding's list does); an avatar without one keeps a plain square."""

from __future__ import annotations

from PySide6.QtCore import Qt

from studio.ui.panes.wardrobe_list import PORTRAIT
from studio.ui.widgets import image_from_bytes
from tests.ui.avatars import VRM1, add_avatar

BLANK = (0xE4, 0xE4, 0xE4)


def _icon_colors(pane) -> dict[str, tuple[int, int, int]]:
    """Each row's name -> its icon's centre colour."""
    out = {}
    for row in range(pane.avatars.count()):
        item = pane.avatars.item(row)
        image = item.icon().pixmap(PORTRAIT, PORTRAIT).toImage()
        centre = image.pixelColor(image.width() // 2, image.height() // 2)
        out[item.data(Qt.ItemDataRole.UserRole).name] = centre.getRgb()[:3]
    return out


def test_the_avatar_list_shows_portraits(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    me = studio.identity()
    studio.avatars.add_prebuilt(me, "default-fem-02")
    add_avatar(studio, VRM1, "Moss")  # stored without a portrait
    (prebuilt,) = [e for e in studio.wardrobe.list(me) if e.name == "default-fem-02"]
    assert prebuilt.thumbnail_url
    expected = image_from_bytes(studio.read_blob(prebuilt.thumbnail_url), PORTRAIT)
    want = expected.pixelColor(expected.width() // 2, expected.height() // 2).getRgb()[:3]
    window = make_main_window(studio, synchronous=False, show=True)  # real workers, as in the app
    pane = window.wardrobe
    pane.refresh()
    qtbot.waitUntil(lambda: pane.avatars.count() == 2, timeout=20000)
    assert not pane.avatars.iconSize().isEmpty()
    qtbot.waitUntil(lambda: _icon_colors(pane)["default-fem-02"] != BLANK, timeout=20000)
    colors = _icon_colors(pane)
    assert all(abs(a - b) <= 3 for a, b in zip(colors["default-fem-02"], want, strict=True))
    assert colors["Moss"] == BLANK  # no portrait: the name alone
    qtbot.waitUntil(lambda: pane.task is None, timeout=20000)
    pane.refresh()  # a reload keeps the portrait (read once)
    qtbot.waitUntil(lambda: pane.task is None, timeout=20000)
    assert _icon_colors(pane)["default-fem-02"] == colors["default-fem-02"]
