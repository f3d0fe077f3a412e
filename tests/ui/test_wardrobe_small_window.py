"""QA3 F1: in a 1024×700 window the wardrobe's Undo/Redo/Save/Export row stays in view (the list
and the editors scroll instead). With ``STUDIO_SHOTS=DIR`` the window is saved as a picture."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication


def _fully_shown(widget) -> bool:
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def test_edit_buttons_stay_in_view_in_a_small_window(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    window = make_main_window(studio, show=True)
    window.restore_layout()  # the first-run size (1400×900), shrunk to 1024×700 once in use
    pane = window.wardrobe
    pane.refresh()
    pane.add_prebuilt("default-fem-02")
    assert pane.session is not None, pane.message.text()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.size().height() <= 700)
    QApplication.processEvents()
    assert all(_fully_shown(pane.buttons[k]) for k in ("undo", "redo", "save", "export"))
    pane.tints.pick(pane.session.materials[0], "#3a7d4e")  # and they work from there
    assert pane.buttons["save"].isEnabled() and _fully_shown(pane.buttons["save"])
    if shots := os.environ.get("STUDIO_SHOTS"):
        window.grab().save(str(Path(shots) / "wardrobe_1024x700.png"))
