"""The in-memory wardrobe edits of the open avatar: seed 004's ``metadata`` JSON, observable.

Undo commands (``studio.ui.commands``) change this model and nothing else; the wardrobe pane and
the preview listen to :attr:`AvatarEdits.changed`; saving hands :meth:`AvatarEdits.metadata` to the
wardrobe service. Keys follow seed 004: ``materials.<name>.tint``, ``bodyMorphs``, ``faceMorphs``,
``boneTransforms``, ``hair``, ``clothing``, ``attachments``. Keys the studio does not edit are kept.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.domain.metadata import LIST_SLOTS

MORPH_GROUPS = ("bodyMorphs", "faceMorphs")


class AvatarEdits(QObject):
    """Observable metadata of one avatar. ``changed(kind, key)``: kind is tint/morph/bone/equip/all."""

    changed = Signal(str, str)

    def __init__(self, metadata: dict[str, Any] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._meta: dict[str, Any] = copy.deepcopy(metadata or {})

    def metadata(self) -> dict[str, Any]:
        """A copy of the current metadata, ready for the wardrobe service."""
        return copy.deepcopy(self._meta)

    def reset(self, metadata: dict[str, Any]) -> None:
        self._meta = copy.deepcopy(metadata)
        self.changed.emit("all", "")

    # Tints ---------------------------------------------------------------------------------
    def tint(self, material: str) -> str | None:
        entry = self._meta.get("materials", {}).get(material, {})
        value = entry.get("tint") if isinstance(entry, dict) else None
        return value if isinstance(value, str) else None

    def set_tint(self, material: str, value: str | None) -> None:
        materials = self._meta.setdefault("materials", {})
        entry = materials.setdefault(material, {})
        if value is None:
            entry.pop("tint", None)
            if not entry:
                materials.pop(material)
        else:
            entry["tint"] = value
        self.changed.emit("tint", material)

    # Morphs --------------------------------------------------------------------------------
    def morph(self, group: str, name: str) -> float:
        return float(self._meta.get(group, {}).get(name, 0.0))

    def set_morph(self, group: str, name: str, value: float) -> None:
        if group not in MORPH_GROUPS:
            raise ValueError(f"unknown morph group {group!r}")
        self._meta.setdefault(group, {})[name] = round(float(value), 4)
        self.changed.emit("morph", f"{group}/{name}")

    # Bones ---------------------------------------------------------------------------------
    def bone_scale(self, bone: str) -> float:
        """The bone's uniform scale factor (seed 004 ``boneTransforms`` per-axis factors; y read)."""
        entry = self._meta.get("boneTransforms", {}).get(bone, {})
        value = entry.get("y") if isinstance(entry, dict) else None
        return float(value) if isinstance(value, int | float) else 1.0

    def set_bone_scale(self, bone: str, value: float) -> None:
        """Scale the bone by ``value`` on every axis; 1.0 removes the entry."""
        bones = self._meta.setdefault("boneTransforms", {})
        entry = bones.setdefault(bone, {})
        for axis in "xyz":
            entry.pop(axis, None)
        if abs(value - 1.0) >= 1e-6:
            entry.update({axis: round(float(value), 4) for axis in "xyz"})
        if not entry:
            bones.pop(bone)
        self.changed.emit("bone", bone)

    # Equipment -----------------------------------------------------------------------------
    def equipped(self) -> list[str]:
        """Every equipped item id: the hair first, then clothing and attachments."""
        items = [self._meta["hair"]] if self._meta.get("hair") else []
        for slot in LIST_SLOTS:
            items += list(self._meta.get(slot, []))
        return items

    def slot_items(self, slot: str) -> list[str] | str | None:
        value = self._meta.get(slot)
        return copy.deepcopy(value)

    def set_slot(self, slot: str, value: list[str] | str | None) -> None:
        if value is None or value == []:
            self._meta.pop(slot, None)
        else:
            self._meta[slot] = copy.deepcopy(value)
        self.changed.emit("equip", slot)
