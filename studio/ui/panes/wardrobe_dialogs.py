"""The wardrobe's questions to the user: unsaved changes, delete confirmations, a new name.

Each is a small function around a ``QMessageBox``/``QInputDialog`` built by a ``*_box`` function,
so tests can look at the box (its buttons, which one is the default) and answer it like a user.
Destructive answers are never the default: Enter saves, or keeps the avatar.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

#: the wardrobe's name column (seed 001: ``VARCHAR(100)``); the service refuses longer names
NAME_MAX = 100
Button = QMessageBox.StandardButton


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def unsaved_box(parent: QWidget, name: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"Save the changes to “{name}”?")
    box.setInformativeText("If you don't save, your changes to this avatar are lost.")
    box.setStandardButtons(Button.Save | Button.Discard | Button.Cancel)
    box.setDefaultButton(Button.Save)
    box.setEscapeButton(Button.Cancel)
    return box


def ask_unsaved(parent: QWidget, name: str) -> Unsaved:
    answer = unsaved_box(parent, name).exec()
    if answer == Button.Save:
        return Unsaved.SAVE
    return Unsaved.DISCARD if answer == Button.Discard else Unsaved.CANCEL


def delete_box(parent: QWidget, entry: Any, successor: str | None) -> QMessageBox:
    """Deleting the active avatar says so first: game worlds load it for this player."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if entry.is_active else QMessageBox.Icon.Question)
    box.setWindowTitle("Delete avatar")
    box.setText(f"Delete “{entry.name}”? This cannot be undone.")
    if entry.is_active:
        after = (
            f"“{successor}” becomes your active avatar instead."
            if successor
            else "You will have no active avatar until you add one."
        )
        box.setInformativeText(f"“{entry.name}” is your active avatar: game worlds load it for you. {after}")
    box.setStandardButtons(Button.Yes | Button.No)
    box.button(Button.Yes).setText("Delete")
    box.button(Button.No).setText("Keep")
    box.setDefaultButton(Button.No)
    box.setEscapeButton(Button.No)
    return box


def confirm_delete(parent: QWidget, entry: Any, successor: str | None) -> bool:
    return delete_box(parent, entry, successor).exec() == Button.Yes


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name an avatar (None when it can)."""
    if not name.strip():
        return "An avatar needs a name: type at least one letter or digit."
    if len(name.strip()) > NAME_MAX:
        return f"That name is too long: at most {NAME_MAX} characters."
    return None


def name_dialog(parent: QWidget, current: str) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Rename avatar")
    dialog.setLabelText(f"New name (at most {NAME_MAX} characters)")
    dialog.setTextValue(current)
    for edit in dialog.findChildren(QLineEdit):
        edit.setMaxLength(NAME_MAX)
    return dialog


def ask_name(parent: QWidget, current: str) -> str | None:
    """The new name the user typed, as typed (None when they cancelled)."""
    dialog = name_dialog(parent, current)
    return dialog.textValue() if dialog.exec() else None


def confirm_replace(parent: QWidget, names: list[str]) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Replace files?")
    box.setText("This folder already has " + ", ".join(f"“{n}”" for n in names) + ".")
    box.setInformativeText("Replace them with this export?")
    box.setStandardButtons(Button.Yes | Button.No)
    box.button(Button.Yes).setText("Replace")
    box.setDefaultButton(Button.No)
    return box.exec() == Button.Yes
