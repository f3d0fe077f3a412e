from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from studio.gltf.glb import pack_glb
from studio.gltf.io import load
from studio.services.editor import AvatarEditor
from tests.ui.avatars import VRM0_MORPH, VRM1, add_avatar, no_modification


def _open(window, name: str):
    pane = window.wardrobe
    pane.refresh()
    row = [e.name for e in pane.entries()].index(name)
    pane.avatars.setCurrentRow(row)
    pane.open_selected()
    assert pane.session is not None, pane.message.text()
    return pane


def _morph_without_expressions() -> bytes:
    """The VRM 0.x morph sample with its blend shape groups emptied: its morph is then a shape to
    drag on the Face or Body tab, not one an expression drives (those stay off the sliders)."""
    import json

    from studio.gltf.glb import read_chunks

    chunks = read_chunks(VRM0_MORPH.read_bytes())
    tree = json.loads(bytes(chunks.json or b""))
    tree["extensions"]["VRM"]["blendShapeMaster"]["blendShapeGroups"] = []
    return pack_glb(tree, chunks.bin or b"")


def test_avatar_list_shows_the_wardrobe_and_acts_on_it(make_main_window, make_studio) -> None:
    studio = make_studio()
    first = add_avatar(studio, VRM1, "Moss", active=True)
    add_avatar(studio, VRM0_MORPH, "Pebble")
    window = make_main_window(studio)
    pane = window.wardrobe
    pane.refresh()
    # model -> view: the rows and the active star come from the service
    texts = [pane.avatars.item(i).text() for i in range(pane.avatars.count())]
    assert any(t.startswith("★ Moss") for t in texts) and any("Pebble" in t and "★" not in t for t in texts)
    # view -> model: activate, rename, delete reach the records
    pane.select(next(e.id for e in pane.entries() if e.name == "Pebble"))
    pane.activate_selected()
    assert studio.wardrobe.active(studio.identity()).name == "Pebble"
    pane.rename_selected("Pebble the Second")
    assert {e.name for e in studio.wardrobe.list(studio.identity())} == {"Moss", "Pebble the Second"}
    pane.select(first.id)
    pane.delete_selected()
    assert [e.name for e in studio.wardrobe.list(studio.identity())] == ["Pebble the Second"]
    assert pane.avatars.count() == 1


def test_tint_morph_and_bone_edits_undo_redo_and_save(make_main_window, make_studio, tmp_path: Path) -> None:
    studio = make_studio()
    add_avatar(studio, _morph_without_expressions(), "Pebble")
    window = make_main_window(studio)
    pane = _open(window, "Pebble")
    material = pane.session.materials[0]
    # view -> model: a colour pick becomes metadata and one undo step
    pane.tints.pick(material, "#3a7d4e")
    assert pane.edits.metadata()["materials"][material]["tint"] == "#3a7d4e"
    assert pane.tints.swatches[material].text() == "#3a7d4e"
    # a slider drag is one undo step however many values it passes through
    sliders = {**pane.body.sliders, **pane.face.sliders}
    key = next(iter(sliders))
    slider = sliders[key]
    slider.setSliderDown(True)
    for value in (10, 35, 60):
        slider.setValue(value)
    slider.setSliderDown(False)
    group, name = key.split("/")
    assert pane.edits.metadata()[group][name] == 0.6
    assert window.undo.count() == 2
    bone = pane.bones.sliders["hips"]
    bone.setValue(120)
    assert pane.edits.metadata()["boneTransforms"]["hips"] == {"x": 1.2, "y": 1.2, "z": 1.2}
    # model -> view: undo moves the widgets back without pushing new commands
    window.undo.undo()
    window.undo.undo()
    assert slider.value() == 0 and bone.value() == 100
    assert window.undo.count() == 3
    window.undo.redo()
    assert slider.value() == 60
    assert pane.buttons["save"].isEnabled()
    pane.save()
    saved = studio.wardrobe.list(studio.identity())[0].metadata
    assert saved["materials"][material]["tint"] == "#3a7d4e" and saved[group][name] == 0.6
    assert window.undo.isClean() and not pane.buttons["save"].isEnabled()


