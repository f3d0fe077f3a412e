"""Equipping or taking off an item rebuilds the preview's scene (new meshes); the user's camera
(orbit, zoom, pan) and chosen expression must survive that. Opening another avatar frames it afresh."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest

from tests.ui.avatars import VRM1, add_avatar, open_new_supermesh

NONE = Qt.KeyboardModifier.NoModifier


def _row(pane, item_id: str):
    for i in range(pane.outfit.list.count()):
        row = pane.outfit.list.item(i)
        if row.data(Qt.ItemDataRole.UserRole)[1] == item_id:
            return row
    raise AssertionError(f"{item_id} is not in the Outfit tab")


def _move_camera(view) -> None:
    """What a user does with the mouse: orbit, pan and zoom in."""
    centre = QPoint(view.width() // 2, view.height() // 2)
    QTest.mousePress(view, Qt.MouseButton.LeftButton, NONE, centre)
    QTest.mouseMove(view, centre + QPoint(60, 25))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, NONE, centre + QPoint(60, 25))
    QTest.mousePress(view, Qt.MouseButton.RightButton, NONE, centre)
    QTest.mouseMove(view, centre + QPoint(10, 30))
    QTest.mouseRelease(view, Qt.MouseButton.RightButton, NONE, centre + QPoint(10, 30))
    at = QPointF(centre)
    view.wheelEvent(QWheelEvent(at, view.mapToGlobal(at), QPoint(), QPoint(0, 240), Qt.MouseButton.NoButton,
                                NONE, Qt.ScrollPhase.NoScrollPhase, False))


def _camera_state(camera) -> tuple[float, float, float, np.ndarray]:
    return camera.yaw, camera.pitch, camera.distance, np.array(camera.target, dtype=float)


def _same_camera(a, b) -> bool:
    return all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(a[:3], b[:3], strict=True)) and np.allclose(
        a[3], b[3]
    )


def _expression_on(scene, name: str) -> bool:
    binds = scene.expressions[name].binds
    return all(scene.morph_weights(b.mesh)[b.index] > 0 for b in binds if b.weight > 0)


def test_equip_and_unequip_keep_the_camera_and_the_expression(make_main_window, make_studio, qtbot) -> None:
    window = make_main_window(make_studio(), show=True)
    pane, preview = open_new_supermesh(window), window.preview
    view = preview.view
    framed = _camera_state(view.camera)
    _move_camera(view)
    moved = _camera_state(view.camera)
    assert not _same_camera(framed, moved)  # the user really moved it
    expression = next(n for n, e in sorted(preview.scene.expressions.items()) if e.binds)
    preview.expression.setCurrentText(expression)
    assert _expression_on(preview.scene, expression)
    first = preview.scene

    _row(pane, "fem-short-01").setCheckState(Qt.CheckState.Checked)  # equip: a new scene
    assert preview.scene is not first and len(preview.scene.meshes) > len(first.meshes)
    assert _same_camera(_camera_state(view.camera), moved)  # not re-framed
    assert preview.expression.currentText() == expression  # model -> view: still chosen ...
    assert _expression_on(preview.scene, expression)  # ... and shown on the new scene

    window.undo.undo()  # unequip: another new scene
    assert len(preview.scene.meshes) == len(first.meshes)
    assert _same_camera(_camera_state(view.camera), moved)
    assert preview.expression.currentText() == expression and _expression_on(preview.scene, expression)
    qtbot.waitUntil(lambda: not view.interacting, timeout=2000)


def test_opening_another_avatar_frames_it_and_starts_neutral(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio, show=True)
    pane, preview = open_new_supermesh(window), window.preview
    _move_camera(preview.view)
    expression = next(n for n, e in sorted(preview.scene.expressions.items()) if e.binds)
    preview.expression.setCurrentText(expression)
    moved = _camera_state(preview.view.camera)
    add_avatar(studio, VRM1, "Other")
    pane.refresh()
    other = next(i for i in range(pane.avatars.count()) if "Other" in pane.avatars.item(i).text())
    pane.avatars.setCurrentRow(other)
    pane.open_selected()
    assert pane.session.entry.name == "Other"
    camera = preview.view.camera
    assert not _same_camera(_camera_state(camera), moved)
    assert math.isclose(camera.pitch, 0.0)  # framed from the front again
    assert preview.expression.currentText() == "(neutral)"
