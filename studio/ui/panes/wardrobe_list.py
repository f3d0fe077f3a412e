"""The wardrobe's avatar list: what the player owns (model -> view) and what they do to it
(add, activate, rename, delete; view -> model), as a mixin of :class:`WardrobePane`, which owns
the widgets, the open avatar and the background plumbing (``_run``) these methods use.

Open, Make active, Rename and Delete act on the list's selection; the open avatar follows a
rename or activation made here. Deleting the active avatar makes the most recently updated of
the rest active (through the wardrobe service), so game worlds still find one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QWidget,
)

from studio.ui.panes import wardrobe_dialogs as ask
from studio.ui.panes.wardrobe_dressing import stock_inventory
from studio.ui.tasks import Task, TaskContext, TaskRunner
from studio.ui.widgets import clear_error_banner, image_from_bytes

Then = Callable[[], None]
#: the portraits beside the avatars' names (onboarding's list shows the same ones)
PORTRAIT = 48


class AvatarListMixin:
    """The list half of the wardrobe pane (see the module docstring)."""

    services: Any
    me: Callable[[], Any]
    runner: TaskRunner
    avatars: QListWidget
    entry: Any
    session: Any
    task: Task | None
    _after_refresh: list[Then]
    _refresh_pending: bool
    _stocked_for: str | None
    #: (entry id, thumbnail) -> its portrait in the list (a blank square until read)
    _portraits: dict[tuple[Any, Any], QIcon]

    @property
    def _parent(self) -> QWidget:
        """The pane, as the parent of the dialogs these methods open."""
        return cast("QWidget", self)

    if TYPE_CHECKING:  # provided by WardrobePane

        def _run(self, message: str, work: Any, done: Any) -> None: ...
        def _sync_buttons(self) -> None: ...
        def _show_licence(self) -> None: ...
        def _close_avatar(self) -> None: ...
        def say(self, text: str) -> None: ...
        def open_entry(self, entry: Any) -> None: ...
        def _open_active_if_idle(self) -> None: ...
        @property
        def entries_changed(self) -> Any: ...
        @property
        def title_changed(self) -> Any: ...

    def _add_menu(self) -> QToolButton:
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
        return add

    # Avatars list (model -> view) ---------------------------------------------------------------
    def refresh(self, *, then: Then | None = None, open_active: bool = False) -> None:
        """Reload the avatar list, then run ``then``; ``open_active``: afterwards open the active
        avatar if nothing is open (on launch, after onboarding). While another step runs, the
        reload waits for it. The first time a player is seen this run (a new identity from
        onboarding or settings, or the first start), an empty inventory gets the built-in items."""
        if then is not None:
            self._after_refresh.append(then)
        if open_active:
            self._after_refresh.append(self._open_active_if_idle)
        if self.task is not None:
            self._refresh_pending = True
            return
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
        after, self._after_refresh = self._after_refresh, []
        for then in after:
            then()

    def _show_entries(self, entries: Any) -> None:
        current = self.selected_entry()
        keep = current.id if current is not None else (self.entry.id if self.entry is not None else None)
        self.avatars.blockSignals(True)
        self.avatars.clear()
        self.avatars.setIconSize(QSize(PORTRAIT, PORTRAIT))
        for entry in entries:
            item = QListWidgetItem(self._portrait(entry), self._entry_text(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry)
            self.avatars.addItem(item)
            if entry.id == keep:
                self.avatars.setCurrentItem(item)
            if self.entry is not None and entry.id == self.entry.id:
                self._adopt(entry)
        self.avatars.blockSignals(False)
        self._sync_buttons()
        self.entries_changed.emit()

    def _portrait(self, entry: Any) -> QIcon:
        """The entry's portrait when it has been read already, else a blank square while it is read
        on a worker (never on the UI thread); a new thumbnail (a save) is read again."""
        key = (entry.id, entry.thumbnail_url)
        if key in self._portraits:
            return self._portraits[key]
        self._portraits[key] = ask.blank_icon(PORTRAIT)
        if entry.thumbnail_url:
            read_blob = self.services.read_blob
            self.runner.submit(
                f"portrait of {entry.name}",
                lambda ctx: image_from_bytes(read_blob(entry.thumbnail_url), PORTRAIT),
                on_done=lambda image: self._show_portrait(key, image),
                on_error=lambda _exc: None,  # no portrait: the name alone says which one it is
                owner=self._parent,
            )
        return self._portraits[key]

    def _show_portrait(self, key: tuple[Any, Any], image: QImage) -> None:
        if image.isNull():
            return
        self._portraits[key] = ask.true_icon(QPixmap.fromImage(image))
        for row in range(self.avatars.count()):
            item = self.avatars.item(row)
            entry = item.data(Qt.ItemDataRole.UserRole)
            if (entry.id, entry.thumbnail_url) == key:
                item.setIcon(self._portraits[key])

    def _adopt(self, entry: Any) -> None:
        """The open avatar's row changed here (renamed, activated): follow its name and version.
        A change to its edits (a sync) is not adopted, so saving over it is refused as a conflict."""
        if entry.metadata != self.entry.metadata or entry == self.entry:
            return
        renamed = entry.name != self.entry.name
        self.entry = entry
        if self.session is not None:
            self.session.entry = entry
        if renamed:
            self._show_licence()
            self.title_changed.emit()

    @staticmethod
    def _entry_text(entry: Any) -> str:
        star = "★ " if entry.is_active else "   "
        kind = "glb" if entry.avatar_type == "vrm" and not entry.source_url else entry.avatar_type
        return f"{star}{entry.name}  ·  {kind}"

    def entries(self) -> list[Any]:
        return [self.avatars.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.avatars.count())]

    def selected_entry(self) -> Any:
        item = self.avatars.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def select(self, entry_id: Any) -> None:
        for row in range(self.avatars.count()):
            if self.avatars.item(row).data(Qt.ItemDataRole.UserRole).id == entry_id:
                self.avatars.setCurrentRow(row)

    def _successor(self, entry: Any) -> Any:
        """The avatar that becomes active when ``entry`` (the active one) is deleted."""
        return _most_recent([e for e in self.entries() if e.id != entry.id])

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

    def _added(self, entry: Any) -> None:
        """A new avatar is selected and opened (after the unsaved-changes question, if any); an
        error banner left by an earlier add that failed goes."""
        clear_error_banner(self._parent)
        self.refresh(then=lambda: self._open_new(entry.id))

    def _open_new(self, entry_id: Any) -> None:
        self.select(entry_id)
        entry = self.selected_entry()
        if entry is not None and entry.id == entry_id:
            self.open_entry(entry)

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
        if entry is None:
            return
        problem = ask.name_problem(name)
        if problem is not None:
            self.say(problem)
            return
        self._run(
            "Renaming…",
            lambda ctx: self.services.wardrobe.update(self.me(), entry.id, name=name.strip()),
            lambda _: self.refresh(),
        )

    def delete_selected(self) -> None:
        """Delete the selected avatar. The open one is closed first; when it was the active one,
        the most recently updated of the rest becomes active (game worlds load it)."""
        entry = self.selected_entry()
        if entry is None:
            return
        if self.entry is not None and self.entry.id == entry.id:
            self._close_avatar()

        def work(ctx: TaskContext) -> None:
            me = self.me()
            self.services.wardrobe.delete(me, entry.id)
            successor = _most_recent(self.services.wardrobe.list(me)) if entry.is_active else None
            if successor is not None:
                self.services.wardrobe.activate(me, successor.id)

        self._run("Deleting…", work, lambda _: self.refresh())

    # Dialog front-ends (thin: tests call the methods above) ------------------------------------
    def ask_add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Add an avatar", "", "Avatars (*.vrm *.glb)")
        if path:
            self.add_from_file(Path(path))

    def ask_add_prebuilt(self) -> None:
        """The prebuilts as portraits (made on workers, the dialog never waits for them)."""
        library = self.services.avatars
        prebuilts = library.prebuilts()  # the built-ins, then what artists published (after a sync)
        if not prebuilts:
            self.say("No prebuilt avatars are installed.")
            return
        picker = ask.PrebuiltPicker(self._parent, [(p.id, p.name or p.id) for p in prebuilts])
        cache = Path(self.services.settings.cache_dir)
        ids = [p.id for p in prebuilts]
        ask.load_prebuilt_previews(
            self.runner, picker, ids, cache, picker.show_preview, published=library.prebuilt_thumbnail
        )
        try:
            chosen = picker.chosen() if picker.exec() else None
        finally:
            picker.deleteLater()
        if chosen:
            self.add_prebuilt(chosen)

    def ask_rename(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            name = ask.ask_name(self._parent, entry.name)
            if name is not None:
                self.rename_selected(name)

    def ask_delete(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        successor = self._successor(entry) if entry.is_active else None
        if ask.confirm_delete(self._parent, entry, successor.name if successor is not None else None):
            self.delete_selected()


def _most_recent(entries: Any) -> Any:
    """The most recently updated entry (None for none)."""
    return max(entries, key=lambda e: (e.updated_at, e.created_at), default=None)
