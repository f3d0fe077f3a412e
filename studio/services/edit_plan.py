"""Metadata -> concrete edits on one document (node, material and morph indices), then applied.

Planning resolves every name first, so a bad key is refused (naming it) before anything changes.
The same plan drives the baked document edits (:func:`apply_plan`) and the live preview
(:func:`studio.services.editor.apply_to_scene`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from studio.domain.errors import InvalidInputError, NotFoundError
from studio.domain.metadata import AiMeshMetadata, parse_hex_color
from studio.gltf.document import Document
from studio.gltf.functions._lookup import material_indices
from studio.gltf.functions._slots import item_category
from studio.gltf.functions.equip import equip, equipped_items, unequip
from studio.gltf.functions.morphs import find_morph, set_morph_weights
from studio.gltf.functions.tint import set_roughness, tint
from studio.gltf.functions.transform_bones import transform_bones
from studio.gltf.io import load, read_glb
from studio.gltf.vrm import VrmInfo, resolve_bone

#: (slot, item id) -> the item's GLB (a path or bytes)
ItemSource = Callable[[str, str], "Path | bytes"]
SRGBA = tuple[float, float, float, float]
#: item slots; "hair" holds one item, the others a list
SLOTS = ("hair", "clothing", "attachments")


class FolderItems:
    """Items laid out as in seed 004's bucket: ``<root>/hair/<id>.glb``, ``<root>/clothing/<id>.glb``,
    ``<root>/attachments/<id>.glb``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __call__(self, slot: str, item: str) -> Path:
        path = self.root / slot / f"{item}.glb"
        if not path.is_file() or "/" in item or "\\" in item or item.startswith("."):
            raise NotFoundError(f"{slot}: no item {item!r} in {self.root / slot}")
        return path


@dataclass
class EditPlan:
    bone_scales: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    #: material index -> (sRGB RGBA tint or None, roughness or None)
    materials: dict[int, tuple[SRGBA | None, float | None]] = field(default_factory=dict)
    #: (mesh, target) -> weight
    morphs: dict[tuple[int, int], float] = field(default_factory=dict)
    #: slot -> item ids (None: leave the slot as it is)
    items: dict[str, list[str] | None] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.bone_scales
            or self.materials
            or self.morphs
            or any(v is not None for v in self.items.values())
        )

    def material_edits_by_name(self, doc: Document) -> dict[str, tuple[SRGBA | None, float | None]]:
        mats = doc.items("materials")
        return {str(mats[i].get("name", i)): edit for i, edit in self.materials.items()}


def _get(meta: BaseModel, *names: str) -> Any:
    for name in names:
        value = getattr(meta, name, None)
        if value is not None:
            return value
    extra = meta.model_extra or {}
    return next((extra[n] for n in names if n in extra), None)


def plan_edits(doc: Document, meta: BaseModel, info: VrmInfo, *, need_items: bool = True) -> EditPlan:
    """Resolve ``meta`` against ``doc``; raises InvalidInputError naming the first unknown key."""
    plan = EditPlan()
    if isinstance(meta, AiMeshMetadata):
        over = meta.materialOverrides
        tint_rgba = parse_hex_color(over.tint) if over.tint else None
        for i in range(len(doc.items("materials"))):
            plan.materials[i] = (tint_rgba, over.roughness)
        return plan
    _plan_bones(doc, meta, info, plan)
    _plan_materials(doc, meta, plan)
    for key in ("bodyMorphs", "faceMorphs"):
        weights = _get(meta, key, "body_morphs" if key == "bodyMorphs" else "face_morphs") or {}
        for name, weight in weights.items():
            found = find_morph(doc, name)
            if not found:
                raise InvalidInputError(f"{key}.{name}: this avatar has no morph target called {name!r}")
            for pair in found:
                plan.morphs[pair] = float(weight)
    if need_items:
        hair = _get(meta, "hair")
        plan.items["hair"] = [hair] if hair else None
        for slot in ("clothing", "attachments"):
            value = _get(meta, slot)
            plan.items[slot] = list(value) if value else None
        _check_one_per_category(plan.items.get("clothing") or [])
    return plan


