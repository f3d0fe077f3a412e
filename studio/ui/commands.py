"""Undo commands for the wardrobe editor: one small ``QUndoCommand`` per user intent.

Each command captures the old and new value and changes :class:`~studio.ui.edits.AvatarEdits`
only; saving is a service call. Slider drags push one command per movement; consecutive commands
of the same slider *and the same drag* merge into one undo step through ``id()``/``mergeWith()``
(orange-canvas-core's ``document/commands.py`` does the same), so a release and a new press start
a new step.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from studio.domain.metadata import LIST_SLOTS
from studio.services.edit_plan import category_of
from studio.ui.edits import AvatarEdits

MORPH_ID = 1001
BONE_ID = 1002


class SetTintCommand(QUndoCommand):
    def __init__(self, edits: AvatarEdits, material: str, tint: str | None) -> None:
        super().__init__(f"Tint {material}")
        self.edits, self.material, self.new = edits, material, tint
        self.old = edits.tint(material)

    def redo(self) -> None:
        self.edits.set_tint(self.material, self.new)

    def undo(self) -> None:
        self.edits.set_tint(self.material, self.old)


class SetMorphCommand(QUndoCommand):
    def __init__(self, edits: AvatarEdits, group: str, name: str, value: float, drag: int = 0) -> None:
        super().__init__(f"Morph {name}")
        self.edits, self.group, self.name, self.new, self.drag = edits, group, name, value, drag
        self.old = edits.morph(group, name)

    def id(self) -> int:
        return MORPH_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetMorphCommand) or self.drag == 0:
            return False
        if (other.group, other.name, other.drag) != (self.group, self.name, self.drag):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.edits.set_morph(self.group, self.name, self.new)

    def undo(self) -> None:
        self.edits.set_morph(self.group, self.name, self.old)


class SetBoneScaleCommand(QUndoCommand):
    def __init__(self, edits: AvatarEdits, bone: str, scale: float, drag: int = 0) -> None:
        super().__init__(f"Scale {bone}")
        self.edits, self.bone, self.new, self.drag = edits, bone, scale, drag
        self.old = edits.bone_scale(bone)

    def id(self) -> int:
        return BONE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetBoneScaleCommand) or self.drag == 0:
            return False
        if (other.bone, other.drag) != (self.bone, self.drag):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.edits.set_bone_scale(self.bone, self.new)

    def undo(self) -> None:
        self.edits.set_bone_scale(self.bone, self.old)


class EquipItemCommand(QUndoCommand):
    """Equip (``equip=True``) or take off an item. Hair, tops, bottoms and shoes hold one item
    each: equipping one replaces the item of its kind (undo puts that one back); attachments and
    clothing of no known kind add up."""

    def __init__(self, edits: AvatarEdits, slot: str, item_id: str, *, equip: bool = True) -> None:
        super().__init__(f"{'Equip' if equip else 'Unequip'} {item_id}")
        self.edits, self.slot = edits, slot
        self.old = edits.slot_items(slot)
        self.new = _slot_after(self.old, slot, item_id, equip)

    def redo(self) -> None:
        self.edits.set_slot(self.slot, self.new)

    def undo(self) -> None:
        self.edits.set_slot(self.slot, self.old)


def _slot_after(old: list[str] | str | None, slot: str, item_id: str, equip: bool) -> list[str] | str | None:
    if slot not in LIST_SLOTS:
        if equip:
            return item_id
        return None if old == item_id else old
    items = list(old) if isinstance(old, list) else []
    if equip and item_id not in items:
        kind = category_of(slot, item_id)
        if kind is not None:
            items = [i for i in items if category_of(slot, i) != kind]  # one top at a time
        items.append(item_id)
    if not equip and item_id in items:
        items.remove(item_id)
    return items
