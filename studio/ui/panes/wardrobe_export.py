"""The wardrobe's Export flow: the Export dialog (which checks the folder before it closes), the
"replace these files?" question, then the files written on a worker (``export_files``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.ui.avatar_session import export_files, file_stem
from studio.ui.export_dialog import ExportDialog, remember_folder, start_folder
from studio.ui.panes import wardrobe_dialogs as ask
from studio.ui.widgets import clear_error_banner

EXPORT_FORMATS = ("glb", "vrm", "webp")


def ask_export(pane: Any) -> None:
    """Ask where and what to export the open avatar to, then export it (``pane``: the wardrobe)."""
    session = pane.session
    if session is None or not pane.buttons["export"].isEnabled():
        return
    stem = file_stem(session.entry.name, str(session.entry.id))
    allowed = EXPORT_FORMATS if session.editor.info.is_vrm else ("glb", "webp")
    dialog = ExportDialog(stem, start_folder(pane.settings), pane, allowed=allowed)
    try:
        if not dialog.exec():
            return
        choice = dialog.choice()
    finally:
        dialog.deleteLater()
    there = [f"{stem}.{k}" for k in choice.formats if (choice.folder / f"{stem}.{k}").exists()]
    if there and not ask.confirm_replace(pane, there):
        return
    remember_folder(pane.settings, choice.folder)
    export_to(pane, choice.folder, choice.formats, preset=choice.preset)


def export_to(pane: Any, folder: Path, formats: tuple[str, ...], *, preset: str) -> None:
    """Write the open avatar with its edits as ``<name>.glb/.vrm/.webp`` into ``folder``."""
    session = pane.session
    if session is None:
        return
    metadata = session.output_metadata(pane.edits.metadata())

    def done(paths: list[Path]) -> None:
        clear_error_banner(pane)
        pane.say(f"Exported to {folder}: " + ", ".join(Path(p).name for p in paths))

    pane._run(
        "Exporting…",
        lambda ctx: export_files(
            session, metadata, Path(folder), formats, ctx.progress, ctx.cancelled, preset=preset
        ),
        done,
    )
