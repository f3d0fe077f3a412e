"""QA3 F4: after an outfit change the Tints tab follows what the avatar wears now: a swapped-out
top has no row any more, the new top has one, and the hair row (new hair keeps the name
"Hair_00_HAIR") shows the new hair's colour on its own texture, not the old hair's."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from studio.gltf.functions._lookup import linear_to_srgb, srgb_to_linear
from tests.ui.test_wardrobe_outfit import _rows
from tests.ui.test_wardrobe_tints import _close, _painted

HAIR, HOODIE, JACKET = "Hair_00_HAIR", "Tops_tops_hoodie_02_CLOTH", "Tops_tops_jacket_01_CLOTH"


def _drawn_hair_average(scene) -> QColor:
    """What the drawn hair looks like on average: its colour factor times its texture's texels
    (alpha-weighted, in linear light), worked out here from the scene's own pixels."""
    drawn = {
        p.material
        for node in scene.nodes
        if node.mesh is not None
        for p in scene.meshes[node.mesh].primitives
    }
    (hair,) = [scene.materials[i] for i in drawn if scene.materials[i].name == HAIR]
    texels = scene.images[hair.texture].reshape(-1, 4).astype(float) / 255.0
    linear = np.vectorize(srgb_to_linear)(texels[:, :3])
    mean = (linear * texels[:, 3:]).sum(axis=0) / texels[:, 3].sum()
    return QColor.fromRgbF(*(linear_to_srgb(c * m) for c, m in zip(hair.base_color[:3], mean, strict=True)))


def test_tints_follow_the_outfit(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = window.wardrobe
    pane.refresh()
    pane.add_prebuilt("default-fem-02")  # short orange hair and a hoodie
    assert pane.session is not None, pane.message.text()
    tints = pane.tints
    assert HOODIE in tints.swatches and JACKET not in tints.swatches
    old_hair = _painted(tints.swatches[HAIR])
    assert _close(old_hair, _drawn_hair_average(pane.session.scene), 6)
    tints.pick(HOODIE, "#60c0ff")
    rows = _rows(pane)
    rows["fem-long-01"].setCheckState(Qt.CheckState.Checked)  # view -> model: swap hair and top
    rows["tops-jacket-01"].setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: JACKET in tints.swatches, timeout=20000)
    # model -> view: the hoodie is gone from the list, the jacket and the new hair are there
    assert HOODIE not in tints.swatches and JACKET in tints.swatches and HAIR in tints.swatches
    labels = [tints.widget().layout().labelForField(r).text() for r in _swatch_rows(tints)]
    assert not any("hoodie" in text.lower() for text in labels)
    new_hair = _painted(tints.swatches[HAIR])
    assert _close(new_hair, _drawn_hair_average(pane.session.scene), 6)
    assert not _close(new_hair, old_hair, 20)  # long dark hair, not the short orange one
    # and back: undo puts the hoodie (still tinted) and the orange hair back in the list
    window.undo.undo()
    window.undo.undo()
    qtbot.waitUntil(lambda: HOODIE in tints.swatches, timeout=20000)
    assert JACKET not in tints.swatches and tints.swatches[HOODIE].text() == "#60c0ff × texture"
    assert _close(_painted(tints.swatches[HAIR]), old_hair, 3)


def _swatch_rows(tints) -> list:
    form = tints.widget().layout()
    return [form.itemAt(i, form.ItemRole.FieldRole).layout() for i in range(form.rowCount())]
