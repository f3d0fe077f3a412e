from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.fixtures.paths import DATA_DIR
from tests.ui.avatars import VRM1, add_avatar, next_frame, open_new_supermesh, render_headless

EXPRESSIONS = DATA_DIR / "vrm" / "addon_simple_morph_vrm0.vrm"  # "aa" drives a morph target


def _opened(make_main_window, make_studio, path, name="Moss"):
    studio = make_studio()
    add_avatar(studio, path, name)
    window = make_main_window(studio, show=True)
    window.wardrobe.refresh()
    window.wardrobe.avatars.setCurrentRow(0)
    window.wardrobe.open_selected()
    return window


def test_edits_reach_the_scene_and_undo_restores_it(make_main_window, make_studio, qtbot) -> None:
    window = _opened(make_main_window, make_studio, VRM1)
    preview, pane = window.preview, window.wardrobe
    assert preview.scene is pane.session.scene  # model -> view: the opened avatar is shown
    name = pane.session.materials[0]
    index = next(i for i, m in enumerate(preview.scene.materials) if m.name == name)
    before = preview.scene.materials[index].base_color
    frame_before = render_headless(preview.scene, preview.view.camera, 160)
    pane.tints.pick(name, "#ff0000")
    next_frame(qtbot, window)
    tinted = preview.scene.materials[index].base_color
    assert tinted[0] > 0.99 and tinted[1] < 0.01 and tinted[2] < 0.01
    frame_after = render_headless(preview.scene, preview.view.camera, 160)
    assert np.abs(frame_after.astype(int) - frame_before.astype(int)).sum() > 0  # visible on screen
    window.undo.undo()
    next_frame(qtbot, window)
    assert np.allclose(preview.scene.materials[index].base_color, before, atol=1e-2)


def test_a_drag_draws_quick_frames_until_it_settles(make_main_window, make_studio, qtbot) -> None:
    """While edits keep coming the preview asks for reduced-size frames; SETTLE_MS after the last
    one it asks for a full-size frame. The scene always holds the latest value."""
    window = _opened(make_main_window, make_studio, VRM1)
    preview, pane = window.preview, window.wardrobe
    name = pane.session.materials[0]
    index = next(i for i, m in enumerate(preview.scene.materials) if m.name == name)
    applies = preview.applies
    for color in ("#ff0000", "#00ff00", "#0000ff", "#00ffff"):
        pane.tints.pick(name, color)
    assert preview.view.interacting
    next_frame(qtbot, window)
    assert preview.applies == applies + 1  # four edits before the next frame: applied once
    color = preview.scene.materials[index].base_color
    assert color[0] < 0.01 and color[1] > 0.99 and color[2] > 0.99  # cyan, the last value
    qtbot.waitUntil(lambda: not preview.view.interacting, timeout=2000)


def test_mouse_orbits_pans_and_zooms_the_camera(make_main_window, make_studio, qtbot) -> None:
    window = _opened(make_main_window, make_studio, VRM1)
    view = window.preview.view
    camera = view.camera
    yaw, target, distance = camera.yaw, camera.target.copy(), camera.distance
    centre = QPoint(view.width() // 2, view.height() // 2)
    none = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(view, Qt.MouseButton.LeftButton, none, centre)
    QTest.mouseMove(view, centre + QPoint(40, 0))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, none, centre + QPoint(40, 0))
    assert camera.yaw != yaw  # view -> model
    assert view.interacting  # orbiting draws quick reduced-size frames
    QTest.mousePress(view, Qt.MouseButton.RightButton, none, centre)
    QTest.mouseMove(view, centre + QPoint(0, 30))
    QTest.mouseRelease(view, Qt.MouseButton.RightButton, none, centre + QPoint(0, 30))
    assert not np.allclose(camera.target, target)
    view.wheelEvent(_wheel(view, 120))
    assert camera.distance < distance
    QTest.mouseDClick(view, Qt.MouseButton.LeftButton, none, centre)
    assert np.isclose(camera.yaw % (2 * np.pi), yaw % (2 * np.pi))  # framed again from the front


def _wheel(view, delta: int):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(view.width() / 2, view.height() / 2)
    return QWheelEvent(
        centre,
        view.mapToGlobal(centre),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )


def test_expression_combo_and_bones_toggle(make_main_window, make_studio) -> None:
    window = _opened(make_main_window, make_studio, EXPRESSIONS, "Faces")
    preview = window.preview
    names = [preview.expression.itemText(i) for i in range(preview.expression.count())]
    assert names[0] == "(neutral)"  # model -> view; the file's own "neutral" is not listed twice
    assert "neutral" in preview.scene.expressions and set(names[1:]) == set(preview.scene.expressions) - {
        "neutral"
    }
    assert preview.title.text() == "3D preview — Faces"  # the open avatar's name above the view
    expression = next(n for n in names[1:] if preview.scene.expressions[n].binds)
    binds = preview.scene.expressions[expression].binds
    preview.expression.setCurrentText(expression)  # view -> model
    bind = binds[0]
    assert preview.scene.morph_weights(bind.mesh)[bind.index] > 0
    preview.expression.setCurrentIndex(0)
    assert preview.scene.morph_weights(bind.mesh)[bind.index] == 0
    preview.bones.setChecked(True)
    assert preview.scene.bones_visible


def test_a_slider_drag_updates_the_preview_once_per_frame_and_undoes_in_one_step(
    make_main_window, make_studio, qtbot
) -> None:
    """A drag sends slider events faster than frames: each frame shows the latest value, laid over
    the scene once; nothing is lost (the last value is shown); the whole drag is one undo step."""
    window = make_main_window(make_studio(), show=True)
    pane = open_new_supermesh(window)  # its body sliders (expression shapes have none: QA3 F7)
    preview, editor = window.preview, pane.body
    key, slider = next(iter(editor.sliders.items()))
    group, morph = key.split("/", 1)
    mesh = next(i for i, m in enumerate(preview.scene.meshes) if morph in m.target_names)
    target = preview.scene.meshes[mesh].target_names.index(morph)
    applies, frames = preview.applies, 0
    slider.setSliderDown(True)  # the user holds the handle
    for burst in range(5):  # five frames' worth of events, four events each
        for step in range(4):
            slider.setValue(10 * burst + 2 * step + 2)
        assert preview.stale  # not applied per event ...
        next_frame(qtbot, window)  # ... but before the frame
        frames += 1
        weight = preview.scene.morph_weights(mesh)[target]
        assert abs(weight - pane.edits.morph(group, morph)) < 1e-3  # the latest value is drawn
    slider.setSliderDown(False)
    assert preview.applies - applies == frames  # one update per frame, not 20
    assert abs(pane.edits.morph(group, morph) - 0.48) < 1e-9  # the last value won
    assert window.undo.count() == 1  # one undo step for the drag
    window.undo.undo()
    next_frame(qtbot, window)
    assert abs(preview.scene.morph_weights(mesh)[target]) < 1e-3 and slider.value() == 0
