"""The tint colour dialog (QA M12): it starts at the material's colour, the preview follows the
colour while the dialog is open, Cancel puts it back, OK is one undo step; material names are
shown readably with the raw name as tooltip. A tint multiplies a textured material's texture, so
the swatch and the dialog show the result (the texture's average times the tint), not the raw tint.
"""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QColorDialog, QFormLayout, QLabel

from studio.gltf.functions._lookup import linear_to_srgb, srgb_to_linear
from studio.gltf.glb import pack_glb, read_chunks
from studio.services.editor import texture_means
from studio.ui.panes.wardrobe_editors import material_label
from tests.ui.avatars import VRM1, add_avatar, next_frame, start_on_moss
from tests.ui.modal import answering

#: the known texture: half warm brown, half blue, with a see-through white strip
BROWN, BLUE = (150, 90, 40), (40, 80, 160)


def _known_texture_png() -> bytes:
    pixels = np.zeros((16, 16, 4), np.uint8)
    pixels[:8] = (*BROWN, 255)
    pixels[8:] = (*BLUE, 255)
    pixels[:, :4] = (255, 255, 255, 0)  # see-through (hair cards have lots): it must not count
    out = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(out, "PNG")
    return out.getvalue()


def _with_known_texture() -> bytes:
    """The VRM 1.0 sample with its first material's texture replaced by the known one and its
    last material ("ScrollRot") left untextured."""
    chunks = read_chunks(VRM1.read_bytes())
    tree = json.loads(bytes(chunks.json or b""))
    binary = bytearray(chunks.bin or b"")
    binary += b"\0" * (-len(binary) % 4)
    png = _known_texture_png()
    tree["bufferViews"].append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(png)})
    binary += png + b"\0" * (-len(png) % 4)
    tree["buffers"][0]["byteLength"] = len(binary)
    tree["images"][0]["bufferView"] = len(tree["bufferViews"]) - 1
    del tree["materials"][2]["pbrMetallicRoughness"]["baseColorTexture"]
    return pack_glb(tree, bytes(binary))


def _expected_on_texture(tint: str) -> QColor:
    """The known texture's opaque average (linear) times ``tint`` (linear), back in sRGB."""
    lin = [(srgb_to_linear(a / 255) + srgb_to_linear(b / 255)) / 2 for a, b in zip(BROWN, BLUE, strict=True)]
    t = QColor(tint)
    rgb = [
        linear_to_srgb(srgb_to_linear(c) * m)
        for c, m in zip((t.redF(), t.greenF(), t.blueF()), lin, strict=True)
    ]
    return QColor.fromRgbF(*rgb)


