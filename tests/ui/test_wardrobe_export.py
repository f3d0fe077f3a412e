"""Export (QA M6): files named after the avatar, a dialog with formats and the runtime preset that
starts in Documents/home and then in the last folder used."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from studio.gltf.glb import read_chunks
from studio.ui.avatar_session import file_stem
from studio.ui.export_dialog import ExportDialog, start_folder
from tests.ui.avatars import start_on_moss
from tests.ui.modal import answering

Button = QMessageBox.StandardButton


def test_file_names_are_the_avatar_name_made_safe() -> None:
    assert file_stem("New feminine", "id-1") == "New feminine"
    assert file_stem('Moss: the "green"/one?', "id-1") == "Moss_ the _green__one_"
    assert file_stem("  ...  ", "id-1") == "id-1"
    assert file_stem("///", "id-1") == "id-1"
    assert file_stem("CON", "id-1") == "id-1"
    assert len(file_stem("x" * 300, "id-1")) == 100


def _extensions(path: Path) -> set[str]:
    import json

    tree = json.loads(bytes(read_chunks(path.read_bytes()).json or b""))
    return set(tree.get("extensionsUsed") or [])


def _fill(folder: Path, *, vrm: bool, preset: str):
    def answer(dialog: ExportDialog) -> None:
        assert isinstance(dialog, ExportDialog)
        dialog.folder.setText(str(folder))
        dialog.formats["vrm"].setChecked(vrm)
        dialog.preset.setCurrentIndex(dialog.preset.findData(preset))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    return answer


def _click(button: QMessageBox.StandardButton):
    return lambda box: box.button(button).click()


def test_export_dialog_formats_preset_and_remembered_folder(
    make_main_window, make_studio, tmp_path: Path
) -> None:
    studio = make_studio()
    window = start_on_moss(make_main_window, studio)
    pane = window.wardrobe
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    first = start_folder(settings)  # nothing remembered: Documents, or home without one
    assert first.is_dir() and (first.name == "Documents" or first == Path.home())
    out = tmp_path / "exports"
    with answering(_fill(out, vrm=False, preset="desktop")) as seen:
        pane.ask_export()
    (dialog,) = seen
    assert dialog.stem == "Moss" and dialog.folder.text() == str(out)
    # view -> model: the ticked files, with the chosen preset (desktop: no WebP textures, not quantized)
    assert sorted(p.name for p in out.iterdir()) == ["Moss.glb", "Moss.webp"], pane.message.text()
    assert not {"EXT_texture_webp", "KHR_mesh_quantization"} & _extensions(out / "Moss.glb")
    # the next export starts where this one went; existing files are only replaced when the
    # user says so (Enter keeps them)
    assert start_folder(window.qsettings) == out
    seen_folder: list[str] = []

    def check_start(dialog: ExportDialog) -> None:
        seen_folder.append(dialog.folder.text())
        _fill(out, vrm=True, preset="web")(dialog)

    before = (out / "Moss.glb").read_bytes()
    with answering(check_start, kind=ExportDialog), answering(_click(Button.No), kind=QMessageBox) as asked:
        pane.ask_export()
    assert seen_folder == [str(out)]
    assert "Moss.glb" in asked[0].text() and asked[0].defaultButton() is asked[0].button(Button.No)
    assert (out / "Moss.glb").read_bytes() == before and not (out / "Moss.vrm").exists()
    with answering(check_start, kind=ExportDialog), answering(_click(Button.Yes), kind=QMessageBox):
        pane.ask_export()
    assert sorted(p.name for p in out.iterdir()) == ["Moss.glb", "Moss.vrm", "Moss.webp"]
    assert "KHR_mesh_quantization" in _extensions(out / "Moss.glb")  # web preset


def test_export_dialog_needs_a_format_and_names_the_files(make_main_window, tmp_path: Path) -> None:
    window = make_main_window()
    dialog = ExportDialog("New feminine", tmp_path, window, allowed=("glb", "webp"))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not dialog.formats["vrm"].isEnabled()  # not a VRM: no .vrm to write
    assert "New feminine.glb" in dialog.names.text() and "New feminine.vrm" not in dialog.names.text()
    dialog.formats["glb"].setChecked(False)
    assert not dialog.preset.isEnabled()  # the preset is about the GLB
    dialog.formats["webp"].setChecked(False)
    assert not ok.isEnabled() and "Tick at least one" in dialog.names.text()
    dialog.deleteLater()
