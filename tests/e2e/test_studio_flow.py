"""The desktop flow end to end, through the real window and real services (issue 8):
generate through the local Fal stand-in -> choose -> new supermesh -> tint + morph + equip hair ->
undo/redo -> save -> export -> sync to the local PostgreSQL + S3 servers.

Runs offscreen in the suite (the preview's drawing is covered by tests/ui/test_preview_pane.py
through the shared renderer). With ``STUDIO_SHOTS=DIR`` the window is shown and a screenshot of the
screen is saved at every step; run it under Xvfb to see the real preview:

    STUDIO_SHOTS=/tmp/shots QT_QPA_PLATFORM=xcb LIBGL_ALWAYS_SOFTWARE=1 \
        xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/pytest tests/e2e/test_studio_flow.py
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QElapsedTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import create_engine, text

from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]


def test_generate_choose_build_edit_export_and_sync(
    make_main_window,
    make_studio,
    fal_env,
    pg_url: str,
    s3_server: Any,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    studio = make_studio(
        fal_proxy_url=fal_env.url,
        remote_database_url=pg_url,
        s3_bucket=s3_bucket,
        s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key_id=ACCESS_KEY,
    )
    me = studio.identity()
    studio.inventory.acquire(me, "hair", "fem-short-01")
    shots = Shots(os.environ.get("STUDIO_SHOTS"))
    window = make_main_window(studio, show=shots.enabled)
    if shots.enabled:
        window.resize(1600, 1000)
    window.start()
    shots.take(window, "start")
    # generate and choose
    prompt = window.prompt
    prompt.prompt.setPlainText("a fox ranger with a green hood")
    prompt.style_box.setCurrentText("fantasy")
    prompt.generate_button.click()
    assert prompt.result is not None, prompt.message.text()
    shots.take(window, "generated")
    prompt.results.button(0).setChecked(True)
    prompt.choose_button.click()
    assert studio.profiles.me(me).avatar_url == prompt.result.image_urls[0]
    shots.take(window, "chosen")
    # new supermesh, opened in the editor
    wardrobe = window.wardrobe
    wardrobe.new_supermesh("feminine")
    assert wardrobe.avatars.count() == 1, wardrobe.message.text()
    wardrobe.avatars.setCurrentRow(0)
    wardrobe.open_selected()
    session = wardrobe.session
    assert session is not None and window.preview.scene is session.scene
    shots.take(window, "supermesh")
    _edit_undo_redo(window, session, shots)
    # save, export, sync
    wardrobe.save()
    assert window.undo.isClean(), wardrobe.message.text()
    out = tmp_path / "export"
    wardrobe.export_to(out)
    name = wardrobe.entry.name  # files are named after the avatar
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.{x}" for x in ("glb", "vrm", "webp"))
    shots.take(window, "exported")
    window.sync_now()
    assert window.sync_label.text().startswith("Sync: done"), window.sync_label.text()
    assert window.online_label.text() == "● Online"
    shots.take(window, "synced")
    remote = create_engine(pg_url)
    with remote.connect() as conn:
        names = (
            conn.execute(text("select name from avatar_wardrobe where deleted_at is null")).scalars().all()
        )
    remote.dispose()
    assert "New feminine" in names


def _edit_undo_redo(window: Any, session: Any, shots: Shots) -> None:
    """Tint + morph drag + equip hair, then undo/redo."""
    wardrobe = window.wardrobe
    hair = next(m for m in session.materials if "HAIR" in m.upper())
    wardrobe.tints.pick(hair, "#3060ff")
    shots.take(window, "tinted")
    slider = wardrobe.body.sliders["bodyMorphs/muscularity"]
    slider.setSliderDown(True)
    for value in range(0, 90, 10):
        slider.setValue(value)
    slider.setSliderDown(False)
    shots.take(window, "morphed")
    wardrobe.outfit.set_worn("fem-short-01", True)
    shots.take(window, "hair-equipped")
    assert window.undo.count() == 3
    window.undo.undo()
    window.undo.undo()
    assert wardrobe.edits.metadata().get("hair") is None and slider.value() == 0
    shots.take(window, "undone")
    window.undo.redo()
    window.undo.redo()
    shots.take(window, "redone")
    meta = wardrobe.edits.metadata()
    assert meta["hair"] == "fem-short-01" and meta["bodyMorphs"]["muscularity"] == 0.8
    assert meta["materials"][hair]["tint"] == "#3060ff"


class Shots:
    """Numbered screenshots of the whole screen (the native GL preview included) after letting the
    window settle; does nothing unless a folder is given."""

    def __init__(self, folder: str | None) -> None:
        self.folder = Path(folder) if folder else None
        self.count = 0
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def take(self, window: Any, name: str) -> None:
        if self.folder is None:
            return
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < 1500:  # let background loads, uploads and repaints finish
            QCoreApplication.processEvents()
        self.count += 1
        screen = window.screen() or QApplication.primaryScreen()
        pixmap = screen.grabWindow(0) if QApplication.platformName() == "xcb" else window.grab()
        pixmap.save(str(self.folder / f"{self.count:02d}-{name}.png"))
