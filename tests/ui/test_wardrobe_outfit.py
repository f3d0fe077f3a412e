"""The wardrobe on a supermesh avatar: every editor works (tints, proportions, morphs, outfit),
equipping shows in the live preview, a second top replaces the first, and a new player's Outfit
tab lists the built-in items. Both directions: model -> view and view -> model."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from studio.domain.metadata import parse_metadata
from studio.render.camera import Camera
from studio.services.edit_plan import category_of
from studio.services.item_library import builtin_item_ids
from tests.ui.avatars import next_frame, open_new_supermesh, render_headless

HAIR = set(builtin_item_ids().get("hair", ()))


def _rows(pane) -> dict:
    items = (pane.outfit.list.item(i) for i in range(pane.outfit.list.count()))
    return {row.data(Qt.ItemDataRole.UserRole)[1]: row for row in items}


def _draw(scene) -> np.ndarray:
    """What the preview shows of the head and shoulders."""
    camera = Camera()
    camera.frame_head(scene)
    return render_headless(scene, camera, 200)


def _green(pixels: np.ndarray) -> int:
    rgb = pixels[..., :3].astype(int)
    return int(((rgb[..., 1] > 30) & (rgb[..., 1] > 2 * rgb[..., 0]) & (rgb[..., 1] > 2 * rgb[..., 2])).sum())


def test_supermesh_tints_proportions_and_morphs(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = open_new_supermesh(window)
    scene = window.preview.scene
    # model -> view: the Proportions tab offers the humanoid bones, Body/Face the parameters
    assert {"hips", "head", "leftUpperArm"} <= set(pane.bones.sliders)
    form = pane.bones.widget().layout()
    assert form.labelForField(pane.bones.sliders["leftUpperArm"]).text() == "Left upper arm"
    assert "bodyMorphs/muscularity" in pane.body.sliders and "faceMorphs/jaw_width" in pane.face.sliders
    # view -> model (and on to the preview)
    pane.tints.pick("Body_00_SKIN", "#c4956a")
    hips = pane.session.editor.info.humanoid["hips"]
    before = scene.local_matrix(hips).copy()
    pane.bones.sliders["hips"].setValue(120)
    assert pane.edits.metadata()["boneTransforms"]["hips"] == {"x": 1.2, "y": 1.2, "z": 1.2}
    next_frame(qtbot, window)
    assert np.allclose(np.linalg.norm(scene.local_matrix(hips)[:3, 1]), 1.2 * np.linalg.norm(before[:3, 1]))
    pane.body.sliders["bodyMorphs/muscularity"].setValue(70)
    next_frame(qtbot, window)
    body = next(i for i, m in enumerate(scene.meshes) if m.name == "Body")
    assert scene.morph_weights(body)[scene.meshes[body].target_names.index("muscularity")] == np.float32(0.7)
    skin = next(m for m in scene.materials if m.name == "Body_00_SKIN")
    assert skin.base_color[0] > skin.base_color[2]  # warm tint reached the scene
    # model -> view: undo moves the slider and the scene back
    window.undo.undo()
    window.undo.undo()
    next_frame(qtbot, window)
    assert pane.bones.sliders["hips"].value() == 100
    assert pane.buttons["redo"].isEnabled() and pane.buttons["undo"].isEnabled()
    assert np.allclose(scene.local_matrix(hips), before)
    window.undo.redo()
    pane.save()
    assert pane.message.text() == "Saved." and not pane.buttons["save"].isEnabled()
    saved = studio.wardrobe.list(studio.identity())[0]
    meta = parse_metadata(saved.metadata, saved.avatar_type)
    assert saved.avatar_type == "supermesh" and meta.model_extra["boneTransforms"]["hips"]["y"] == 1.2
    assert saved.metadata["materials"]["Body_00_SKIN"]["tint"] == "#c4956a"


def test_equipping_hair_shows_in_the_preview_and_undo_takes_it_back(
    make_main_window, make_studio, qtbot
) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = open_new_supermesh(window)
    # an existing player with an empty inventory: opening the wardrobe stocked the built-in items
    assert set(_rows(pane)) == {i for ids in builtin_item_ids().values() for i in ids}
    preview = window.preview
    pane.tints.pick("Hair_00_HAIR", "#00ff00")
    next_frame(qtbot, window)
    first = preview.scene
    long_hair = _green(_draw(first))
    meshes_said = preview.status.text().split(":")[1].split(",")[0]  # " N meshes"
    _rows(pane)["fem-short-01"].setCheckState(Qt.CheckState.Checked)  # view -> model
    assert preview.status.text().split(":")[1].split(",")[0] == meshes_said  # one hair for another
    assert pane.edits.metadata()["hair"] == "fem-short-01"
    # model -> view: a new scene wearing the item, with the live tint laid over it again
    assert preview.scene is pane.session.scene and preview.scene is not first
    assert len(preview.scene.meshes) > len(first.meshes)
    hair = [m for m in preview.scene.materials if m.name == "Hair_00_HAIR"]
    assert len(hair) == 2 and all(m.base_color[1] > 0.99 and m.base_color[0] < 0.01 for m in hair)
    short_hair = _green(_draw(preview.scene))
    assert 0 < short_hair < 0.8 * long_hair, (short_hair, long_hair)  # the long hair is gone
    window.undo.undo()
    assert _rows(pane)["fem-short-01"].checkState() == Qt.CheckState.Unchecked
    assert len(preview.scene.meshes) == len(first.meshes) and preview.scene is pane.session.scene
    window.undo.redo()
    assert _rows(pane)["fem-short-01"].checkState() == Qt.CheckState.Checked
    assert len(preview.scene.meshes) > len(first.meshes)


def test_a_second_top_replaces_the_first_and_undo_restores_it(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = open_new_supermesh(window)
    rows = _rows(pane)
    # model -> view: a new supermesh starts in the starter outfit (baked, listed in its metadata)
    starter = ["tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01"]
    assert pane.edits.metadata()["clothing"] == starter
    assert all(rows[i].checkState() == Qt.CheckState.Checked for i in starter)
    assert any("tshirt" in m.name for m in window.preview.scene.materials)
    rows["earring-hoop-gold"].setCheckState(Qt.CheckState.Checked)
    rows["necklace-pendant-01"].setCheckState(Qt.CheckState.Checked)  # attachments add up
    rows["tops-hoodie-02"].setCheckState(Qt.CheckState.Checked)  # a top: swaps the t-shirt
    meta = pane.edits.metadata()
    assert meta["clothing"] == ["bottoms-jeans-01", "shoes-sneaker-01", "tops-hoodie-02"]
    assert meta["attachments"] == ["earring-hoop-gold", "necklace-pendant-01"]
    assert rows["tops-tshirt-01"].checkState() == Qt.CheckState.Unchecked  # model -> view
    worn = {s.item for s in pane.session.editor.slots()}  # nothing applied to the editor yet
    assert worn == set()
    drawn = _drawn_materials(window.preview.scene)
    assert any("hoodie" in n for n in drawn) and not any("tshirt" in n for n in drawn)
    window.undo.undo()
    assert pane.edits.metadata()["clothing"] == starter
    assert rows["tops-tshirt-01"].checkState() == Qt.CheckState.Checked
    pane.save()  # the plan accepts what the UI saves (two tops would be refused)
    assert window.undo.isClean(), pane.message.text()


def test_worn_clothes_can_be_tinted_and_undo_or_taking_them_off_puts_it_back(
    make_main_window, make_studio, qtbot
) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = open_new_supermesh(window)
    hoodie = "Tops_tops_hoodie_02_CLOTH"
    assert "Tops_tops_tshirt_01_CLOTH" in pane.tints.swatches  # the baked starter t-shirt
    _rows(pane)["tops-hoodie-02"].setCheckState(Qt.CheckState.Checked)
    # model -> view: the Tints tab lists the worn item's material after the avatar's own
    assert hoodie in pane.tints.swatches and "Body_00_SKIN" in pane.tints.swatches
    authored = next(m for m in window.preview.scene.materials if m.name == hoodie).base_color
    pane.tints.pick(hoodie, "#ff0000")  # view -> model -> preview
    next_frame(qtbot, window)
    tinted = next(m for m in window.preview.scene.materials if m.name == hoodie).base_color
    assert tinted[0] > 0.9 and tinted[1] < 0.05
    window.undo.undo()
    next_frame(qtbot, window)
    assert next(m for m in window.preview.scene.materials if m.name == hoodie).base_color == authored
    window.undo.redo()
    _rows(pane)["tops-tshirt-01"].setCheckState(Qt.CheckState.Checked)  # the hoodie comes off
    assert hoodie not in pane.tints.swatches
    pane.save()  # the hoodie's tint is not saved: the avatar no longer wears it
    assert window.undo.isClean(), pane.message.text()
    saved = studio.wardrobe.list(studio.identity())[0]
    assert hoodie not in saved.metadata.get("materials", {})
    assert "tops-tshirt-01" in saved.metadata["clothing"]


def _drawn_materials(scene) -> set[str]:
    """Names of the materials the preview draws (a detached mesh's stay listed, undrawn)."""
    return {
        scene.materials[p.material].name
        for node in scene.nodes
        if node.mesh is not None
        for p in scene.meshes[node.mesh].primitives
        if p.material >= 0
    }


def test_outfit_rows_are_sorted_by_kind_then_name(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = open_new_supermesh(window)
    ids = [
        pane.outfit.list.item(i).data(Qt.ItemDataRole.UserRole)[1] for i in range(pane.outfit.list.count())
    ]
    kinds = [category_of("hair" if i in HAIR else "clothing", i) or "other" for i in ids]
    order = ["hair", "tops", "bottoms", "shoes", "other"]
    assert [order.index(k) for k in kinds] == sorted(order.index(k) for k in kinds)
    for kind in set(kinds):
        same = [i for i, k in zip(ids, kinds, strict=True) if k == kind]
        assert same == sorted(same, key=str.casefold)


def test_a_prebuilts_own_clothes_are_ticked_and_unticking_takes_them_off(
    make_main_window, make_studio
) -> None:
    """QA M11: a default prebuilt visibly wore a t-shirt, jeans and sneakers with nothing ticked."""
    studio = make_studio()
    window = make_main_window(studio)
    pane = window.wardrobe
    pane.refresh()
    pane.add_prebuilt("default-fem-01")
    assert pane.session is not None, pane.message.text()  # a new avatar opens by itself
    rows = _rows(pane)
    worn = ["fem-long-01", "tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01", "earring-hoop-gold"]
    assert all(rows[i].checkState() == Qt.CheckState.Checked for i in worn)  # model -> view
    assert any("tshirt" in n for n in _drawn_materials(window.preview.scene))
    rows["tops-tshirt-01"].setCheckState(Qt.CheckState.Unchecked)  # view -> model -> preview
    assert "tops-tshirt-01" not in pane.edits.metadata()["clothing"]
    drawn = _drawn_materials(window.preview.scene)
    assert not any("tshirt" in n for n in drawn) and any("jeans" in n for n in drawn)
    window.undo.undo()
    assert any("tshirt" in n for n in _drawn_materials(window.preview.scene))
