"""File ▸ Prebuilt collection…: an artist builds a folder of sources and publishes it from the app,
sees each item's sizes and validation, and can stop a build and carry on later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.domain.supermesh import parse_supermesh
from studio.services.make_avatar import avatar_bytes
from studio.ui.prebuilts_dialog import PrebuiltsDialog


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for name, base in (("amber", "feminine"), ("basil", "masculine"), ("cedar", "feminine")):
        (src / f"{name}.vrm").write_bytes(avatar_bytes(parse_supermesh({"base": base}), "vrm1", name=name))
    (src / "basil.json").write_text(json.dumps({"name": "Basil the Bold"}))
    (src / "broken.vrm").write_bytes(b"glTF" + b"\x00" * 60)  # a truncated file
    return src


def _open(make_main_window, tmp_path: Path, src: Path) -> PrebuiltsDialog:
    window = make_main_window()
    window.prebuilts_action.trigger()
    dialog = window.prebuilts_dialog
    assert isinstance(dialog, PrebuiltsDialog) and dialog.isVisible()
    assert not dialog.build_button.isEnabled()  # nothing chosen yet
    dialog.source.setText(str(src))
    dialog.output.setText(str(tmp_path / "out"))
    dialog.workers.setValue(1)
    assert dialog.build_button.isEnabled() and not dialog.publish_button.isEnabled()
    return dialog


def _after_each_progress(dialog: PrebuiltsDialog, then) -> object:
    """Call ``then(n)`` after the dialog handles its n-th progress report, while the build runs;
    returns the original handler."""
    original, calls = dialog._progressed, [0]

    def handled(fraction, message):
        original(fraction, message)
        calls[0] += 1
        then(calls[0])

    dialog._progressed = handled  # type: ignore[method-assign]
    return original


def _rows(dialog: PrebuiltsDialog) -> dict[str, list[str]]:
    table = dialog.table
    return {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, table.columnCount())]
        for r in range(table.rowCount())
    }


def test_build_lists_every_item_then_publish_sends_the_built_ones(make_main_window, tmp_path, sources):
    dialog = _open(make_main_window, tmp_path, sources)
    dialog.build_button.click()
    rows = _rows(dialog)
    assert set(rows) == {"amber", "Basil the Bold", "cedar", "broken"}  # the metadata's name is shown
    assert rows["amber"][0] == "built" and all(size.endswith("KB") for size in rows["amber"][1:4])
    assert "GLB: 0 errors" in rows["amber"][4] and "VRM: 0 errors" in rows["amber"][4]
    assert rows["broken"][0] == "failed" and rows["broken"][1] == "–"
    assert "4 items: 3 built, 0 unchanged, 1 failed" in dialog.status.text()
    assert dialog.publish_button.isEnabled() and not dialog.progress.isVisible()

    dialog.build_button.click()  # nothing changed: nothing is rebuilt
    assert "3 unchanged" in dialog.status.text() and "0 built" in dialog.status.text()

    assert "this computer" in dialog.target.text()  # no S3 set up: it says where things go
    dialog.publish_button.click()
    status = dialog.status.text()
    assert status.startswith("Published 3 items") and "not published (their build failed): broken" in status
    studio = dialog.collection
    store = studio._store  # the Studio's blob store, as the CLI publishes to
    assert store.exists("prebuilts/amber.glb") and store.exists("prebuilts/amber.webp")


def test_stop_keeps_finished_items_and_the_next_build_carries_on(make_main_window, tmp_path, sources):
    dialog = _open(make_main_window, tmp_path, sources)
    original = _after_each_progress(dialog, lambda n: dialog.stop() if n == 1 else None)  # Stop, mid-build
    dialog.build_button.click()
    assert dialog.status.text() == "Cancelled." and dialog.build_button.isEnabled()
    dialog._progressed = original  # type: ignore[method-assign]
    dialog.build_button.click()
    assert "1 unchanged" in dialog.status.text()  # the item finished before Stop is not redone
    assert "2 built" in dialog.status.text()


def test_folders_are_remembered(make_main_window, tmp_path, sources):
    dialog = _open(make_main_window, tmp_path, sources)
    dialog.build_button.click()
    again = PrebuiltsDialog(dialog.collection, dialog.runner, dialog.settings)
    assert again.source.text() == str(sources) and again.output.text() == str(tmp_path / "out")
    assert again.publish_button.isEnabled()  # the last build is ready to publish


def test_rows_appear_as_items_finish(make_main_window, tmp_path, sources):
    dialog = _open(make_main_window, tmp_path, sources)
    counts: list[int] = []
    _after_each_progress(dialog, lambda _n: counts.append(dialog.table.rowCount()))
    dialog.build_button.click()
    assert counts == [1, 2, 3, 4]  # a row per finished item, while the build runs (QA F10)
    assert dialog.table.rowCount() == 4
