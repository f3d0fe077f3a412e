"""Wardrobe pane: the user's avatars, the inventory, and the editors for the open avatar.

Opening an avatar (a heavy one takes seconds) runs on a worker; the editors only change the
in-memory :class:`AvatarEdits` through undo commands; Save and Export are service calls on workers.
Where the avatar's licence forbids modification the editors are disabled and say why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.avatar_session import AvatarSession, export_files, open_session
from studio.ui.edits import AvatarEdits
from studio.ui.panes.wardrobe_dressing import PreviewDresser, stock_inventory
from studio.ui.panes.wardrobe_editors import BoneEditor, MorphEditor, OutfitEditor, TintEditor
from studio.ui.tasks import Task, TaskContext, TaskRunner
from studio.ui.widgets import ProgressStrip, plain_message

EXPORT_FORMATS = ("glb", "vrm", "webp")


class WardrobePane(QWidget):
    """``avatar_opened(session)`` once an avatar is loaded; the preview follows :attr:`edits`."""

    avatar_opened = Signal(object)
    #: the open avatar's preview scene was rebuilt (hair or clothing changed): show it again
    scene_replaced = Signal(object)
    entries_changed = Signal()

    def __init__(
        self,
        services: Any,
        me: Callable[[], Any],
        runner: TaskRunner,
        undo: QUndoStack,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.me, self.runner, self.undo = services, me, runner, undo
        self.edits = AvatarEdits(parent=self)
        self.session: AvatarSession | None = None
        self.entry: Any = None
        self.task: Task | None = None
        self.dresser = PreviewDresser(
            runner,
            self,
            on_dressed=self._dressed,
            on_error=lambda e: self.message.setText(
                f"The preview cannot show this outfit: {plain_message(e)}"
            ),
        )
        #: the player whose inventory was checked for the built-in items this run
        self._stocked_for: str | None = None
        self.avatars = QListWidget()
        self.avatars.setObjectName("avatars")
        self.licence = QLabel()
        self.licence.setWordWrap(True)
        self.licence.setObjectName("licence")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.progress = ProgressStrip()
        self.tints = TintEditor(self.edits, self.push)
        self.body = MorphEditor(self.edits, self.push)
        self.face = MorphEditor(self.edits, self.push)
        self.bones = BoneEditor(self.edits, self.push)
        self.outfit = OutfitEditor(self.edits, self.push)
        self.tabs = QTabWidget()
        for widget, title in (
            (self.tints, "Tints"),
            (self.body, "Body"),
            (self.face, "Face"),
            (self.bones, "Proportions"),
            (self.outfit, "Outfit"),
        ):
            self.tabs.addTab(widget, title)
        self.buttons: dict[str, QPushButton] = {}
        self._layout()
        self.avatars.currentItemChanged.connect(lambda *_: self._sync_buttons())
        self.avatars.itemDoubleClicked.connect(lambda _: self.open_selected())
        self.avatars.itemChanged.connect(self._renamed_in_place)
        self.progress.cancel_requested.connect(self.cancel)
        self.undo.cleanChanged.connect(self._clean_changed)
        self.undo.indexChanged.connect(self._undo_moved)  # undo/redo from the Edit menu too
        self.edits.changed.connect(self._edits_changed)
        self._sync_buttons()

    # Layout --------------------------------------------------------------------------------------
    def _button(self, key: str, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda _=False: slot())
        self.buttons[key] = button
        return button

    def _layout(self) -> None:
        add = QToolButton()
        add.setText("Add ▾")
        add.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(add)
        menu.addAction("From a file…", self.ask_add_file)
        menu.addAction("From a prebuilt…", self.ask_add_prebuilt)
        menu.addAction("New supermesh (feminine)", lambda: self.new_supermesh("feminine"))
        menu.addAction("New supermesh (masculine)", lambda: self.new_supermesh("masculine"))
        add.setMenu(menu)
        # Adding needs the avatar library service (files into the blob store, prebuilts, new
        # supermeshes); without it the wardrobe still lists, opens, edits, saves and exports.
        add.setEnabled(getattr(self.services, "avatars", None) is not None)
        self.add_button = add
        list_buttons = QGridLayout()
        list_buttons.addWidget(add, 0, 0)
        for n, (key, text, slot) in enumerate(
            (
                ("open", "Open", self.open_selected),
                ("activate", "Make active", self.activate_selected),
                ("rename", "Rename…", self.ask_rename),
                ("delete", "Delete…", self.ask_delete),
            ),
            start=1,
        ):
            list_buttons.addWidget(self._button(key, text, slot), n // 3, n % 3)
        for column in range(3):
            list_buttons.setColumnStretch(column, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("My avatars (★ = active)"))
        top_layout.addWidget(self.avatars, 1)
        top_layout.addLayout(list_buttons)
        edit_buttons = QHBoxLayout()
        for key, text, slot in (
            ("undo", "Undo", self.undo.undo),
            ("redo", "Redo", self.undo.redo),
            ("save", "Save", self.save),
            ("export", "Export…", self.ask_export),
        ):
            edit_buttons.addWidget(self._button(key, text, slot))
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.licence)
        bottom_layout.addWidget(self.tabs, 1)
        bottom_layout.addLayout(edit_buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress.label)
        layout.addWidget(self.message)

    def _clean_changed(self, _clean: bool) -> None:
        self._sync_buttons()

    def _undo_moved(self, _index: int) -> None:
        if shiboken6.isValid(self.undo):  # a stack being destroyed clears itself and says so
            self._sync_buttons()

    def _sync_buttons(self) -> None:
        selected = self.selected_entry() is not None
        busy = self.task is not None
        for key in ("open", "activate", "rename", "delete"):
            self.buttons[key].setEnabled(selected and not busy)
        opened = self.session is not None
        self.buttons["undo"].setEnabled(self.undo.canUndo())
        self.buttons["redo"].setEnabled(self.undo.canRedo())
        self.buttons["save"].setEnabled(opened and not busy and not self.undo.isClean())
        redistributable = opened and self.session is not None and self.session.can_redistribute
        self.buttons["export"].setEnabled(redistributable and not busy)
        self.tabs.setEnabled(opened and self.editable())

    # Avatars list (model -> view) ---------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the avatar list; the first time a player is seen this run (a new identity from
        onboarding or settings, or the first start), an empty inventory gets the built-in items."""
        self._run("Loading your avatars…", self._list_entries, self._listed)

    def _list_entries(self, ctx: TaskContext) -> tuple[str, Any]:
        """Worker."""
        me = self.me()
        if me.username != self._stocked_for:
            stock_inventory(self.services, me, ctx)
        return me.username, self.services.wardrobe.list(me)

    def _listed(self, result: tuple[str, Any]) -> None:
        self._stocked_for, entries = result
        self._show_entries(entries)

    def _show_entries(self, entries: Any) -> None:
        current = self.selected_entry()
        keep = current.id if current is not None else (self.entry.id if self.entry is not None else None)
        self.avatars.blockSignals(True)
        self.avatars.clear()
        for entry in entries:
            item = QListWidgetItem(self._entry_text(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry)
            self.avatars.addItem(item)
            if entry.id == keep:
                self.avatars.setCurrentItem(item)
        self.avatars.blockSignals(False)
        self._sync_buttons()
        self.entries_changed.emit()

    @staticmethod
    def _entry_text(entry: Any) -> str:
        star = "★ " if entry.is_active else "   "
        return f"{star}{entry.name}  ·  {entry.avatar_type}"

    def entries(self) -> list[Any]:
        return [self.avatars.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.avatars.count())]

    def selected_entry(self) -> Any:
        item = self.avatars.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def select(self, entry_id: Any) -> None:
        for row in range(self.avatars.count()):
            if self.avatars.item(row).data(Qt.ItemDataRole.UserRole).id == entry_id:
                self.avatars.setCurrentRow(row)

    # Avatars list (view -> model) ---------------------------------------------------------------
    def add_from_file(self, path: Path) -> None:
        self._run(
            f"Adding {Path(path).name}…",
            lambda ctx: self.services.avatars.add_file(
                self.me(), Path(path), progress=ctx.progress, cancelled=ctx.cancelled
            ),
            self._added,
        )

    def add_prebuilt(self, prebuilt_id: str) -> None:
        self._run(
            f"Adding {prebuilt_id}…",
            lambda ctx: self.services.avatars.add_prebuilt(self.me(), prebuilt_id),
            self._added,
        )

    def new_supermesh(self, base: str) -> None:
        self._run(
            "Building a new supermesh…",
            lambda ctx: self.services.avatars.new_supermesh(
                self.me(), {"base": base}, progress=ctx.progress, cancelled=ctx.cancelled
            ),
            self._added,
        )

    def activate_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self._run(
                "Activating…",
                lambda ctx: self.services.wardrobe.activate(self.me(), entry.id),
                lambda _: self.refresh(),
            )

    def rename_selected(self, name: str) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self._run(
                "Renaming…",
                lambda ctx: self.services.wardrobe.update(self.me(), entry.id, name=name),
                lambda _: self.refresh(),
            )

    def delete_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        if self.entry is not None and self.entry.id == entry.id:
            self._close_avatar()
        self._run(
            "Deleting…",
            lambda ctx: self.services.wardrobe.delete(self.me(), entry.id),
            lambda _: self.refresh(),
        )

    def _added(self, entry: Any) -> None:
        self.refresh()
        self.select(entry.id)

    def _renamed_in_place(self, item: QListWidgetItem) -> None:
        entry = item.data(Qt.ItemDataRole.UserRole)
        name = item.text().strip()
        if name and name != self._entry_text(entry):
            self.rename_selected(name)

    # Dialog front-ends (thin: tests call the methods above) ------------------------------------
    def ask_add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add an avatar", "", "Avatars (*.vrm *.glb)")
        if path:
            self.add_from_file(Path(path))

    def ask_add_prebuilt(self) -> None:
        names = [p.id for p in self.services.avatars.prebuilts()]
        if not names:
            self.message.setText("No prebuilt avatars are installed.")
            return
        name, ok = QInputDialog.getItem(self, "Add a prebuilt", "Prebuilt", names, 0, False)
        if ok:
            self.add_prebuilt(name)

    def ask_rename(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            name, ok = QInputDialog.getText(self, "Rename", "Name", text=entry.name)
            if ok and name.strip():
                self.rename_selected(name.strip())

    def ask_delete(self) -> None:
        entry = self.selected_entry()
        if (
            entry is not None
            and QMessageBox.question(self, "Delete", f"Delete {entry.name}? This cannot be undone.")
            == QMessageBox.StandardButton.Yes
        ):
            self.delete_selected()

    def ask_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder")
        if folder:
            self.export_to(Path(folder))

    # Open / edit / save / export ----------------------------------------------------------------
    def open_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or not self._may_discard():
            return
        self._run(
            f"Opening {entry.name}…",
            lambda ctx: self._load(entry, ctx),
            lambda session: self._opened(entry, session),
        )

    def _load(self, entry: Any, ctx: TaskContext) -> AvatarSession:
        """Worker: read the avatar and build its render scene (seconds for a heavy avatar)."""
        ctx.progress(0.02, "Fetching the file…")
        data = self.services.read_blob(entry.source_url or entry.glb_url)
        items = getattr(self.services, "item_library", None)
        session = open_session(entry, data, ctx.progress, ctx.cancelled, items)
        session.inventory = stock_inventory(self.services, self.me(), ctx)
        return session

    def may_close(self) -> bool:
        """Whether the window may close: nothing unsaved, or the user agreed to drop it."""
        return self._may_discard()

    def _may_discard(self) -> bool:
        if self.session is None or self.undo.isClean():
            return True
        answer = QMessageBox.question(self, "Unsaved changes", "Discard the unsaved changes to this avatar?")
        return answer == QMessageBox.StandardButton.Yes

    def _opened(self, entry: Any, session: AvatarSession) -> None:
        self.entry, self.session = entry, session
        self.undo.clear()
        self.edits.reset(dict(entry.metadata or {}))
        session.note_item_colors()
        self.tints.set_materials(session.tintable())
        self.body.set_keys([f"bodyMorphs/{n}" for n in session.body_morphs])
        self.face.set_keys([f"faceMorphs/{n}" for n in session.face_morphs])
        self.bones.set_keys(session.bones)
        self.outfit.set_items(session.inventory)
        text = f"Licence: {session.licence_text}"
        if not session.can_modify:
            text += "\nThe editors are switched off for this avatar."
        self.licence.setText(text)
        self.message.setText(session.scene_note)
        self._sync_buttons()
        self.avatar_opened.emit(session)

    def _close_avatar(self) -> None:
        self.entry = self.session = None
        self.undo.clear()
        self.edits.reset({})
        self._sync_buttons()

    # Preview dressing: hair and clothing change meshes, so the preview's scene is rebuilt -------
    def _edits_changed(self, kind: str, _key: str) -> None:
        if kind in ("equip", "all") and self.session is not None:
            self.dresser.dress(self.session, self.edits.metadata())

    def _dressed(self, session: AvatarSession) -> None:
        if session is self.session:
            session.note_item_colors()
            self.tints.set_materials(session.tintable())
            self.scene_replaced.emit(session)

    def editable(self) -> bool:
        return self.session is not None and self.session.can_modify

    def push(self, command: QUndoCommand) -> None:
        """Every editor gesture comes through here; refused where the licence forbids editing."""
        if not self.editable():
            reason = self.session.licence_text if self.session is not None else "open an avatar first"
            self.message.setText(f"This avatar cannot be edited: {reason}")
            return
        self.undo.push(command)
        self._sync_buttons()

    def save(self) -> None:
        if self.entry is None:
            return
        entry, metadata = self.entry, self.edits.metadata()
        if self.session is not None:
            metadata = self.session.output_metadata(metadata)
        self._run(
            "Saving…",
            lambda ctx: self.services.wardrobe.update(
                self.me(), entry.id, metadata=metadata, expected_version=entry.version
            ),
            self._saved,
        )

    def _saved(self, entry: Any) -> None:
        self.entry = entry
        self.undo.setClean()
        self.refresh()
        self.message.setText("Saved.")  # after refresh, which clears the message line

    def export_to(self, folder: Path, formats: tuple[str, ...] = EXPORT_FORMATS) -> None:
        session = self.session
        if session is None:
            return
        metadata = session.output_metadata(self.edits.metadata())
        self._run(
            "Exporting…",
            lambda ctx: export_files(session, metadata, Path(folder), formats, ctx.progress, ctx.cancelled),
            lambda paths: self.message.setText(
                f"Exported {len(paths)} files to {folder}: " + ", ".join(Path(p).suffix for p in paths)
            ),
        )

    # Background plumbing ------------------------------------------------------------------------
    def _run(self, message: str, work: Any, done: Any) -> None:
        if self.task is not None:
            self.message.setText("Still busy with the previous step; wait or cancel it.")
            return
        self.message.clear()
        self.progress.busy(message)

        def finish(result: Any) -> None:
            self.task = None
            self.progress.idle()
            done(result)
            self._sync_buttons()

        def fail(error: BaseException) -> None:
            self.task = None
            self.progress.idle()
            self.message.setText(plain_message(error))
            self._sync_buttons()

        task = self.runner.submit(
            message,
            lambda ctx: work(ctx),
            on_done=finish,
            on_error=fail,
            on_progress=self.progress.report,
            owner=self,
        )
        self.task = None if task.done else task
        self._sync_buttons()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
