"""Wardrobe pane: the user's avatars, the inventory, and the editors for the open avatar.

Opening an avatar (a heavy one takes seconds) runs on a worker; the editors only change the
in-memory :class:`AvatarEdits` through undo commands; Save and Export are service calls on workers.
Where the avatar's licence forbids modification the editors are disabled and say why.

The *open* avatar (:attr:`WardrobePane.entry`) is what the editors, the preview, Save and Export
act on; the list's selection is what Open, Make active, Rename and Delete act on. Leaving an
avatar with unsaved edits (opening another, closing the window) asks Save / Discard / Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.domain.errors import CancelledError
from studio.ui.avatar_session import AvatarSession, open_session
from studio.ui.edits import AvatarEdits
from studio.ui.panes import wardrobe_dialogs as ask
from studio.ui.panes import wardrobe_export
from studio.ui.panes.wardrobe_dressing import PreviewDresser, stock_inventory
from studio.ui.panes.wardrobe_editors import BoneEditor, MorphEditor, OutfitEditor, TintEditor
from studio.ui.panes.wardrobe_export import EXPORT_FORMATS
from studio.ui.panes.wardrobe_list import AvatarListMixin
from studio.ui.tasks import Task, TaskContext, TaskRunner
from studio.ui.widgets import (
    ProgressStrip,
    clear_error_banner,
    plain_message,
    scrolling,
    show_error_banner,
)

#: buttons may shrink to this (their words stay readable) so the pane fits the narrowest dock;
#: below four of them abreast the Undo/Redo/Save/Export row wraps into two rows
BUTTON_MIN_WIDTH = 62
Then = Callable[[], None]


class WardrobePane(AvatarListMixin, QWidget):
    """``avatar_opened(session)`` once an avatar is loaded; the preview follows :attr:`edits`.
    ``avatar_closed()`` when nothing is open any more (the open avatar was deleted);
    ``title_changed()`` when the open avatar's name or unsaved state changed."""

    avatar_opened = Signal(object)
    avatar_closed = Signal()
    title_changed = Signal()
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
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.me, self.runner, self.undo = services, me, runner, undo
        self.settings = settings  # the window's QSettings: where the last export went
        self.edits = AvatarEdits(parent=self)
        self.session: AvatarSession | None = None
        self.entry: Any = None
        self.task: Task | None = None
        self._after_refresh: list[Then] = []
        self._refresh_pending = False
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
        self._portraits: dict[tuple[Any, Any], Any] = {}
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
        # File ▸ Save (Ctrl+S) and File ▸ Export…: the main window puts these in its menu
        self.save_action = QAction("&Save", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(lambda _=False: self.save())
        self.export_action = QAction("&Export…", self)
        self.export_action.triggered.connect(lambda _=False: self.ask_export())
        self._layout()
        self.avatars.currentItemChanged.connect(lambda *_: self._sync_buttons())
        self.avatars.itemDoubleClicked.connect(lambda _: self.open_selected())
        self.progress.cancel_requested.connect(self.cancel)
        self.undo.cleanChanged.connect(self._clean_changed)
        self.undo.indexChanged.connect(self._undo_moved)  # undo/redo from the Edit menu too
        self.edits.changed.connect(self._edits_changed)
        self._show_licence()
        self._sync_buttons()

    # Layout --------------------------------------------------------------------------------------
    def _button(self, key: str, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumWidth(BUTTON_MIN_WIDTH)
        button.clicked.connect(lambda _=False: slot())
        self.buttons[key] = button
        return button

    def _layout(self) -> None:
        self.add_button = self._add_menu()
        list_buttons = QGridLayout()
        list_buttons.addWidget(self.add_button, 0, 0)
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
        self.edit_buttons = QGridLayout()
        for key, text, slot in (
            ("undo", "Undo", self.undo.undo),
            ("redo", "Redo", self.undo.redo),
            ("save", "Save", self.save),
            ("export", "Export…", self.ask_export),
        ):
            self._button(key, text, slot)
        self._arrange_edit_buttons(4)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.licence)
        bottom_layout.addWidget(self.tabs, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # a short window scrolls the list and the editors; Undo/Redo/Save/Export stay in view
        layout.addWidget(scrolling(split), 1)
        layout.addLayout(self.edit_buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress.label)
        layout.addWidget(self.message)
        self._reserve_status_lines()
        # as narrow as three buttons abreast (the edit row wraps; resizeEvent): set explicitly,
        # or the layout would hold the pane at its four-abreast width
        self.setMinimumWidth(3 * BUTTON_MIN_WIDTH + 2 * list_buttons.horizontalSpacing() + 8)

    def _arrange_edit_buttons(self, columns: int) -> None:
        """Undo, Redo, Save, Export… in ``columns`` columns (4: one row; 2: two rows)."""
        for n, key in enumerate(("undo", "redo", "save", "export")):
            self.edit_buttons.addWidget(self.buttons[key], n // columns, n % columns)
        for column in range(4):
            self.edit_buttons.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A narrow wardrobe wraps the edit buttons rather than scrolling sideways."""
        wide = 4 * BUTTON_MIN_WIDTH + 3 * self.edit_buttons.horizontalSpacing() + 8
        columns = 4 if event.size().width() >= wide else 2
        if (self.edit_buttons.columnStretch(2) == 1) != (columns == 4):
            self._arrange_edit_buttons(columns)
        super().resizeEvent(event)

    def _reserve_status_lines(self) -> None:
        """The progress strip and the message lines keep their height whether or not they show
        anything, so a status message never moves the buttons under the cursor."""
        for widget in (self.progress.bar, self.progress.cancel_button):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        line = self.message.fontMetrics().lineSpacing()
        self.progress.label.setFixedHeight(line + 2)
        self.message.setFixedHeight(2 * line + 4)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def say(self, text: str) -> None:
        """The message line (two lines; the whole text in its tooltip when longer)."""
        self.message.setText(text)
        self.message.setToolTip(text)

    def _clean_changed(self, _clean: bool) -> None:
        if shiboken6.isValid(self.undo) and shiboken6.isValid(self):  # not while closing down
            self._sync_buttons()
            self.title_changed.emit()

    def _undo_moved(self, _index: int) -> None:
        if shiboken6.isValid(self.undo) and shiboken6.isValid(self):  # a dying stack clears itself
            self._sync_buttons()

    def _sync_buttons(self) -> None:
        selected = self.selected_entry()
        busy = self.task is not None
        is_open = selected is not None and self.entry is not None and selected.id == self.entry.id
        self.buttons["open"].setEnabled(selected is not None and not busy and not is_open)
        self.buttons["activate"].setEnabled(selected is not None and not busy and not selected.is_active)
        for key in ("rename", "delete"):
            self.buttons[key].setEnabled(selected is not None and not busy)
        opened = self.session is not None
        self.buttons["undo"].setEnabled(self.undo.canUndo())
        self.buttons["redo"].setEnabled(self.undo.canRedo())
        self.buttons["save"].setEnabled(opened and not busy and not self.undo.isClean())
        redistributable = opened and self.session is not None and self.session.can_redistribute
        self.buttons["export"].setEnabled(redistributable and not busy)
        self.save_action.setEnabled(self.buttons["save"].isEnabled())
        self.export_action.setEnabled(self.buttons["export"].isEnabled())
        self.tabs.setEnabled(opened and self.editable())

    def is_dirty(self) -> bool:
        """The open avatar has edits that are not saved."""
        return self.session is not None and not self.undo.isClean()

    def ask_export(self) -> None:
        wardrobe_export.ask_export(self)

    # Open / edit / save / export ----------------------------------------------------------------
    def open_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.open_entry(entry)

    def open_entry(self, entry: Any) -> None:
        """Open ``entry`` in the editors and the preview; the open avatar's unsaved edits are
        saved or dropped first, as the user says (Cancel keeps it open and selected)."""
        if self.entry is not None and entry.id == self.entry.id:
            return
        self.settle_unsaved(lambda: self._load_entry(entry), on_cancel=self._reselect_open)

    def _load_entry(self, entry: Any) -> None:
        self._run(
            f"Opening {entry.name}…",
            lambda ctx: self._load(entry, ctx),
            lambda session: self._opened(entry, session),
        )

    def _open_active_if_idle(self) -> None:
        if self.session is None and self.task is None:
            active = next((e for e in self.entries() if e.is_active), None)
            if active is not None:
                self.select(active.id)
                self.open_entry(active)

    def _reselect_open(self) -> None:
        if self.entry is not None:
            self.select(self.entry.id)

    def _load(self, entry: Any, ctx: TaskContext) -> AvatarSession:
        """Worker: read the avatar and build its render scene (seconds for a heavy avatar)."""
        ctx.progress(0.02, "Fetching the file…")
        data = self.services.read_blob(entry.source_url or entry.glb_url)
        items = getattr(self.services, "item_library", None)
        session = open_session(entry, data, ctx.progress, ctx.cancelled, items)
        session.inventory = stock_inventory(self.services, self.me(), ctx)
        return session

    def settle_unsaved(self, then: Then, on_cancel: Then | None = None) -> None:
        """Run ``then`` once nothing unsaved is in the way: at once when the edits are saved or
        the user discards them, after the save when they choose Save (the default button)."""
        if not self.is_dirty():
            then()
            return
        answer = ask.ask_unsaved(self, self.entry.name)
        if answer is ask.Unsaved.SAVE:
            self.save(then=then)
        elif answer is ask.Unsaved.DISCARD:
            then()
        elif on_cancel is not None:
            on_cancel()

    def may_close(self) -> bool:
        """Whether the window may close now: nothing unsaved, or the user dropped it. Save saves
        first and closes the window once saved (a failed save leaves it open, saying why)."""
        if not self.is_dirty():
            return True
        answer = ask.ask_unsaved(self, self.entry.name)
        if answer is ask.Unsaved.SAVE:
            window = self.window()
            self.save(then=lambda: QTimer.singleShot(0, window.close))
        return answer is ask.Unsaved.DISCARD

    def _opened(self, entry: Any, session: AvatarSession) -> None:
        self.entry, self.session = entry, session
        self.undo.clear()
        self.edits.reset(dict(entry.metadata or {}))
        session.note_item_colors()
        self.tints.set_materials(session.tintable(), session.authored_colors(), session.texture_means)
        self.body.set_keys([f"bodyMorphs/{n}" for n in session.body_morphs])
        self.face.set_keys([f"faceMorphs/{n}" for n in session.face_morphs])
        self.bones.set_keys(session.bones)
        self.outfit.set_items(session.inventory)
        self._show_licence()
        self.say(session.scene_note)
        self.select(entry.id)
        self._sync_buttons()
        self.avatar_opened.emit(session)
        self.title_changed.emit()

    def _show_licence(self) -> None:
        if self.session is None:
            self.licence.setText("Nothing open: double-click an avatar to edit it.")
            return
        text = f"Open: {self.session.entry.name} — licence: {self.session.licence_text}"
        if not self.session.can_modify:
            text += "\nThe editors are switched off for this avatar."
        self.licence.setText(text)

    def _close_avatar(self) -> None:
        self.dresser.dress_nothing()
        self.entry = self.session = None
        self.undo.clear()
        self.edits.reset({})
        self.tints.set_materials([])
        for editor in (self.body, self.face, self.bones):
            editor.set_keys([])
        self.outfit.set_items([])
        self._show_licence()
        self._sync_buttons()
        self.avatar_closed.emit()
        self.title_changed.emit()

    # Preview dressing: hair and clothing change meshes, so the preview's scene is rebuilt -------
    def _edits_changed(self, kind: str, _key: str) -> None:
        if kind in ("equip", "all") and self.session is not None:
            self.dresser.dress(self.session, self.edits.metadata())

    def _dressed(self, session: AvatarSession) -> None:
        if session is self.session:
            session.note_item_colors()
            self.tints.set_materials(session.tintable(), session.authored_colors(), session.texture_means)
            self.scene_replaced.emit(session)

    def editable(self) -> bool:
        return self.session is not None and self.session.can_modify

    def push(self, command: QUndoCommand) -> None:
        """Every editor gesture comes through here; refused where the licence forbids editing."""
        if not self.editable():
            reason = self.session.licence_text if self.session is not None else "open an avatar first"
            self.say(f"This avatar cannot be edited: {reason}")
            return
        self.undo.push(command)
        self._sync_buttons()

    def save(self, then: Then | None = None) -> None:
        """Save the open avatar's edits; ``then`` runs once they are saved (and the list reloaded)."""
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
            lambda saved: self._saved(saved, then),
        )

    def _saved(self, entry: Any, then: Then | None) -> None:
        self.entry = entry
        if self.session is not None:
            self.session.entry = entry
        self.undo.setClean()
        clear_error_banner(self)
        self.refresh(then=then)
        self.say("Saved.")  # after refresh, which clears the message line

    def export_to(
        self, folder: Path, formats: tuple[str, ...] = EXPORT_FORMATS, *, preset: str = "web"
    ) -> None:
        """Write the open avatar with its edits as ``<name>.glb/.vrm/.webp`` into ``folder``."""
        wardrobe_export.export_to(self, folder, formats, preset=preset)

    # Background plumbing ------------------------------------------------------------------------
    def _run(self, message: str, work: Any, done: Any) -> None:
        if self.task is not None:
            self.say("Still busy with the previous step; wait or cancel it.")
            return
        self.say("")
        self.progress.busy(message)

        def finish(result: Any) -> None:
            self._ended()
            done(result)
            self._after_step()

        def fail(error: BaseException) -> None:
            self._ended()
            self.say(plain_message(error))
            if not isinstance(error, CancelledError):
                show_error_banner(self, error)  # seen where the user is looking, moves nothing
            self._after_step()

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

    def _ended(self) -> None:
        self.task = None
        self.progress.idle()

    def _after_step(self) -> None:
        self._sync_buttons()
        if self._refresh_pending and self.task is None:
            self._refresh_pending = False
            self.refresh()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
