"""The main window: prompt, gallery, wardrobe editor and 3D preview as dock widgets.

The window gets the composition root (``studio.app.Studio``) injected and hands each pane the
services it calls. Dock layout and window geometry are saved with ``QSettings`` in ``ui.ini``
under the studio config dir, so the layout survives restarts (and ``STUDIO_HOME`` relocates it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from studio.domain.errors import InvalidInputError, OfflineError
from studio.ui.panes.gallery_pane import GalleryPane, GallerySource
from studio.ui.panes.preview_pane import PreviewPane
from studio.ui.panes.prompt_pane import PromptPane
from studio.ui.panes.wardrobe_pane import WardrobePane
from studio.ui.tasks import TaskContext, TaskRunner
from studio.ui.widgets import plain_message

LAYOUT_VERSION = 2
STATUS_POLL_MS = 30_000
STATUS_RECOUNT_MS = 400
RESTART_FIELDS = (
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
        self.setWindowTitle("Avatar Studio")
        self.setDockNestingEnabled(True)
        self.prompt = PromptPane(studio.generation, self.me, studio.read_blob, self.runner)
        self.gallery = GalleryPane(GallerySource(studio.gallery, studio.read_blob, self.me), self.runner)
        self.wardrobe = WardrobePane(studio, self.me, self.runner, self.undo)
        self.preview = PreviewPane()
        self.docks: dict[str, QDockWidget] = {}
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)  # every pane is a dock; they share the whole window
        # Three columns, as in most asset tools: sources left, the viewport in the middle, the
        # inspector (wardrobe editor) right.
        self._dock("prompt", "Prompt", self.prompt, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("gallery", "Gallery", self.gallery, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["prompt"], self.docks["gallery"])
        self.docks["prompt"].raise_()
        self._dock("preview", "3D preview", self.preview, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("wardrobe", "Wardrobe", self.wardrobe, Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.docks["preview"], self.docks["wardrobe"], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.docks["prompt"], self.docks["preview"], self.docks["wardrobe"]],
            [400, 700, 480],
            Qt.Orientation.Horizontal,
        )
        self._default_state = self.saveState(LAYOUT_VERSION)
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
    def _dock(self, key: str, title: str, pane: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")  # saveState/restoreState find docks by object name
        dock.setWidget(pane)
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    def _status_bar(self) -> None:
        self.identity_label = QLabel()
        self.online_label = QLabel()
        self.sync_label = QLabel()
        self.activity_label = QLabel()
        for label in (self.identity_label, self.online_label, self.sync_label):
            self.statusBar().addPermanentWidget(label)
        self.statusBar().addWidget(self.activity_label, 1)

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.settings_action = file_menu.addAction("&Settings…", self.open_settings)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.sync_action = file_menu.addAction("S&ync now", self.sync_now)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", QKeySequence.StandardKey.Quit, self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = self.undo.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
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
        self.wardrobe.avatar_opened.connect(self._avatar_opened)
        self.wardrobe.scene_replaced.connect(self._avatar_opened)  # new hair/clothes: a new scene
        self.prompt.avatar_chosen.connect(
            lambda _: self.statusBar().showMessage("Profile avatar updated.", 5000)
        )
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
            self.resize(1400, 900)
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state), LAYOUT_VERSION)

    def save_layout(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.qsettings.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()

    # Start / stop -------------------------------------------------------------------------------
    def start(self) -> None:
        """Load what the panes show; called once the window is up (launch, tests)."""
        self.refresh_status()
        if self.has_identity():
            self.wardrobe.refresh()
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
        pending = f"{status.pending} change(s) waiting" if status.pending else "nothing waiting"
        if not configured:
            self.sync_label.setText(f"Sync: not set up ({pending})")
        else:
            last = f", last sync {_when(status.last_sync)}" if status.last_sync else ", never synced"
            last += f" ({self._last_sync})" if status.last_sync and self._last_sync else ""
            self.sync_label.setText(f"Sync: {pending}{last}")

    def _task_ended(self, name: str) -> None:
        if name not in ("sync status", "sync"):
            self._recount.start()

    def _activity(self, running: int) -> None:
        self.activity_label.setText(f"Working… ({running})" if running else "")

    # Actions ------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        s = self.studio.settings
        if not (s.remote_database_url and s.s3_bucket):
            self.sync_label.setText("Sync: add a PostgreSQL URL and an S3 bucket in Settings first")
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
        if self.has_identity():
            self.wardrobe.refresh()

    def _recall(self, prompt: str, style: object) -> None:
        self.prompt.set_prompt(prompt, style if isinstance(style, str) else None)
        self.docks["prompt"].show()
        self.docks["prompt"].raise_()

    def _avatar_opened(self, session: Any) -> None:
        self.preview.show_avatar(session, self.wardrobe.edits)
        self.docks["preview"].setWindowTitle(f"3D preview — {session.entry.name}")

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