def test_export_writes_glb_vrm_and_webp_with_the_edits(make_main_window, make_studio, tmp_path: Path) -> None:
    studio = make_studio()
    add_avatar(studio, VRM1, "Moss")
    window = make_main_window(studio)
    pane = _open(window, "Moss")
    material = pane.session.materials[0]
    pane.tints.pick(material, "#ff0000")
    out = tmp_path / "out"
    pane.export_to(out)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["Moss.glb", "Moss.vrm", "Moss.webp"], pane.message.text()  # named after the avatar
    reopened = AvatarEditor(load(out / "Moss.vrm"))
    assert next(m for m in reopened.materials() if m.name == material).color == "#ff0000"
    assert (out / "Moss.webp").read_bytes()[8:12] == b"WEBP"


def _licensed(path: Path, modification: str, redistribution: bool) -> bytes:
    """A sample VRM 1.0 with its meta's licence changed (what a borrowed avatar looks like)."""
    doc = load(path)
    meta = doc.json["extensions"]["VRMC_vrm"]["meta"]
    meta["modification"], meta["allowRedistribution"] = modification, redistribution
    return pack_glb(doc.json, doc.bin)


def test_licence_that_forbids_modification_switches_editing_off(
    make_main_window, make_studio, tmp_path: Path
) -> None:
    studio = make_studio()
    add_avatar(studio, no_modification(VRM1), "Borrowed")
    window = make_main_window(studio)
    pane = _open(window, "Borrowed")
    # model -> view: the licence says why, and every editor is switched off
    assert "prohibits modification" in pane.licence.text()
    assert "the unmodified file may still be exported" in pane.licence.text()
    assert "switched off" in pane.licence.text()
    assert not pane.tabs.isEnabled()
    material = pane.session.materials[0]
    assert not pane.tints.swatches[material].isEnabled()
    assert pane.bones.sliders and not any(s.isEnabled() for s in pane.bones.sliders.values())
    assert not pane.outfit.list.isEnabled()
    # view -> model: even if a widget fired, nothing changes
    pane.tints.pick(material, "#00ff00")
    pane.bones.set_value("hips", 1.3)
    pane.outfit.set_worn(pane.session.inventory[0].item_id, True)
    assert pane.edits.metadata() == {} and window.undo.count() == 0
    assert "cannot be edited" in pane.message.text() and "prohibits modification" in pane.message.text()
    # redistribution is allowed: the unmodified file exports
    assert pane.buttons["export"].isEnabled()
    pane.export_to(tmp_path / "out")
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".glb", ".vrm", ".webp"]
    exported = AvatarEditor(load(tmp_path / "out" / "Borrowed.vrm"))
    assert not exported.licence.can_modify  # the licence travels with the file


def test_licence_that_forbids_redistribution_too_switches_export_off(make_main_window, make_studio) -> None:
    studio = make_studio()
    add_avatar(studio, _licensed(VRM1, "prohibited", False), "Private")
    window = make_main_window(studio)
    pane = _open(window, "Private")
    assert "may not be redistributed either" in pane.licence.text()
    assert not pane.tabs.isEnabled() and not pane.buttons["export"].isEnabled()


def test_outfit_ticks_equip_and_unequip(make_main_window, make_studio) -> None:
    studio = make_studio()
    me = studio.identity()
    add_avatar(studio, VRM1, "Moss")
    for item_type, item_id in (
        ("hair", "fem-short-01"),
        ("hair", "fem-long-01"),
        ("clothing", "tops-tshirt-01"),
    ):
        studio.inventory.grant(me, item_type, item_id, f"{item_type}/{item_id}.glb")
    window = make_main_window(studio)
    pane = _open(window, "Moss")
    rows = {
        pane.outfit.list.item(i).data(Qt.ItemDataRole.UserRole)[1]: pane.outfit.list.item(i)
        for i in range(pane.outfit.list.count())
    }
    assert set(rows) == {"fem-short-01", "fem-long-01", "tops-tshirt-01"}
    rows["fem-short-01"].setCheckState(Qt.CheckState.Checked)  # view -> model
    rows["tops-tshirt-01"].setCheckState(Qt.CheckState.Checked)
    rows["fem-long-01"].setCheckState(Qt.CheckState.Checked)  # hair is one slot: replaces the short cut
    assert pane.edits.metadata()["hair"] == "fem-long-01"
    assert pane.edits.metadata()["clothing"] == ["tops-tshirt-01"]
    assert rows["fem-short-01"].checkState() == Qt.CheckState.Unchecked  # model -> view
    window.undo.undo()
    assert rows["fem-short-01"].checkState() == Qt.CheckState.Checked