def _painted(widget) -> QColor:
    """The colour the swatch is painted in, read off its left edge (the text sits in the middle)."""
    return widget.grab().toImage().pixelColor(6, widget.height() // 2)


def _close(a: QColor, b: QColor, tolerance: int = 3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_material_names_read_as_words() -> None:
    assert material_label("Bottoms_bottoms_jeans_01_CLOTH") == "Bottoms jeans 01 (cloth)"
    assert material_label("Hair_00_HAIR") == "Hair 00 (hair)"
    assert material_label("Body_00_SKIN") == "Body 00 (skin)"
    assert material_label("skin") == "Skin"


def _preview_color(window, material: str) -> tuple[float, ...]:
    return tuple(
        round(c, 4) for c in next(m for m in window.preview.scene.materials if m.name == material).base_color
    )


def test_colour_dialog_starts_at_the_colour_previews_live_and_cancels(
    make_main_window, make_studio, qtbot
) -> None:
    studio = make_studio()
    window = start_on_moss(make_main_window, studio)
    pane = window.wardrobe
    material = pane.session.materials[0]
    authored = pane.session.authored_colors()[material]
    # model -> view: readable label, raw name as tooltip, the swatch shows the authored colour
    form = pane.tints.widget().layout()
    assert isinstance(form, QFormLayout)
    labels = [form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget() for row in range(form.rowCount())]
    assert any(
        isinstance(label, QLabel) and label.text() == material_label(material) and label.toolTip() == material
        for label in labels
    )
    assert "as authored" in pane.tints.swatches[material].text()
    assert authored in pane.tints.swatches[material].toolTip()
    original = _preview_color(window, material)
    live: list[tuple[str | None, tuple[float, ...]]] = []

    def preview_then(answer: str):
        def run(dialog: QColorDialog) -> None:
            assert dialog.currentColor().name() == (pane.edits.tint(material) or authored)
            dialog.setCurrentColor(QColor("#ff0000"))  # the user moves through the colours
            next_frame(qtbot, window)
            live.append((pane.edits.tint(material), _preview_color(window, material)))
            dialog.accept() if answer == "ok" else dialog.reject()

        return run

    with answering(preview_then("cancel")):
        pane.tints.choose(material)
    assert live[0][0] == "#ff0000" and live[0][1] != original  # live while open
    assert pane.edits.tint(material) is None and window.undo.count() == 0  # Cancel: back as it was
    next_frame(qtbot, window)
    assert _preview_color(window, material) == original
    with answering(preview_then("ok")):
        pane.tints.choose(material)
    assert pane.edits.tint(material) == "#ff0000" and window.undo.count() == 1  # one undo step
    assert pane.tints.swatches[material].text() == "#ff0000 × texture"
    with answering(preview_then("cancel")):  # now it starts at the tint
        pane.tints.choose(material)
    window.undo.undo()
    next_frame(qtbot, window)
    assert pane.edits.tint(material) is None and _preview_color(window, material) == original


def test_texture_average_is_the_known_textures_opaque_mean() -> None:
    from studio.render.scene import build_scene
    from studio.services.editor import AvatarEditor

    scene = build_scene(AvatarEditor.open(_with_known_texture(), name="known.vrm").original)
    means = texture_means(scene)
    assert "ScrollRot" not in means  # untextured: no average
    expected = [
        (srgb_to_linear(a / 255) + srgb_to_linear(b / 255)) / 2 for a, b in zip(BROWN, BLUE, strict=True)
    ]
    assert np.allclose(means["ScrollX"], expected, atol=2e-3)  # the transparent corner did not count


def test_swatch_shows_the_tint_on_the_texture_and_says_so(make_main_window, make_studio, qtbot) -> None:
    """QA M12: red on brown hair shows maroon in the preview; the swatch must show that, not red."""
    studio = make_studio()
    add_avatar(studio, _with_known_texture(), "Known", active=True)
    window = make_main_window(studio)
    window.start()
    tints = window.wardrobe.tints
    swatch, plain = tints.swatches["ScrollX"], tints.swatches["ScrollRot"]
    # as authored (white factor): the texture's own average, and the row says it is a texture
    assert _close(_painted(swatch), _expected_on_texture("#ffffff"))
    assert swatch.text() == "as authored × texture"
    tints.pick("ScrollX", "#ff0000")  # view -> model -> swatch
    assert swatch.text() == "#ff0000 × texture" and "multiplies the texture" in swatch.toolTip()
    shown = _painted(swatch)
    assert _close(shown, _expected_on_texture("#ff0000")) and shown.red() < 200  # maroon, not red
    # an untextured material shows the tint itself
    tints.pick("ScrollRot", "#ff0000")
    assert plain.text() == "#ff0000" and _close(_painted(plain), QColor("#ff0000"))
    # the colour dialog shows the result on the texture as the user moves through colours
    seen: list[str] = []

    def look(dialog: QColorDialog) -> None:
        dialog.setCurrentColor(QColor("#00ff00"))
        QApplication.processEvents()
        seen.append(tints.dialog_result.text() if tints.dialog_result is not None else "")
        dialog.reject()

    with answering(look):
        tints.choose("ScrollX")
    assert "multiplies the texture" in seen[0] and _expected_on_texture("#00ff00").name() in seen[0]
    window.undo.undo()
    window.undo.undo()  # model -> view: back to the texture's average
    assert swatch.text() == "as authored × texture" and _close(
        _painted(swatch), _expected_on_texture("#ffffff")
    )


def test_a_narrow_tints_tab_keeps_every_reset_button_in_view(qtbot) -> None:
    """QA LOW: in a narrow wardrobe the ↺ buttons sat behind a horizontal scroll bar."""
    from PySide6.QtWidgets import QToolButton

    from studio.ui.edits import AvatarEdits
    from studio.ui.panes.wardrobe_editors import TintEditor

    edits = AvatarEdits()
    editor = TintEditor(edits, push=lambda command: command.redo())
    qtbot.addWidget(editor)
    names = ["Bottoms_bottoms_jeans_01_CLOTH", "Tops_tops_hoodie_02_CLOTH", "Hair_00_HAIR"]
    editor.set_materials(names, {n: "#8a5a3c" for n in names})
    editor.resize(230, 400)
    editor.show()
    qtbot.waitExposed(editor)
    assert not editor.horizontalScrollBar().isVisible()
    viewport = editor.viewport()
    resets = editor.widget().findChildren(QToolButton)
    assert len(resets) == len(names)
    for reset in resets:
        right = reset.mapTo(viewport, reset.rect().topRight()).x()
        assert 0 < right <= viewport.width(), (right, viewport.width())
    assert all(editor.swatches[n].width() >= 60 for n in names)  # the swatches still show
    reset = resets[0]
    edits.set_tint(names[0], "#ff0000")
    reset.click()  # and they work
    assert edits.tint(names[0]) is None


def test_the_narrowest_wardrobe_shows_every_reset_button(make_main_window, make_studio, qtbot) -> None:
    """The whole pane fits its dock at the dock's narrowest: nothing scrolls sideways."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtWidgets import QScrollArea, QToolButton

    studio = make_studio()
    add_avatar(studio, _with_known_texture(), "Known", active=True)
    window = make_main_window(studio, show=True)
    window.resize(1100, 800)
    window.start()
    dock = window.docks["wardrobe"]
    window.resizeDocks([dock], [dock.minimumWidth()], Qt.Orientation.Horizontal)
    qtbot.wait(100)
    outer = dock.widget()
    assert isinstance(outer, QScrollArea) and not outer.horizontalScrollBar().isVisible()
    tints = window.wardrobe.tints
    seen = QRect(tints.viewport().mapToGlobal(tints.viewport().rect().topLeft()), tints.viewport().size())
    for reset in tints.widget().findChildren(QToolButton):
        where = QRect(reset.mapToGlobal(reset.rect().topLeft()), reset.size())
        assert seen.contains(where), (where, seen)
    # the Undo/Redo/Save/Export row wrapped into two rows rather than running off the side (a
    # short window may still scroll the pane up and down: only sideways is checked)
    pane = window.wardrobe
    left = outer.viewport().mapToGlobal(outer.viewport().rect().topLeft()).x()
    right = left + outer.viewport().width()
    for key in ("undo", "redo", "save", "export"):
        button = pane.buttons[key]
        x = button.mapToGlobal(button.rect().topLeft()).x()
        assert left <= x and x + button.width() <= right, key
    assert pane.buttons["save"].y() > pane.buttons["undo"].y()
