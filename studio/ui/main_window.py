"""The main window: prompt, gallery, wardrobe editor and 3D preview as dock widgets.

The window gets the composition root (``studio.app.Studio``) injected and hands each pane the
services it calls. Dock layout and window geometry are saved with ``QSettings`` in ``ui.ini``
under the studio config dir, so the layout survives restarts (and ``STUDIO_HOME`` relocates it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QPixmap, QResizeEvent, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QStyle,
    QWidget,
)

from studio.domain.errors import InvalidInputError, OfflineError
from studio.ui.panes.gallery_pane import GalleryPane, GallerySource
from studio.ui.panes.preview_pane import PreviewPane
from studio.ui.panes.prompt_pane import PromptPane
from studio.ui.panes.wardrobe_pane import WardrobePane
from studio.ui.screen_fit import fit_on_screen
from studio.ui.tasks import TaskContext, TaskRunner
from studio.ui.widgets import image_from_bytes, plain_message, scrolling

LAYOUT_VERSION = 3  # 3: the 3D preview is the central widget (2 had it as a dock)
MIN_WINDOW = (960, 600)  # below this no pane is usable; docks scroll rather than overlap
SIDE_WIDTHS = {"prompt": 380, "wardrobe": 440}  # the side columns' widths at first start
AVATAR_ICON = 20  # px, the profile portrait in the status bar
SIDE_SHARES = {"prompt": 0.27, "wardrobe": 0.36}  # at most this much of a smaller window each
STATUS_POLL_MS = 30_000
STATUS_RECOUNT_MS = 400
FIRST_WINDOW = (1400, 900)  # at first start, or the screen's free area when that is smaller
RESTART_FIELDS = (  # the Fal key and proxy URL apply at once (studio.generation.wiring)
    "database_url",
    "remote_database_url",
    "s3_endpoint_url",
    "s3_bucket",
    "s3_access_key_id",
    "data_dir",
    "cache_dir",
)


def ui_settings(config_dir: Path) -> QSettings:
    """Window layout storage: ``<config_dir>/ui.ini``."""
    config_dir.mkdir(parents=True, exist_ok=True)
    return QSettings(str(config_dir / "ui.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    def __init__(
        self,
        studio: Any,
        *,
        runner: TaskRunner | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.runner = runner or TaskRunner()
        self.qsettings = settings or ui_settings(studio.settings.config_dir)
        self.undo = QUndoStack(self)
        self.prebuilts_dialog: QDialog | None = None  # File > Prebuilt collection…, made on first use
        self.setWindowTitle("Avatar Studio")
        self.setDockNestingEnabled(True)
        self.prompt = PromptPane(
            studio.generation, self.me, studio.read_blob, self.runner, settings=self.qsettings
        )
        self.gallery = GalleryPane(GallerySource(studio.gallery, studio.read_blob, self.me), self.runner)
        self.wardrobe = WardrobePane(studio, self.me, self.runner, self.undo, settings=self.qsettings)
        self.preview = PreviewPane()
        self.docks: dict[str, QDockWidget] = {}
        self._layout_panes()
        self._status_bar()
        self._menus()
        self._wire()
        self.restore_layout()
        self._poll = QTimer(self, interval=STATUS_POLL_MS)
        self._poll.timeout.connect(self.refresh_status)
        # Edits, generations and imports queue changes for sync: recount shortly after work ends.
        self._recount = QTimer(self, interval=STATUS_RECOUNT_MS, singleShot=True)
        self._recount.timeout.connect(self.refresh_status)
        self._last_sync = ""

    # Construction -------------------------------------------------------------------------------
    def _layout_panes(self) -> None:
        """Three columns, as in most asset tools: sources left (Prompt and Gallery tabbed), the 3D
        preview in the middle as the central widget (it takes what the window gains when it
        grows), the inspector (wardrobe editor) right. The side panes scroll when the window is
        too small for them instead of overlapping their neighbours."""
        self.setCentralWidget(self.preview)
        self.setMinimumSize(*MIN_WINDOW)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self._dock("prompt", "Prompt", scrolling(self.prompt, 200), left)
        self._dock("gallery", "Gallery", self.gallery, left)
        self.tabifyDockWidget(self.docks["prompt"], self.docks["gallery"])
        self.docks["prompt"].raise_()
        self._dock("wardrobe", "Wardrobe", scrolling(self.wardrobe, 260), right)
        self.side_widths = dict(SIDE_WIDTHS)  # what the user wants; follows their splitter drags
        self.resizeDocks(
            [self.docks[k] for k in SIDE_WIDTHS], list(SIDE_WIDTHS.values()), Qt.Orientation.Horizontal
        )
        self._default_state = self.saveState(LAYOUT_VERSION)

    def _dock(self, key: str, title: str, pane: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")  # saveState/restoreState find docks by object name
        dock.setWidget(pane)
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    def _status_bar(self) -> None:
        self.avatar_label = QLabel()  # the profile portrait, small, next to who is signed in
        self.avatar_label.setObjectName("profileAvatar")
        self.avatar_label.setFixedSize(AVATAR_ICON, AVATAR_ICON)
        self.avatar_label.setScaledContents(True)
        self.avatar_label.hide()
        self.statusBar().addPermanentWidget(self.avatar_label)
        self.identity_label = QLabel()
        self.online_label = QLabel()
        self.sync_label = QLabel()
        self.activity_label = QLabel()
        for label in (self.identity_label, self.online_label, self.sync_label):
            self.statusBar().addPermanentWidget(label)
        self.statusBar().addWidget(self.activity_label, 1)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.wardrobe.save_action, self.wardrobe.export_action])  # Ctrl+S
        file_menu.addSeparator()
        self.settings_action = file_menu.addAction("&Settings…", self.open_settings)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.sync_action = file_menu.addAction("S&ync now", self.sync_now)
        self.prebuilts_action = file_menu.addAction("&Prebuilt collection…", self.open_prebuilts)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", QKeySequence.StandardKey.Quit, self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = self.undo.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo.createRedoAction(self, "&Redo")
        redo.setShortcuts([*QKeySequence.keyBindings(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")])
        edit_menu.addActions([undo, redo])
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction("Reset layout", self.reset_layout)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About Avatar Studio", self._about)
        self.undo_action, self.redo_action = undo, redo

    def _wire(self) -> None:
        self.gallery.recall.connect(self._recall)
        # a new generation or a new choice changes "My history" (its images and the ✓ chosen mark)
        self.prompt.generated.connect(lambda _log: self.gallery.history_changed())
        self.prompt.avatar_chosen.connect(lambda _ref: self.gallery.history_changed())
        self.wardrobe.avatar_opened.connect(self._avatar_opened)
        self.wardrobe.scene_replaced.connect(self._avatar_opened)  # new hair/clothes: a new scene
        self.wardrobe.avatar_closed.connect(self._avatar_closed)
        self.wardrobe.title_changed.connect(self._sync_titles)
        self.prompt.avatar_chosen.connect(self._avatar_chosen)
        self.runner.activity.connect(self._activity)
        self.runner.finished.connect(self._task_ended)

    # Identity -----------------------------------------------------------------------------------
    def me(self) -> Any:
        """The signed-in player; a clear message (not a traceback) when identity is not set yet."""
        return self.studio.identity()

    def has_identity(self) -> bool:
        try:
            self.me()
        except InvalidInputError:
            return False
        return True

    # Layout persistence -------------------------------------------------------------------------
    def restore_layout(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(*FIRST_WINDOW)
        fit_on_screen(self)
        # Widths from a saved layout are the user's; the defaults stay wanted when a small first
        # window squeezes them (they come back when the window grows).
        self._user_widths_restored = isinstance(state, QByteArray | bytes)
        if self._user_widths_restored:
            self.restoreState(QByteArray(state), LAYOUT_VERSION)

    def save_layout(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.qsettings.sync()

    def reset_layout(self) -> None:
        self.side_widths = dict(SIDE_WIDTHS)
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.fit_side_docks()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not event.oldSize().isValid():  # first show: the restored widths are the user's
            if self._user_widths_restored:
                QTimer.singleShot(0, self, self._remember_side_widths)
            else:
                self.fit_side_docks()
        elif event.oldSize().width() != event.size().width():
            self.fit_side_docks()

    def _remember_side_widths(self) -> None:
        for key in self.side_widths:
            if self.docks[key].isVisible():
                self.side_widths[key] = self.docks[key].width()

    def event(self, event: QEvent) -> bool:
        # The separators between docks belong to the main window: a mouse release on the window
        # itself ends a splitter drag, and the new widths are what the user wants from now on.
        if event.type() == QEvent.Type.MouseButtonRelease:
            QTimer.singleShot(0, self, self._remember_side_widths)
        return super().event(event)

    def fit_side_docks(self) -> None:
        """Side columns at the user's widths when the window has room, squeezed towards their
        minimum when it has not; the 3D preview (central) gets the rest, so it is the one that
        grows with the window."""
        docks, widths = [], []
        for key, preferred in self.side_widths.items():
            dock = self.docks[key]
            sides = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
            if dock.isHidden() or dock.isFloating() or self.dockWidgetArea(dock) not in sides:
                continue
            content = dock.widget()
            smallest = content.minimumSizeHint().width() if content is not None else 0
            pane = content.widget() if isinstance(content, QScrollArea) else None
            if pane is not None:  # the pane's own minimum: it fits without scrolling sideways
                extent = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
                smallest = max(smallest, pane.minimumSizeHint().width() + extent + 8)
            docks.append(dock)
            widths.append(min(preferred, max(smallest, int(SIDE_SHARES[key] * self.width()))))
        if docks:
            self.resizeDocks(docks, widths, Qt.Orientation.Horizontal)

    # Start / stop -------------------------------------------------------------------------------
    def start(self, *, open_active: bool = True) -> None:
        """Load what the panes show; called once the window is up (launch, tests). Without
        ``open_active`` (files were opened with the studio) the active avatar is not opened."""
        self.refresh_status()
        self.refresh_profile_picture()
        if self.has_identity():
            self.wardrobe.refresh(open_active=open_active)  # the active avatar, in editor and preview
            self.prompt.refresh_quota()  # Generate waits (with a tooltip) while the limit is reached
        self.gallery.refresh()
        self._poll.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.wardrobe.may_close():
            event.ignore()
            return
        self.save_layout()
        self._poll.stop()
        self.runner.shutdown()
        super().closeEvent(event)

    # Status -------------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        s = self.studio.settings
        self.identity_label.setText(f"Signed in as {s.username}" if s.username else "Not signed in")
        configured = bool(s.remote_database_url and s.s3_bucket)
        if not configured:
            self.online_label.setText("● Offline (local only)")
        elif not self.online_label.text().startswith("● Online"):
            self.online_label.setText("● Server set up (not synced yet)")
        self.runner.submit(
            "sync status",
            lambda ctx: self.studio.sync.status(),
            on_done=lambda status: self._show_sync_status(status, configured),
            on_error=lambda exc: self.sync_label.setText(f"Sync: {plain_message(exc)}"),
            owner=self,
        )

    def _show_sync_status(self, status: Any, configured: bool) -> None:
        count = status.pending
        pending = f"{count} change{'' if count == 1 else 's'} waiting" if count else "nothing waiting"
        if not configured:  # working locally is normal, not a problem: the count is only a detail
            self.sync_label.setText("Sync: off — working locally")
            self.sync_label.setToolTip(
                f"Everything is kept on this computer ({pending} to send). To share and back up "
                "your avatars, add a PostgreSQL URL and an S3 bucket in File ▸ Settings…"
            )
        else:
            self.sync_label.setToolTip("")
            last = f", last sync {_when(status.last_sync)}" if status.last_sync else ", never synced"
            last += f" ({self._last_sync})" if status.last_sync and self._last_sync else ""
            self.sync_label.setText(f"Sync: {pending}{last}")

    def _avatar_chosen(self, _ref: str) -> None:
        self.statusBar().showMessage("Profile avatar updated.", 5000)
        self.refresh_profile_picture()

    def refresh_profile_picture(self) -> None:
        """The profile portrait next to "Signed in as …" (hidden while there is none)."""
        if not self.has_identity():
            self.avatar_label.hide()
            return

        def work(ctx: TaskContext) -> Any:
            profile = self.studio.profiles.me(self.me())
            ref = getattr(profile, "avatar_url", None)
            return image_from_bytes(self.studio.read_blob(ref), AVATAR_ICON * 2) if ref else None

        self.runner.submit(
            "profile picture", work, on_done=self._show_profile_picture, on_error=lambda _: None, owner=self
        )

    def _show_profile_picture(self, image: Any) -> None:
        if image is None or image.isNull():
            self.avatar_label.hide()
            return
        self.avatar_label.setPixmap(QPixmap.fromImage(image))
        self.avatar_label.setToolTip("Your profile avatar")
        self.avatar_label.show()

    def _task_ended(self, name: str) -> None:
        if name not in ("sync status", "sync", "profile picture"):
            self._recount.start()

    def _activity(self, running: int) -> None:
        self.activity_label.setText(f"Working… ({running})" if running else "")

    # Actions ------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        s = self.studio.settings
        if not (s.remote_database_url and s.s3_bucket):
            self.sync_label.setText("Sync: add a PostgreSQL URL and an S3 bucket in Settings first")
            self.sync_label.setToolTip("")
            return
        self.sync_action.setEnabled(False)
        self.sync_label.setText("Sync: starting…")

        def work(ctx: TaskContext) -> Any:
            return self.studio.sync.sync_now(
                progress=lambda p: ctx.progress(*describe_sync(p)), cancel=ctx.cancelled
            )

        self.sync_task = self.runner.submit(
            "sync",
            work,
            on_done=self._synced,
            on_error=self._sync_failed,
            on_progress=lambda f, m: self.sync_label.setText(f"Sync: {m}"),
            owner=self,
        )

    def _synced(self, report: Any) -> None:
        self.sync_action.setEnabled(True)
        self.online_label.setText("● Online")
        conflicts = len(getattr(report, "conflicts", None) or [])
        self._last_sync = f"{report.pushed} sent, {report.pulled} received" + (
            f", {conflicts} conflict copies kept" if conflicts else ""
        )
        self.sync_label.setText(f"Sync: done — {self._last_sync}")
        self.wardrobe.refresh()

    def _sync_failed(self, exc: BaseException) -> None:
        self.sync_action.setEnabled(True)
        if isinstance(exc, OfflineError):
            self.online_label.setText("● Offline")
        self.sync_label.setText(f"Sync failed: {plain_message(exc)}")

    def open_prebuilts(self) -> None:
        """The artists' build-and-publish dialog (non-modal: the studio stays usable meanwhile)."""
        from studio.ui.prebuilts_dialog import PrebuiltsDialog

        if self.prebuilts_dialog is None:
            self.prebuilts_dialog = PrebuiltsDialog(self.studio.prebuilts, self.runner, self.qsettings, self)
        self.prebuilts_dialog.show()
        self.prebuilts_dialog.raise_()

    def open_settings(self) -> None:
        from studio.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.studio.settings, parent=self)
        if dialog.exec():
            self.apply_settings(dialog.saved_settings)

    def apply_settings(self, settings: Any) -> None:
        """Identity applies at once; servers and folders when the studio next starts (the open
        connections and stores were built from the old values)."""
        restart = any(getattr(settings, k) != getattr(self.studio.settings, k) for k in RESTART_FIELDS)
        self.studio.settings = settings
        if restart:
            self.statusBar().showMessage(
                "Server and folder changes apply when the studio next starts.", 10000
            )
        self.refresh_status()
        self.refresh_profile_picture()
        if self.has_identity():
            self.wardrobe.refresh()

    def _recall(self, prompt: str, style: object) -> None:
        self.prompt.set_prompt(prompt, style if isinstance(style, str) else None)
        self.docks["prompt"].show()
        self.docks["prompt"].raise_()

    def _avatar_closed(self) -> None:
        """The open avatar was deleted: nothing of it stays in the preview."""
        self.preview.clear()
        self.preview.expression.clear()
        self.preview.expression.addItem("(neutral)")
        self.preview.status.setText("Open an avatar in the wardrobe to see it here.")

    def _sync_titles(self) -> None:
        """The open avatar's name in the window and Wardrobe titles; ``*`` while it has unsaved edits."""
        entry, dirty = self.wardrobe.entry, self.wardrobe.is_dirty()
        self.setWindowTitle(f"Avatar Studio — {entry.name}[*]" if entry is not None else "Avatar Studio")
        self.setWindowModified(dirty)
        mark = " *" if dirty else ""
        self.docks["wardrobe"].setWindowTitle(f"Wardrobe — {entry.name}{mark}" if entry else "Wardrobe")
        self.preview.set_title(entry.name if entry is not None else None)

    def _avatar_opened(self, session: Any) -> None:
        self.preview.show_avatar(session, self.wardrobe.edits)  # titles itself "3D preview — <name>"

    def _about(self) -> None:
        from studio import __version__

        QMessageBox.about(
            self, "Avatar Studio", f"Avatar Studio {__version__}\nMake, edit and publish avatars."
        )


def describe_sync(progress: Any) -> tuple[float | None, str]:
    """A sync progress report in words: phase, items and bytes."""
    total = progress.bytes_total or progress.items_total
    done = progress.bytes_done if progress.bytes_total else progress.items_done
    words = {
        "upload": "uploading files",
        "push": "sending changes",
        "pull": "receiving changes",
        "download": "downloading files",
        "publish": "publishing",
    }.get(progress.phase, progress.phase)
    return (done / total if total else None), f"{words} {progress.items_done}/{progress.items_total}"


def _when(iso: str) -> str:
    """An ISO timestamp as the user's local date and minute."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso
