"""A plain glTF avatar (a .glb without VRM extensions) added from a file opens in the editor and
the preview like any other (QA: it used to be added, then refused on opening as "a .vrm must carry
the VRM extension")."""

from __future__ import annotations

from pathlib import Path

from studio.domain.supermesh import parse_supermesh
from studio.services.make_avatar import avatar_bytes
from tests.ui.avatars import next_frame


def test_a_plain_glb_avatar_opens_and_takes_a_tint(
    make_main_window, make_studio, tmp_path: Path, qtbot
) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    path = tmp_path / "statue.glb"
    bare = parse_supermesh({"base": "feminine", "clothing": []})
    path.write_bytes(avatar_bytes(bare, "glb", name="Statue"))
    pane = window.wardrobe
    pane.refresh()
    pane.add_from_file(path)
    assert pane.avatars.count() == 1, pane.message.text()
    [entry] = studio.wardrobe.list(studio.identity())
    assert entry.source_url is None  # not a VRM: no source VRM to re-edit from
    assert pane.avatars.item(0).text().endswith("·  glb")  # said as what it is, not "vrm"
    pane.avatars.setCurrentRow(0)
    pane.open_selected()
    assert pane.session is not None, pane.message.text()
    assert window.preview.scene is pane.session.scene
    assert "Body_00_SKIN" in pane.tints.swatches
    pane.tints.pick("Body_00_SKIN", "#3060ff")
    next_frame(qtbot, window)
    skin = next(m for m in window.preview.scene.materials if m.name == "Body_00_SKIN")
    assert skin.base_color[2] > skin.base_color[0]