def _check_one_per_category(items: list[str]) -> None:
    """Tops, bottoms and shoes hold one item each (equipping one swaps the other out), so a list
    naming two of one category is refused rather than silently keeping the last."""
    seen: dict[str, str] = {}
    for item in items:
        category = item_category("clothing", str(item))
        if category is not None and category in seen:
            raise InvalidInputError(
                f"clothing: {seen[category]!r} and {item!r} are both {category}; wear one at a time"
            )
        if category is not None:
            seen[category] = str(item)


def _plan_bones(doc: Document, meta: BaseModel, info: VrmInfo, plan: EditPlan) -> None:
    for name, transform in (_get(meta, "boneTransforms") or {}).items():
        node = resolve_bone(info, name)
        if node is None or not 0 <= node < len(doc.items("nodes")):
            raise InvalidInputError(f"boneTransforms.{name}: this avatar has no bone or node called {name!r}")
        plan.bone_scales[node] = transform.factors()


def _plan_materials(doc: Document, meta: BaseModel, plan: EditPlan) -> None:
    for name, edit in (_get(meta, "materials") or {}).items():
        found = material_indices(doc, name)
        if not found:
            known = ", ".join(sorted({str(m.get("name")) for m in doc.items("materials")})) or "none"
            raise InvalidInputError(
                f"materials.{name}: this avatar has no material called {name!r} (it has: {known})"
            )
        tint_rgba = parse_hex_color(edit.tint) if edit.tint else None
        for i in found:
            plan.materials[i] = (tint_rgba, edit.roughness)
    skin = _get(meta, "skin")
    tone = getattr(skin, "tone", None)
    if tone and "skin" in meta.model_fields_set:  # supermesh metadata has a default skin: ignore it
        skins = [i for i, m in enumerate(doc.items("materials")) if "skin" in str(m.get("name", "")).lower()]
        if not skins:
            raise InvalidInputError("skin.tone: this avatar has no skin material (none is named *skin*)")
        for i in skins:
            plan.materials.setdefault(i, (parse_hex_color(tone), None))


def apply_plan(doc: Document, plan: EditPlan, items: ItemSource | None = None) -> None:
    """Apply ``plan`` to ``doc`` in place (a fresh copy of the opened file). Items go last: an
    equip swaps out the avatar's own hair/top/bottoms/shoes (see ``studio.gltf.functions.equip``);
    every index the plan resolved is still valid then, as equip only appends and detaches."""
    if plan.bone_scales:
        transform_bones(doc, plan.bone_scales)
    for index, (tint_rgba, roughness) in plan.materials.items():
        if tint_rgba is not None:
            tint(doc, index, tint_rgba, keep_alpha=True)
        if roughness is not None:
            set_roughness(doc, index, roughness)
    by_mesh: dict[int, dict[int, float]] = {}
    for (mesh, target), weight in plan.morphs.items():
        by_mesh.setdefault(mesh, {})[target] = weight
    for mesh, weights in by_mesh.items():
        set_morph_weights(doc, mesh, weights)
    for slot, wanted in plan.items.items():
        if wanted is not None:
            _apply_slot(doc, slot, wanted, items)


def _apply_slot(doc: Document, slot: str, wanted: list[str], items: ItemSource | None) -> None:
    current = {item: node for node, s, item in equipped_items(doc) if s == slot}
    if set(current) == set(wanted):
        return
    if items is None:
        raise InvalidInputError(f"{slot}: items cannot be equipped without an item library (--items DIR)")
    for item, node in current.items():
        if item not in wanted:
            unequip(doc, node)
    for item in wanted:
        if item in current:
            continue
        source = items(slot, item)
        item_doc = read_glb(source, name=f"{item}.glb") if isinstance(source, bytes) else load(source)
        try:
            equip(doc, item_doc, slot=slot, item=item)
        except ValueError as exc:
            raise InvalidInputError(f"{slot}: {item!r} cannot be equipped: {exc}") from None
