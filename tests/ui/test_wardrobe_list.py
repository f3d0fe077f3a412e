"""The avatar list, the open avatar and what shows it stay in step (QA M3/M4/M5 and the list's
LOW findings): delete, rename, activate, launch, add."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QMessageBox

from studio.ui.panes.wardrobe_dialogs import delete_box, name_dialog
from tests.ui.avatars import VRM0_MORPH, VRM1, VRM1_TITLE, add_avatar, start_on_moss
from tests.ui.modal import answering

Button = QMessageBox.StandardButton


def _by_name(pane, name: str):
    return next(e for e in pane.entries() if e.name == name)


def _open(pane, name: str) -> None:
    pane.select(_by_name(pane, name).id)
    pane.open_selected()
    assert pane.entry is not None and pane.entry.name == name, pane.message.text()


def test_launch_opens_the_active_avatar(make_main_window, make_studio) -> None:
    studio = make_studio()
    add_avatar(studio, VRM0_MORPH, "Pebble")
    window = start_on_moss(make_main_window, studio)
    pane = window.wardrobe
    # model -> view: editor, list, labels and preview all show the active avatar
    assert pane.entry.name == "Moss" and pane.selected_entry().name == "Moss"
    assert window.preview.session is pane.session
    assert pane.licence.text().startswith("Open: Moss — licence: ")
    assert window.docks["wardrobe"].windowTitle() == "Wardrobe — Moss"
    assert not pane.buttons["open"].isEnabled() and not pane.buttons["activate"].isEnabled()
    pane.select(_by_name(pane, "Pebble").id)
    assert pane.buttons["open"].isEnabled() and pane.buttons["activate"].isEnabled()


def test_a_new_avatar_is_selected_and_opened(make_main_window, make_studio) -> None:
    studio = make_studio()
    add_avatar(studio, VRM0_MORPH, "Pebble")
    window = make_main_window(studio)
    pane = window.wardrobe
    pane.refresh()
    _open(pane, "Pebble")
    pane.add_from_file(VRM1)  # view -> model -> view: added, selected, opened
    assert pane.entry.name == VRM1_TITLE and pane.selected_entry().name == VRM1_TITLE
    assert window.preview.session is pane.session
    # with unsaved edits the user is asked first; Cancel keeps the open avatar (and its selection)
    pane.bones.set_value("hips", 1.2)
    with answering(lambda box: box.button(Button.Cancel).click()):
        pane.add_prebuilt("default-masc-01")
    assert [e.name for e in studio.wardrobe.list(studio.identity())].count("default-masc-01") == 1
    assert pane.entry.name == VRM1_TITLE and pane.selected_entry().name == VRM1_TITLE
    assert pane.edits.bone_scale("hips") == 1.2


def test_deleting_the_open_active_avatar_warns_clears_and_picks_another(
    make_main_window, make_studio
) -> None:
    studio = make_studio()
    me = studio.identity()
    older = add_avatar(studio, VRM0_MORPH, "Pebble (draft)")
    add_avatar(studio, VRM0_MORPH, "Flint")
    add_avatar(studio, VRM1, "Moss", active=True)
    studio.wardrobe.update(me, older.id, name="Pebble")  # Pebble: the most recently updated
    window = make_main_window(studio)
    window.start()
    pane = window.wardrobe
    assert pane.entry.name == "Moss"
    with answering(lambda box: box.button(Button.No).click()) as seen:
        pane.ask_delete()
    (box,) = seen
    assert box.defaultButton() is box.button(Button.No)  # Enter keeps the avatar
    assert "game worlds load it" in box.informativeText()
    assert "“Pebble” becomes your active avatar" in box.informativeText()
    assert len(studio.wardrobe.list(me)) == 3  # No: nothing deleted
    with answering(lambda box: box.button(Button.Yes).click()):
        pane.ask_delete()
    # view -> model: gone, and the most recently updated one is active
    assert sorted(e.name for e in studio.wardrobe.list(me)) == ["Flint", "Pebble"]
    assert studio.wardrobe.active(me).name == "Pebble"
    # model -> view: nothing of Moss is left on screen
    assert pane.entry is None and pane.session is None and window.preview.session is None
    assert window.preview.expression.count() == 1
    assert pane.licence.text().startswith("Nothing open")
    assert not pane.tints.swatches and not pane.bones.sliders and pane.outfit.list.count() == 0
    assert window.docks["wardrobe"].windowTitle() == "Wardrobe"
    assert window.windowTitle() == "Avatar Studio"
    assert any(pane.avatars.item(i).text().startswith("★ Pebble") for i in range(pane.avatars.count()))


def test_deleting_a_plain_avatar_asks_without_the_active_warning(make_main_window) -> None:
    window = make_main_window()
    entry = type("Entry", (), {"name": "Flint", "is_active": False})()
    box = delete_box(window, entry, None)
    assert box.defaultButton() is box.button(Button.No)
    assert box.informativeText() == ""
    box.deleteLater()


def test_rename_follows_the_open_avatar_and_refuses_bad_names(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = start_on_moss(make_main_window, studio)
    pane = window.wardrobe
    pane.rename_selected("   ")
    assert "needs a name" in pane.message.text()
    pane.rename_selected("x" * 101)
    assert "at most 100 characters" in pane.message.text()
    assert [e.name for e in studio.wardrobe.list(studio.identity())] == ["Moss"]
    dialog = name_dialog(window, "Moss")
    assert all(edit.maxLength() == 100 for edit in dialog.findChildren(QLineEdit))
    dialog.deleteLater()
    pane.rename_selected("  Moss the Green ")  # view -> model
    assert [e.name for e in studio.wardrobe.list(studio.identity())] == ["Moss the Green"]
    # model -> view: every label of the open avatar follows
    assert pane.entry.name == "Moss the Green"
    assert pane.licence.text().startswith("Open: Moss the Green — licence")
    assert window.docks["wardrobe"].windowTitle() == "Wardrobe — Moss the Green"
    assert window.preview.title.text() == "3D preview — Moss the Green"
    # the rename (and activating it) are not "changed elsewhere": an edit still saves
    pane.bones.set_value("hips", 1.1)
    pane.save()
    assert pane.message.text() == "Saved.", pane.message.text()
    assert studio.wardrobe.list(studio.identity())[0].metadata["boneTransforms"]["hips"]["y"] == 1.1


def test_status_messages_do_not_move_the_buttons(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = start_on_moss(make_main_window, studio, show=True)
    pane = window.wardrobe
    before = pane.buttons["export"].mapTo(pane, pane.buttons["export"].rect().topLeft())
    pane.say("The file is incomplete (maybe the download was cut short). " * 3)
    pane.progress.busy("Working…")
    after = pane.buttons["export"].mapTo(pane, pane.buttons["export"].rect().topLeft())
    pane.progress.idle()
    assert before == after
    assert "cut short" in pane.message.toolTip()
