"""The editor widgets of the wardrobe pane: tints, morph sliders, bone proportions, outfit.

Every user gesture becomes one undo command pushed on the shared ``QUndoStack`` (view -> model);
every change of :class:`AvatarEdits` — a gesture, an undo, a reload — updates the widgets with
their signals blocked (model -> view), so an undo never pushes a new command.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QUndoCommand
from PySide6.QtWidgets import (
    QColorDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.edit_plan import category_of
from studio.services.editor import effective_color
from studio.ui.commands import EquipItemCommand, SetBoneScaleCommand, SetMorphCommand, SetTintCommand
from studio.ui.edits import AvatarEdits

Push = Callable[[QUndoCommand], None]


def material_label(name: str) -> str:
    """``Bottoms_bottoms_jeans_01_CLOTH`` -> "Bottoms jeans 01 (cloth)": words split on ``_``
    and camel case, a repeated word once, the all-capitals kind suffix VRoid adds in brackets."""
    words = [w for w in re.split(r"[_\s]+|(?<=[a-z])(?=[A-Z])", name) if w]
    kept: list[str] = []
    for word in words:
        if not kept or word.casefold() != kept[-1].casefold():
            kept.append(word)
    suffix = ""
    if len(kept) > 1 and kept[-1].isupper() and kept[-1].isalpha() and len(kept[-1]) > 1:
        suffix = f" ({kept.pop().lower()})"
    text = " ".join(kept)
    return (text[:1].upper() + text[1:] + suffix) if text else name


def _label(name: str) -> str:
    """``chest_size`` -> "Chest size", ``leftUpperArm`` -> "Left upper arm"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return words.lower().capitalize()


