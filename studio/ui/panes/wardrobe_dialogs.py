"""The wardrobe's questions to the user: unsaved changes, delete confirmations, a new name.

Each is a small function around a ``QMessageBox``/``QInputDialog`` built by a ``*_box`` function,
so tests can look at the box (its buttons, which one is the default) and answer it like a user.
Destructive answers are never the default: Enter saves, or keeps the avatar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from studio.services.prebuilt_previews import PREVIEW_SIZE, prebuilt_preview
from studio.ui.tasks import TaskContext, TaskRunner
from studio.ui.widgets import image_from_bytes

#: the wardrobe's name column (seed 001: ``VARCHAR(100)``); the service refuses longer names
NAME_MAX = 100
Button = QMessageBox.StandardButton
log = logging.getLogger(__name__)


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


def blank_icon(size: int, color: str = "#e4e4e4") -> QIcon:
    """A plain square standing in for a portrait that is still being made."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return true_icon(pixmap)


def true_icon(pixmap: QPixmap) -> QIcon:
    """An icon drawn as it is when selected too: the style would tint a selected portrait with
    the highlight colour (blue skin, teal hair), and people pick avatars by their look."""
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon


#: the selected portrait gets a frame in the highlight colour instead of a tint
FRAMED_SELECTION = (
    "QListView::item { border: 3px solid transparent; border-radius: 4px; }"
    "QListView::item:selected { border: 3px solid palette(highlight); background: transparent;"
    " color: palette(text); }"
)


class PrebuiltPicker(QDialog):
    """Add ▸ From a prebuilt…: each prebuilt as a portrait with its name. The list can be used at
    once; the portraits fill in as workers make them (:func:`load_prebuilt_previews`)."""

    def __init__(self, parent: QWidget, prebuilts: list[tuple[str, str]]) -> None:
        """``prebuilts``: (id, the name shown) each, built-ins first, then the published ones."""
        super().__init__(parent)
        self.setWindowTitle("Add a prebuilt")
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setIconSize(QSize(PREVIEW_SIZE, PREVIEW_SIZE))
        self.list.setGridSize(QSize(PREVIEW_SIZE + 28, PREVIEW_SIZE + 40))
        self.list.setWordWrap(True)
        self.list.setStyleSheet(FRAMED_SELECTION)
        placeholder = blank_icon(PREVIEW_SIZE)
        for prebuilt_id, label in prebuilts:
            item = QListWidgetItem(placeholder, label)
            item.setData(Qt.ItemDataRole.UserRole, prebuilt_id)
            item.setToolTip(prebuilt_id if label == prebuilt_id else f"{label} ({prebuilt_id})")
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        choice = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(choice.Ok | choice.Cancel)
        buttons.button(choice.Ok).setText("Add")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Pick a ready-made avatar to add to your wardrobe:"))
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        columns = min(max(len(prebuilts), 1), 4)
        self.resize(columns * (PREVIEW_SIZE + 28) + 60, 2 * (PREVIEW_SIZE + 40) + 110)

    def show_preview(self, prebuilt_id: str, image: QImage) -> None:
        """A portrait arrived (model -> view); a null image leaves the name alone."""
        if image.isNull():
            return
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == prebuilt_id:
                item.setIcon(true_icon(QPixmap.fromImage(image)))

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))


def load_prebuilt_previews(
    runner: TaskRunner,
    owner: QObject,
    prebuilt_ids: list[str],
    cache_dir: Path,
    show: Callable[[str, QImage], None],
    size: int = PREVIEW_SIZE,
    published: Callable[[str], bytes | None] | None = None,
) -> None:
    """Make (or read from the cache) each prebuilt's portrait on a worker, one after the other
    (building an avatar takes a core), calling ``show(id, image)`` on the main thread as each
    arrives. Once ``owner`` is gone (the picker closed) the rest is not made."""
    todo = list(prebuilt_ids)

    def work(prebuilt_id: str, ctx: TaskContext) -> QImage:
        # one cached portrait size for every picker, scaled here (QImage: safe off the GUI thread)
        # a published item's own portrait (fetched once, then kept), else one made from a built-in
        data = prebuilt_preview(prebuilt_id, cache_dir, cancelled=ctx.cancelled, published=published)
        return image_from_bytes(data, size) if data else QImage()

    def arrived(prebuilt_id: str, image: QImage) -> None:
        show(prebuilt_id, image)
        step()

    def failed(prebuilt_id: str, error: BaseException) -> None:
        log.warning("no portrait for prebuilt %s: %s", prebuilt_id, error)
        step()

    def step() -> None:
        if not todo:
            return
        prebuilt_id = todo.pop(0)
        runner.submit(
            f"portrait of {prebuilt_id}",
            lambda ctx: work(prebuilt_id, ctx),
            on_done=lambda image: arrived(prebuilt_id, image),
            on_error=lambda error: failed(prebuilt_id, error),
            owner=owner,
        )

    step()
