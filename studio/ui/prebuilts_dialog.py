"""File ▸ Prebuilt collection…: the artists' build-and-publish flow of `studio prebuilts` in the app.

Pick a folder of source ``.vrm``/``.glb`` files (with optional ``NAME.json`` metadata) and an output
folder; **Build** exports every changed source in parallel (runtime GLB, source VRM, webp thumbnail,
validated; unchanged sources are skipped by content hash) and lists each item with its sizes and
validation; **Publish** sends the built items to the public prebuilts prefix and the catalogue rows
(:class:`studio.services.prebuilt_collection.PrebuiltCollection`). Both run on the task runner with
a progress bar and can be stopped. The folders are remembered in the window's ``QSettings``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.domain.errors import StudioError
from studio.services.prebuilt_collection import PrebuiltCollection
from studio.services.prebuilts import BuildReport, ItemReport, default_workers
from studio.services.publish_prebuilts import PublishReport
from studio.ui.messages import friendly
from studio.ui.tasks import TaskContext, TaskRunner

SRC_KEY, OUT_KEY = "prebuilts/source", "prebuilts/output"
COLUMNS = ("Item", "Status", "GLB", "VRM", "WebP", "Validation")
PRESETS = {"web": "Web (1024 px textures, compressed)", "desktop": "Desktop (2048 px, full precision)"}


def human_size(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    size = float(entry.get("size", 0))
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 2**20:.1f} MB"


def validation_text(item: ItemReport) -> str:
    if not item.validation:
        return item.message or "–"
    checks = item.validation.items()
    parts = [f"{k.upper()}: {v['errors']} errors, {v['warnings']} warnings" for k, v in checks]
    return "; ".join(parts) + (f" — {item.message}" if item.message else "")


class PrebuiltsDialog(QDialog):
    def __init__(
        self,
        collection: PrebuiltCollection,
        runner: TaskRunner,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Prebuilt collection")
        self.collection, self.runner, self.settings = collection, runner, settings
        self._running = False  # a build or publish is under way
        self._stop = False  # read by the worker between items (set by Stop / closing)
        #: items the worker finished since the last progress signal (appended there, shown here)
        self._arrived: deque[ItemReport] = deque()
        self.last_build: BuildReport | None = None
        self.last_publish: PublishReport | None = None
        self.source = self._folder_row(SRC_KEY)
        self.output = self._folder_row(OUT_KEY)
        self.preset = QComboBox()
        for key, label in PRESETS.items():
            self.preset.addItem(label, key)
        self.workers = QSpinBox()
        self.workers.setRange(1, max(1, default_workers()))
        self.workers.setValue(default_workers())
        self.workers.setSuffix(" avatars")
        self.workers.setToolTip("How many sources are built at the same time (one per core by default)")
        self.target = QLabel(f"Publishes to {collection.target().describe()}.")
        self.target.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("Choose a folder of .vrm/.glb sources and where to write the collection.")
        self.status.setWordWrap(True)
        self.table = self._table()
        self.build_button = QPushButton("Build")
        self.publish_button = QPushButton("Publish")
        self.stop_button = QPushButton("Stop")
        self.close_button = QPushButton("Close")
        self._layout()
        self.build_button.clicked.connect(self.build)
        self.publish_button.clicked.connect(self.publish)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.reject)
        for edit in (self.source, self.output):
            edit.textChanged.connect(self._sync_buttons)
        self._sync_buttons()
        self.resize(820, 560)

    # -- layout ------------------------------------------------------------------------------
    def _folder_row(self, key: str) -> QLineEdit:
        edit = QLineEdit()
        saved = self.settings.value(key) if self.settings is not None else None
        if isinstance(saved, str):
            edit.setText(saved)
        return edit

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        return table

    def _browse(self, edit: QLineEdit, title: str) -> QPushButton:
        button = QPushButton("Browse…")

        def pick() -> None:
            folder = QFileDialog.getExistingDirectory(self, title, edit.text() or str(Path.home()))
            if folder:
                edit.setText(folder)

        button.clicked.connect(pick)
        return button

    def _layout(self) -> None:
        form = QFormLayout()
        for label, edit, title in (
            ("Sources:", self.source, "Folder of source avatars"),
            ("Output:", self.output, "Folder for the built collection"),
        ):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(self._browse(edit, title))
            form.addRow(label, row)
        form.addRow("Runtime preset:", self.preset)
        form.addRow("Build at once:", self.workers)
        buttons = QHBoxLayout()
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.publish_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.target)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

    def _sync_buttons(self) -> None:
        busy = self._running
        out = self.output.text().strip()
        self.build_button.setEnabled(not busy and bool(self.source.text().strip()) and bool(out))
        self.publish_button.setEnabled(not busy and bool(out) and _ready(out))
        self.stop_button.setEnabled(busy)
        for widget in (self.source, self.output, self.preset, self.workers):
            widget.setEnabled(not busy)

    # -- actions -----------------------------------------------------------------------------
    def build(self) -> None:
        src, out = self.source.text().strip(), self.output.text().strip()
        preset, workers = str(self.preset.currentData()), self.workers.value()
        self._remember()

        self.table.setRowCount(0)
        arrived = self._arrived

        def work(ctx: TaskContext) -> BuildReport:
            def progress(item: ItemReport, done: int, total: int) -> None:
                arrived.append(item)  # the table shows it with the next progress signal
                ctx.progress(done / max(1, total), f"{done} of {total}: {item.id} {item.status}")

            return self.collection.build(
                src, out, preset=preset, workers=workers, progress=progress, cancel=self._stopping(ctx)
            )

        self._start("Building", work, self._built)

    def publish(self) -> None:
        out = self.output.text().strip()
        self._remember()

        def work(ctx: TaskContext) -> PublishReport:
            def progress(item_id: str, done: int, total: int) -> None:
                ctx.progress(done / max(1, total), f"{done} of {total}: {item_id} published")

            return self.collection.publish(out, progress=progress, cancel=self._stopping(ctx))

        self._start("Publishing", work, self._published)

    def stop(self) -> None:
        if self._running:
            self._stop = True
            self.status.setText("Stopping after the items under way…")

    def _stopping(self, ctx: TaskContext) -> Callable[[], bool]:
        return lambda: self._stop or ctx.cancelled()

    def _start(self, verb: str, work: Any, done: Any) -> None:
        self.progress.setRange(0, 0)  # busy until the first item reports
        self.progress.setVisible(True)
        self.status.setText(f"{verb}…")
        self._running, self._stop = True, False
        self.runner.submit(
            f"prebuilts: {verb.lower()}",
            work,
            on_done=lambda report: self._finish(done, report),
            on_error=self._failed,
            on_progress=self._progressed,
            owner=self,
        )
        self._sync_buttons()

    def _progressed(self, fraction: float | None, message: str) -> None:
        while self._arrived:  # items finished on the worker: a row each, as they come
            self._show_row(self.table.rowCount(), self._arrived.popleft())
        if fraction is not None:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(fraction * 1000))
        if message:
            self.status.setText(message)

    def _finish(self, done: Any, report: Any) -> None:
        self._running = False
        self.progress.setVisible(False)
        done(report)
        self._sync_buttons()

    def _failed(self, error: BaseException) -> None:
        self._running = False
        self.progress.setVisible(False)
        said = friendly(error)
        self.status.setText(said.line)
        self.status.setToolTip(said.details)
        self._sync_buttons()

    def _built(self, report: BuildReport) -> None:
        self.last_build = report
        self._arrived.clear()
        self.table.setRowCount(0)
        for row, item in enumerate(report.items):  # the whole collection, in source order
            self._show_row(row, item)
        self.status.setText(
            f"{len(report.items)} items: {report.count('built')} built, {report.count('skipped')} unchanged, "
            f"{report.count('failed')} failed in {report.seconds:.1f} s."
        )

    def _show_row(self, row: int, item: ItemReport) -> None:
        if row >= self.table.rowCount():
            self.table.setRowCount(row + 1)
        cells = (
            item.name or item.id,
            item.status,
            human_size(item.files.get("glb")),
            human_size(item.files.get("vrm")),
            human_size(item.files.get("webp")),
            validation_text(item),
        )
        for col, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setToolTip(item.message or text)
            self.table.setItem(row, col, cell)

    def _published(self, report: PublishReport) -> None:
        self.last_publish = report
        count = len(report.items)
        line = f"Published {count} item{'' if count == 1 else 's'} to {self.collection.target().store}"
        if report.not_published:
            names = ", ".join(item_id for item_id, _ in report.not_published)
            line += f"; not published (their build failed): {names}"
        self.status.setText(line + ".")

    def _remember(self) -> None:
        if self.settings is not None:
            self.settings.setValue(SRC_KEY, self.source.text().strip())
            self.settings.setValue(OUT_KEY, self.output.text().strip())
            self.settings.sync()

    def reject(self) -> None:
        self.stop()  # closing stops the work rather than leaving it running unseen
        super().reject()


def _ready(out: str) -> bool:
    try:
        return PrebuiltCollection.built_items(out) > 0
    except StudioError:  # an unreadable catalogue: Build rewrites it; Publish would only fail
        return False