class TintEditor(QScrollArea):
    """A colour swatch per material; click to pick, the small button resets to the file's colour.

    A tint multiplies the material's base colour texture (glTF's base colour factor), so on a
    textured material the swatch shows what the user gets, ``tint x the texture's average``
    (``effective_color``), and says "× texture"; its tooltip gives the tint itself. The colour
    dialog starts at the tint (else the authored colour), shows the same result under the
    picker and previews each colour live by setting the tint on the model without an undo step;
    OK turns the choice into one undo step, Cancel puts the previous tint back."""

    def __init__(self, edits: AvatarEdits, push: Push, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits, self.push = edits, push
        self.swatches: dict[str, QPushButton] = {}
        self.authored: dict[str, str] = {}
        #: textured materials -> the texture's average colour (linear RGB)
        self.means: dict[str, tuple[float, float, float]] = {}
        #: the open colour dialog (tests answer it); None when none is open
        self.dialog: QColorDialog | None = None
        #: in the open dialog: the chosen colour on the texture (None for an untextured material)
        self.dialog_result: QLabel | None = None
        self.setWidgetResizable(True)
        # a narrow wardrobe wraps the rows; it never hides the reset buttons behind a scroll bar
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.edits.changed.connect(self._changed)

    def set_materials(
        self,
        materials: Sequence[str],
        authored: dict[str, str] | None = None,
        means: dict[str, tuple[float, float, float]] | None = None,
    ) -> None:
        self.authored, self.means = dict(authored or {}), dict(means or {})
        inner = QWidget()
        form = QFormLayout(inner)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.swatches = {}
        for name in materials:
            label = QLabel(material_label(name))
            label.setToolTip(name)
            label.setWordWrap(True)
            form.addRow(label, self._row(name))
            self._show(name)
        self.setWidget(inner)

    def _row(self, material: str) -> QHBoxLayout:
        swatch = QPushButton()
        swatch.setMinimumWidth(60)
        # the text never widens the tab: a narrow wardrobe clips it, the reset button stays
        swatch.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        swatch.clicked.connect(lambda _=False, m=material: self.choose(m))
        reset = QToolButton()
        reset.setText("↺")
        reset.setToolTip("Back to the colour in the file")
        reset.clicked.connect(lambda _=False, m=material: self.pick(m, None))
        row = QHBoxLayout()
        row.addWidget(swatch, 1)
        row.addWidget(reset)
        self.swatches[material] = swatch
        return row

    def pick(self, material: str, color: str | None) -> None:
        """View -> model: the user chose ``color`` (``#rrggbb``) for ``material`` (None resets)."""
        if self.edits.tint(material) != color:
            self.push(SetTintCommand(self.edits, material, color))

    def shown_color(self, material: str) -> str:
        """The material's colour factor now: its tint, else the authored colour."""
        return self.edits.tint(material) or self.authored.get(material) or "#ffffff"

    def result_color(self, material: str, color: str | None = None) -> str:
        """What the user sees: ``color`` (default: :meth:`shown_color`) times the texture."""
        return effective_color(color or self.shown_color(material), self.means.get(material))

    def choose(self, material: str) -> None:
        """The colour dialog for ``material``, previewing live (modal; tests drive :attr:`dialog`)."""
        before = self.edits.tint(material)
        dialog = QColorDialog(QColor(self.shown_color(material)), self)
        dialog.setWindowTitle(f"Colour for {material_label(material)}")
        # the platform's own dialog may not report colours until it closes: no live preview
        dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        self.dialog_result = self._result_line(dialog, material)
        dialog.currentColorChanged.connect(lambda c: self._preview(material, c))
        self.dialog = dialog
        try:
            accepted = dialog.exec() == QColorDialog.DialogCode.Accepted
            chosen = dialog.selectedColor()
        finally:
            self.dialog = self.dialog_result = None
            dialog.deleteLater()
        self.edits.set_tint(material, before)  # the live preview was not an undo step
        if accepted and chosen.isValid():
            self.pick(material, chosen.name())

    def _result_line(self, dialog: QColorDialog, material: str) -> QLabel | None:
        """Under the picker of a textured material: the chosen colour times the texture, as a
        swatch as large as the dialog's own colour preview, with words."""
        layout = dialog.layout()
        if material not in self.means or not isinstance(layout, QVBoxLayout):
            return None
        row = QWidget()
        line, block = QLabel(), QLabel()
        line.setObjectName("tintResult")
        line.setWordWrap(True)
        block.setObjectName("tintResultSwatch")
        block.setFixedSize(72, 32)
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(block)
        box.addWidget(line, 1)
        layout.insertWidget(max(layout.count() - 1, 0), row)
        self._show_result(line, material, self.shown_color(material))
        return line

    def _show_result(self, line: QLabel, material: str, color: str) -> None:
        result = self.result_color(material, color)
        line.setText(f"On the texture (it multiplies the texture), {color} shows as about {result}.")
        row = line.parentWidget()
        block = row.findChild(QLabel, "tintResultSwatch") if row is not None else None
        if block is not None:
            block.setStyleSheet(f"background:{result}; border:1px solid palette(mid);")

    def _preview(self, material: str, color: QColor) -> None:
        if not color.isValid():
            return
        if self.dialog_result is not None:
            self._show_result(self.dialog_result, material, color.name())
        if self.isEnabled():
            self.edits.set_tint(material, color.name())

    def _changed(self, kind: str, key: str) -> None:
        if kind == "all":
            for name in self.swatches:
                self._show(name)
        elif kind == "tint" and key in self.swatches:
            self._show(key)

    def _show(self, material: str) -> None:
        tint = self.edits.tint(material)
        swatch = self.swatches[material]
        shown, result = self.shown_color(material), self.result_color(material)
        textured = material in self.means
        text = tint or ("as authored" if textured else f"as authored ({shown})")
        swatch.setText(f"{text} × texture" if textured else text)
        swatch.setToolTip(
            f"Tint {shown} multiplies the texture: on average it shows as {result}. Click to change it."
            if textured
            else f"{shown}. Click to change it."
        )
        fg = "#000" if QColor(result).lightness() > 128 else "#fff"
        # a border of its own makes the style sheet paint the button: a flat fill of exactly the
        # colour (the platform style would shade it lighter)
        swatch.setStyleSheet(
            f"QPushButton {{ background:{result}; color:{fg}; border:1px solid palette(mid);"
            " border-radius:3px; padding:3px 6px; }"
        )


class SliderEditor(QScrollArea):
    """A slider per key. Values are ``slider / scale``; one drag becomes one merged undo step."""

    def __init__(
        self,
        edits: AvatarEdits,
        push: Push,
        kind: str,
        value_range: tuple[int, int],
        scale: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.edits, self.push, self.kind = edits, push, kind
        self.range, self.scale = value_range, scale
        self.sliders: dict[str, QSlider] = {}
        self._drag = 0
        self._drags = 0
        self.setWidgetResizable(True)
        self.edits.changed.connect(self._changed)

    def set_keys(self, keys: Sequence[str]) -> None:
        inner = QWidget()
        form = QFormLayout(inner)
        self.sliders = {}
        for key in keys:
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(*self.range)
            slider.setObjectName(key)
            slider.sliderPressed.connect(self._press)
            slider.sliderReleased.connect(self._release)
            slider.valueChanged.connect(lambda v, k=key: self.set_value(k, v / self.scale))
            form.addRow(_label(key.rsplit("/", 1)[-1]), slider)
            self.sliders[key] = slider
            self._show(key)
        if not keys:
            form.addRow(QLabel("Nothing to adjust on this avatar."))
        self.setWidget(inner)

    def _press(self) -> None:
        self._drags += 1
        self._drag = self._drags

    def _release(self) -> None:
        self._drag = 0

    def set_value(self, key: str, value: float) -> None:
        """View -> model; during a drag every movement merges into one undo step."""
        if abs(self.current(key) - value) > 1e-9:
            self.push(self.command(key, value, self._drag))

    def current(self, key: str) -> float:
        raise NotImplementedError

    def command(self, key: str, value: float, drag: int) -> QUndoCommand:
        raise NotImplementedError

    def _changed(self, kind: str, key: str) -> None:
        if kind == "all":
            for name in self.sliders:
                self._show(name)
        elif kind == self.kind and key in self.sliders:
            self._show(key)

    def _show(self, key: str) -> None:
        slider = self.sliders[key]
        slider.blockSignals(True)
        slider.setValue(round(self.current(key) * self.scale))
        slider.blockSignals(False)


class MorphEditor(SliderEditor):
    """Body or face morph weights in [-1, 1]; keys are ``<group>/<name>``."""

    def __init__(self, edits: AvatarEdits, push: Push, parent: QWidget | None = None) -> None:
        super().__init__(edits, push, "morph", (-100, 100), 100.0, parent)

    def current(self, key: str) -> float:
        group, name = key.split("/", 1)
        return self.edits.morph(group, name)

    def command(self, key: str, value: float, drag: int) -> QUndoCommand:
        group, name = key.split("/", 1)
        return SetMorphCommand(self.edits, group, name, value, drag)


class BoneEditor(SliderEditor):
    """Bone proportions: a scale factor per humanoid bone, 0.5x to 1.5x."""

    def __init__(self, edits: AvatarEdits, push: Push, parent: QWidget | None = None) -> None:
        super().__init__(edits, push, "bone", (50, 150), 100.0, parent)

    def current(self, key: str) -> float:
        return self.edits.bone_scale(key)

    def command(self, key: str, value: float, drag: int) -> QUndoCommand:
        return SetBoneScaleCommand(self.edits, key, value, drag)


class OutfitEditor(QWidget):
    """The inventory's hair and clothing with a tick for what the avatar wears."""

    SLOT_OF: ClassVar[dict[str, str]] = {"hair": "hair", "clothing": "clothing", "attachment": "attachments"}

    def __init__(self, edits: AvatarEdits, push: Push, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits, self.push = edits, push
        self.list = QListWidget()
        self.hint = QLabel(
            "Tick an item to wear it. Hair, a top, bottoms or shoes replace what the avatar wears "
            "of that kind; attachments add up."
        )
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        self.list.itemChanged.connect(self._ticked)
        self.edits.changed.connect(self._changed)

    def set_items(self, items: Sequence[Any]) -> None:
        """The rows sorted by kind (hair, tops, bottoms, shoes, other clothing, attachments),
        then by name."""
        self.list.blockSignals(True)
        self.list.clear()
        for item in sorted(items, key=_outfit_order):
            slot = self.SLOT_OF.get(item.item_type)
            if slot is None:
                continue
            row = QListWidgetItem(f"{item.item_id}   ·  {item.item_type}, {item.source}")
            row.setData(Qt.ItemDataRole.UserRole, (slot, item.item_id))
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            self.list.addItem(row)
        self.list.blockSignals(False)
        self._show()

    def set_worn(self, item_id: str, worn: bool) -> None:
        """View -> model for one item (what ticking its box does)."""
        for row in range(self.list.count()):
            slot, ident = self.list.item(row).data(Qt.ItemDataRole.UserRole)
            if ident == item_id and (item_id in self.edits.equipped()) != worn:
                self.push(EquipItemCommand(self.edits, slot, item_id, equip=worn))

    def _ticked(self, row: QListWidgetItem) -> None:
        _, ident = row.data(Qt.ItemDataRole.UserRole)
        self.set_worn(ident, row.checkState() == Qt.CheckState.Checked)

    def _changed(self, kind: str, _key: str) -> None:
        if kind in ("equip", "all"):
            self._show()

    def _show(self) -> None:
        worn = set(self.edits.equipped())
        self.list.blockSignals(True)
        for row in range(self.list.count()):
            item = self.list.item(row)
            _, ident = item.data(Qt.ItemDataRole.UserRole)
            item.setCheckState(Qt.CheckState.Checked if ident in worn else Qt.CheckState.Unchecked)
        self.list.blockSignals(False)


_KIND_ORDER = ("hair", "tops", "bottoms", "shoes")
_SLOT_ORDER = ("hair", "clothing", "attachment")


def _outfit_order(item: Any) -> tuple[int, int, str]:
    slot = OutfitEditor.SLOT_OF.get(item.item_type, "")
    kind = category_of(slot, item.item_id) if slot else None
    slot_rank = _SLOT_ORDER.index(item.item_type) if item.item_type in _SLOT_ORDER else len(_SLOT_ORDER)
    kind_rank = _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
    return slot_rank, kind_rank, item.item_id.casefold()
