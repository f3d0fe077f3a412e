"""Unsaved edits are hard to lose (QA M2/M4): Save / Discard / Cancel with Save the default, File ▸
Save (Ctrl+S) and Export…, Ctrl+Y redo, a ``*`` while the undo stack is not clean, and the list's
selection back on the open avatar after Cancel."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from studio.ui.main_window import MainWindow
from studio.ui.tasks import TaskRunner
from tests.ui.avatars import VRM0_MORPH, VRM1, add_avatar
from tests.ui.modal import answering

Button = QMessageBox.StandardButton


def _two_avatars(make_main_window, make_studio):
    studio = make_studio()
    add_avatar(studio, VRM1, "Moss", active=True)
    add_avatar(studio, VRM0_MORPH, "Pebble")
    window = make_main_window(studio, show=True)
    pane = window.wardrobe
    pane.refresh()
    return studio, window, pane


def _open(pane, name: str) -> None:
    pane.select(next(e.id for e in pane.entries() if e.name == name))
    pane.open_selected()
    assert pane.entry is not None and pane.entry.name == name, pane.message.text()


def _stored(studio, name: str) -> dict:
    return next(e for e in studio.wardrobe.list(studio.identity()) if e.name == name).metadata


def _press(key: Qt.Key):
    def answer(box) -> None:
        from pytestqt.qtbot import QtBot

        QtBot.keyClick(box, key)

    return answer


def test_switching_with_unsaved_edits_asks_and_enter_saves(make_main_window, make_studio) -> None:
    studio, window, pane = _two_avatars(make_main_window, make_studio)
    _open(pane, "Moss")
    assert window.docks["wardrobe"].windowTitle() == "Wardrobe — Moss"
    assert not window.isWindowModified()
    material = pane.session.materials[0]
    pane.tints.pick(material, "#3a7d4e")  # view -> model: an edit makes the avatar dirty
    assert window.docks["wardrobe"].windowTitle() == "Wardrobe — Moss *"  # model -> view
    assert window.isWindowModified() and "Moss" in window.windowTitle()
    with answering(_press(Qt.Key.Key_Return)) as seen:
        _open(pane, "Pebble")
    (box,) = seen
    assert box.text() == "Save the changes to “Moss”?"
    assert box.standardButtons() == Button.Save | Button.Discard | Button.Cancel
    assert box.defaultButton() is box.button(Button.Save)  # Enter keeps the work
    assert _stored(studio, "Moss")["materials"][material]["tint"] == "#3a7d4e"
    assert pane.entry.name == "Pebble" and pane.selected_entry().name == "Pebble"
    assert window.docks["wardrobe"].windowTitle() == "Wardrobe — Pebble"
    assert not window.isWindowModified()


def test_cancel_keeps_the_open_avatar_and_its_selection(make_main_window, make_studio) -> None:
    studio, window, pane = _two_avatars(make_main_window, make_studio)
    _open(pane, "Moss")
    material = pane.session.materials[0]
    pane.tints.pick(material, "#3a7d4e")
    pebble = next(e for e in pane.entries() if e.name == "Pebble")
    pane.select(pebble.id)
    with answering(_press(Qt.Key.Key_Escape)):
        pane.open_selected()
    # the editor, the list and the labels agree on Moss, with the edit still there
    assert pane.entry.name == "Moss" and pane.selected_entry().name == "Moss"
    assert pane.licence.text().startswith("Open: Moss — licence: ")
    assert pane.edits.tint(material) == "#3a7d4e" and window.isWindowModified()
    assert not pane.buttons["open"].isEnabled()  # Moss is already open
    # Discard: Pebble opens and Moss keeps what was stored
    pane.select(pebble.id)
    with answering(lambda box: box.button(Button.Discard).click()):
        pane.open_selected()
    assert pane.entry.name == "Pebble"
    assert "materials" not in _stored(studio, "Moss")


def test_closing_the_window_offers_save_and_closes_once_saved(make_main_window, make_studio, qtbot) -> None:
    studio, window, pane = _two_avatars(make_main_window, make_studio)
    _open(pane, "Moss")
    pane.bones.set_value("hips", 1.2)
    with answering(_press(Qt.Key.Key_Escape)):  # Cancel: the window stays
        window.close()
    assert window.isVisible()
    with answering(lambda box: box.button(Button.Save).click()):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert _stored(studio, "Moss")["boneTransforms"]["hips"] == {"x": 1.2, "y": 1.2, "z": 1.2}


def test_file_menu_save_and_export_and_ctrl_y(make_main_window, make_studio) -> None:
    studio, window, pane = _two_avatars(make_main_window, make_studio)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    assert texts[:2] == ["&Save", "&Export…"]
    save, export = pane.save_action, pane.export_action
    assert save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert not save.isEnabled() and not export.isEnabled()  # nothing open
    _open(pane, "Moss")
    assert export.isEnabled() and not save.isEnabled()  # model -> view: as the pane's buttons
    pane.bones.set_value("hips", 1.1)
    assert save.isEnabled()
    assert QKeySequence("Ctrl+Y") in window.redo_action.shortcuts()
    window.undo.undo()
    assert pane.edits.bone_scale("hips") == 1.0
    window.redo_action.trigger()
    assert pane.edits.bone_scale("hips") == 1.1
    save.trigger()  # view -> model: File ▸ Save saves
    assert _stored(studio, "Moss")["boneTransforms"]["hips"]["y"] == 1.1
    assert not save.isEnabled() and window.docks["wardrobe"].windowTitle() == "Wardrobe — Moss"


def test_quitting_with_an_unsaved_edit_raises_nothing(make_studio, qtbot, tmp_path) -> None:
    """The QUndoStack dies with the window and clears itself: no slot may touch it then (this
    raised 'Internal C++ object already deleted'; pytest-qt fails on exceptions in slots)."""
    studio = make_studio()
    add_avatar(studio, VRM1, "Moss")
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(studio, runner=TaskRunner(synchronous=True), settings=settings)
    window.show()
    window.wardrobe.refresh()
    _open(window.wardrobe, "Moss")
    window.wardrobe.bones.set_value("hips", 1.3)
    with answering(lambda box: box.button(Button.Discard).click()):
        window.close()
    assert not window.isVisible()
    window.runner.shutdown()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    assert not shiboken6.isValid(window)
