"""QA3 F6: the prebuilt picker shows the selected portrait in its own colours, with a frame
around it, not tinted with the highlight colour."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from studio.ui.panes.wardrobe_dialogs import PREVIEW_SIZE, PrebuiltPicker

ORANGE = QColor("#e07020")


def _close(a: QColor, b: QColor, tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _seen(picker: PrebuiltPicker, row: int) -> tuple[QColor, QColor]:
    """The row's portrait centre and the colour just inside its cell's left edge, as drawn."""
    QApplication.processEvents()
    shot = picker.list.viewport().grab().toImage()
    rect = picker.list.visualRect(picker.list.model().index(row, 0))
    icon_centre = shot.pixelColor(rect.center().x(), rect.top() + 4 + PREVIEW_SIZE // 2)
    edge = shot.pixelColor(rect.left() + 1, rect.top() + rect.height() // 2)
    return icon_centre, edge


def test_the_selected_portrait_keeps_its_colours_and_gets_a_frame(qtbot) -> None:
    ids = ["default-fem-01", "default-fem-02"]
    picker = PrebuiltPicker(None, [(i, i) for i in ids])  # type: ignore[arg-type]
    qtbot.addWidget(picker)
    orange = QImage(PREVIEW_SIZE, PREVIEW_SIZE, QImage.Format.Format_RGB32)
    orange.fill(ORANGE)
    for prebuilt_id in ("default-fem-01", "default-fem-02"):
        picker.show_preview(prebuilt_id, orange)
    picker.show()
    qtbot.waitExposed(picker)
    picker.list.setCurrentRow(1)
    selected_centre, selected_edge = _seen(picker, 1)
    other_centre, other_edge = _seen(picker, 0)
    assert _close(selected_centre, ORANGE) and _close(other_centre, ORANGE)  # drawn as they are
    highlight = picker.list.palette().color(QPalette.ColorRole.Highlight)
    assert _close(selected_edge, highlight, 40) and not _close(other_edge, highlight, 40)  # a frame
    picker.list.setCurrentRow(0)  # the frame follows the selection
    assert _close(_seen(picker, 0)[1], highlight, 40) and not _close(_seen(picker, 1)[1], highlight, 40)
    assert picker.chosen() == "default-fem-01"
