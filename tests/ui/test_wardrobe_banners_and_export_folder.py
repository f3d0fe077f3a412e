"""QA3 F17: a success takes down the error banner an earlier failure left up. QA3 F22: exporting
into a path that is a file says so in plain words and keeps the Export dialog open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox

from studio.ui.export_dialog import ExportDialog
from studio.ui.widgets import Banner
from tests.ui.avatars import VRM1, start_on_moss
from tests.ui.modal import answering
from tests.ui.test_wardrobe_add import INVALID


def _banner(pane) -> Banner | None:
    return pane.findChild(Banner, "banner")


def test_a_successful_add_takes_down_the_stale_error_banner(make_main_window, make_studio) -> None:
    window = make_main_window(make_studio(), show=True)
    pane = window.wardrobe
    pane.add_from_file(INVALID)
    banner = _banner(pane)
    assert banner is not None and banner.isVisible() and "must be defined" in banner.text()
    pane.add_from_file(VRM1)  # this one is fine
    assert pane.session is not None and not banner.isVisible(), banner.text()
    pane.add_from_file(INVALID)  # and a new failure shows again
    assert banner.isVisible() and "must be defined" in banner.text()


def test_export_into_a_file_says_so_and_keeps_the_dialog(
    make_main_window, make_studio, tmp_path: Path
) -> None:
    studio = make_studio()
    window = start_on_moss(make_main_window, studio)
    pane = window.wardrobe
    a_file = tmp_path / "notes.vrm"
    a_file.write_text("not a folder")
    out = tmp_path / "exports"
    seen: list[tuple[bool, str]] = []

    def answer(dialog: ExportDialog) -> None:
        export = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.formats["vrm"].setChecked(False)
        for folder in (a_file, a_file / "inside"):
            dialog.folder.setText(str(folder))
            export.click()
            seen.append((dialog.isVisible(), dialog.problem.text() if dialog.problem.isVisible() else ""))
        dialog.folder.setText(str(out))  # a new folder is fine (it is made)
        assert not dialog.problem.isVisible()
        export.click()

    with answering(answer, kind=ExportDialog):
        pane.ask_export()
    assert seen[0] == (True, f"{a_file} is a file, not a folder: choose a folder.")
    assert seen[1][0] and seen[1][1].startswith(f"{a_file} is a file")
    assert a_file.read_text() == "not a folder"
    assert sorted(p.name for p in out.iterdir()) == ["Moss.glb", "Moss.webp"], pane.message.text()
    assert pane.message.text().startswith(f"Exported to {out}")
