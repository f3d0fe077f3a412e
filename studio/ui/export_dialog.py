"""The wardrobe's Export dialog: where to, which files, which runtime preset.

Files are named after the avatar (``New feminine.glb``; see ``avatar_session.file_stem``). The
folder starts in the user's Documents (or home) folder, then wherever the last export went
(remembered in the window's ``QSettings`` under ``export/folder``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

FOLDER_KEY = "export/folder"
FORMATS = {
    "glb": "GLB — for game engines and the web (edits baked in)",
    "vrm": "VRM — the editable avatar, for VRM apps",
    "webp": "WebP — a 512 px portrait picture",
}
PRESETS = {
    "web": "Web (smaller: 1024 px textures, compressed)",
    "desktop": "Desktop (2048 px textures, full precision)",
}


@dataclass(frozen=True)
class ExportChoice:
    folder: Path
    formats: tuple[str, ...]
    preset: str


def start_folder(settings: QSettings | None) -> Path:
    """The last export folder if it still exists, else Documents, else home."""
    last = settings.value(FOLDER_KEY) if settings is not None else None
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


def remember_folder(settings: QSettings | None, folder: Path) -> None:
    if settings is not None:
        settings.setValue(FOLDER_KEY, str(folder))
        settings.sync()


def folder_problem(folder: Path) -> str:
    """Why the files cannot go into ``folder``, in plain words ("" when they can): it is a file,
    or a file stands where one of its parent folders should be (a missing folder is made)."""
    for place in (folder, *folder.parents):
        if place.is_dir():
            return ""
        if place.exists():
            what = (
                "is a file, not a folder" if place == folder else "is a file, so no folder can be made in it"
            )
            return f"{place} {what}: choose a folder."
    return ""


class ExportDialog(QDialog):
    """``choice()`` after ``exec()`` is accepted. ``stem`` names the files. Export keeps the dialog
    open, saying why, while the folder cannot hold the files (it is a file)."""

    def __init__(
        self,
        stem: str,
        folder: Path,
        parent: QWidget | None = None,
        *,
        allowed: tuple[str, ...] = tuple(FORMATS),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export avatar")
        self.stem = stem
        self.folder = QLineEdit(str(folder))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.formats: dict[str, QCheckBox] = {}
        boxes = QVBoxLayout()
        for key, text in FORMATS.items():
            box = QCheckBox(text)
            box.setChecked(key in allowed)
            box.setEnabled(key in allowed)
            box.toggled.connect(self._sync)
            self.formats[key] = box
            boxes.addWidget(box)
        self.preset = QComboBox()
        for key, text in PRESETS.items():
            self.preset.addItem(text, key)
        self.names = QLabel()
        self.names.setWordWrap(True)
        #: why Export did not close the dialog (empty until it refused)
        self.problem = QLabel()
        self.problem.setObjectName("exportProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Folder", row)
        form.addRow("Files", boxes)
        form.addRow("GLB preset", self.preset)
        form.addRow("", self.names)
        form.addRow("", self.problem)
        form.addRow(self.buttons)
        self.folder.textChanged.connect(self._sync)
        self.folder.textChanged.connect(lambda _: self.problem.hide())
        self.setMinimumWidth(560)
        self._sync()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def chosen_formats(self) -> tuple[str, ...]:
        return tuple(k for k, box in self.formats.items() if box.isChecked() and box.isEnabled())

    def _sync(self) -> None:
        formats = self.chosen_formats()
        self.preset.setEnabled("glb" in formats)
        ok = bool(formats) and bool(self.folder.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.names.setText(
            "Writes " + ", ".join(f"{self.stem}.{k}" for k in formats)
            if formats
            else "Tick at least one file."
        )

    def accept(self) -> None:
        """Export: closes the dialog only when the folder can take the files."""
        problem = folder_problem(self.choice().folder)
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            self.folder.setFocus()
            self.folder.selectAll()
            return
        super().accept()

    def choice(self) -> ExportChoice:
        return ExportChoice(
            Path(self.folder.text().strip()).expanduser(),
            self.chosen_formats(),
            str(self.preset.currentData()),
        )
