"""The tint colour dialog (QA M12): it starts at the material's colour, the preview follows the
colour while the dialog is open, Cancel puts it back, OK is one undo step; material names are
shown readably with the raw name as tooltip."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QFormLayout, QLabel

from studio.ui.panes.wardrobe_editors import material_label
from tests.ui.avatars import VRM1, add_avatar
from tests.ui.modal import answering


def test_material_names_read_as_words() -> None:
    assert material_label("Bottoms_bottoms_jeans_01_CLOTH") == "Bottoms jeans 01 (cloth)"
    assert material_label("Hair_00_HAIR") == "Hair 00 (hair)"
    assert material_label("Body_00_SKIN") == "Body 00 (skin)"
    assert material_label("skin") == "Skin"


def _preview_color(window, material: str) -> tuple[float, ...]:
    return tuple(
        round(c, 4) for c in next(m for m in window.preview.scene.materials if m.name == material).base_color
    )


def test_colour_dialog_starts_at_the_colour_previews_live_and_cancels(make_main_window, make_studio) -> None:
    studio = make_studio()
    add_avatar(studio, VRM1, "Moss", active=True)
    window = make_main_window(studio)
    window.start()
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
    assert authored in pane.tints.swatches[material].text()
    original = _preview_color(window, material)
    live: list[tuple[str | None, tuple[float, ...]]] = []

    def preview_then(answer: str):
        def run(dialog: QColorDialog) -> None:
            assert dialog.currentColor().name() == (pane.edits.tint(material) or authored)
            dialog.setCurrentColor(QColor("#ff0000"))  # the user moves through the colours
            live.append((pane.edits.tint(material), _preview_color(window, material)))
            dialog.accept() if answer == "ok" else dialog.reject()

        return run

    with answering(preview_then("cancel")):
        pane.tints.choose(material)
    assert live[0][0] == "#ff0000" and live[0][1] != original  # live while open
    assert pane.edits.tint(material) is None and window.undo.count() == 0  # Cancel: back as it was
    assert _preview_color(window, material) == original
    with answering(preview_then("ok")):
        pane.tints.choose(material)
    assert pane.edits.tint(material) == "#ff0000" and window.undo.count() == 1  # one undo step
    assert pane.tints.swatches[material].text() == "#ff0000"
    with answering(preview_then("cancel")):  # now it starts at the tint
        pane.tints.choose(material)
    window.undo.undo()
    assert pane.edits.tint(material) is None and _preview_color(window, material) == original
