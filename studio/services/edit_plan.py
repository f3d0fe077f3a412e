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

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.domain.errors import InvalidInputError, NotFoundError
from studio.domain.metadata import (
    ITEM_SLOTS,
    AiMeshMetadata,
    BoneTransform,
    MaterialEdit,
    format_validation_error,
    parse_hex_color,
)
from studio.domain.supermesh import SupermeshMetadata
from studio.gltf.document import Document
from studio.gltf.functions._lookup import material_indices, material_label, target_names
from studio.gltf.functions._slots import item_category
from studio.gltf.functions.equip import equip, equipped_items, take_off, unequip
from studio.gltf.functions.morphs import find_morph, set_morph_weights
from studio.gltf.functions.tint import set_roughness, tint
from studio.gltf.functions.transform_bones import transform_bones
from studio.gltf.io import load, read_glb
from studio.gltf.vrm import VrmInfo, resolve_bone

#: (slot, item id) -> the item's GLB (a path or bytes)
ItemSource = Callable[[str, str], "Path | bytes"]
SRGBA = tuple[float, float, float, float]
#: item slots; "hair" holds one item, the others a list


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
    #: swap categories emptied before equipping (a supermesh's own item its metadata dropped)
    take_off: list[str] = field(default_factory=list)
    #: morph name -> weight for the meshes of equipped items (fitted to the neutral body)
    item_morphs: dict[str, float] = field(default_factory=dict)
    #: material name -> edit, for materials of worn items (not the avatar's own): applied by name
    #: once the items are on
    item_materials: dict[str, tuple[SRGBA | None, float | None]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.bone_scales
            or self.materials
            or self.item_materials
            or self.morphs
            or self.take_off
            or any(v is not None for v in self.items.values())
        )

    def items_only(self) -> EditPlan:
        """The part of the plan that changes geometry (what the live preview cannot override)."""
        return EditPlan(
            items=dict(self.items), take_off=list(self.take_off), item_morphs=dict(self.item_morphs)
        )

    def material_edits_by_name(self, doc: Document) -> dict[str, tuple[SRGBA | None, float | None]]:
        mats = doc.items("materials")
        return {material_label(mats[i], i): edit for i, edit in self.materials.items()}


@dataclass
class Wanted:
    """What metadata asks of the opened file, whichever of seed 004's shapes it came in."""

    bones: dict[str, BoneTransform]
    materials: dict[str, MaterialEdit]
    skin_tone: str | None
    #: "bodyMorphs"/"faceMorphs" -> target name -> weight to set on the file's target
    morphs: dict[str, dict[str, float]]
    hair: str | None
    clothing: list[str] | None
    attachments: list[str] | None
    take_off: list[str] = field(default_factory=list)
    #: weights for equipped items' morph targets
    item_morphs: dict[str, float] = field(default_factory=dict)


class _SupermeshEdits(BaseModel):
    """The modifications a supermesh's metadata may carry besides its generator parameters
    (tints and bone proportions, the same keys as a VRM avatar's)."""

    model_config = ConfigDict(extra="ignore")

    materials: dict[str, MaterialEdit] = Field(default_factory=dict)
    boneTransforms: dict[str, BoneTransform] = Field(default_factory=dict)


def _get(meta: BaseModel, *names: str) -> Any:
    for name in names:
        value = getattr(meta, name, None)
        if value is not None:
            return value
    extra = meta.model_extra or {}
    return next((extra[n] for n in names if n in extra), None)


def built_with(doc: Document) -> SupermeshMetadata:
    """The parameters a supermesh file was generated with (``asset.extras.supermesh``, written by
    the procedural builder); defaults when the file does not say."""
    raw = _built_params(doc)
    if raw is not None:
        try:
            return SupermeshMetadata.model_validate(raw)
        except ValidationError:
            pass
    return SupermeshMetadata.model_validate({})


def _vrm_wanted(meta: BaseModel) -> Wanted:
    morphs = {
        "bodyMorphs": dict(_get(meta, "bodyMorphs", "body_morphs") or {}),
        "faceMorphs": dict(_get(meta, "faceMorphs", "face_morphs") or {}),
    }
    hair, clothing, attachments = (_get(meta, slot) for slot in ITEM_SLOTS)
    return Wanted(
        bones=dict(_get(meta, "boneTransforms") or {}),
        materials=dict(_get(meta, "materials") or {}),
        skin_tone=getattr(_get(meta, "skin"), "tone", None),
        morphs=morphs,
        hair=hair or None,
        clothing=list(clothing) if clothing else None,
        attachments=list(attachments) if attachments else None,
        item_morphs={**morphs["bodyMorphs"], **morphs["faceMorphs"]},
    )


def _built_params(doc: Document) -> dict[str, Any] | None:
    """``asset.extras.supermesh`` as written by the procedural builder, or None (not studio-made)."""
    asset = doc.json.get("asset")
    extras = asset.get("extras") if isinstance(asset, dict) else None
    raw = extras.get("supermesh") if isinstance(extras, dict) else None
    return raw if isinstance(raw, dict) else None


def _clothing_over_built(built: SupermeshMetadata, listed: list[str]) -> tuple[list[str] | None, list[str]]:
    """Clothing ``listed`` against what the file was built with: (the items to equip, or None; the
    categories to take off because their baked item is no longer listed)."""
    dropped = [item_category("clothing", c) for c in built.clothing if c not in listed]
    added = [c for c in listed if c not in built.clothing] or None
    return added, [c for c in dict.fromkeys(dropped) if c is not None]


def _against_built(doc: Document, meta: BaseModel, wanted: Wanted) -> None:
    """A studio-made VRM (a default prebuilt) has its hair and clothes baked in, and its metadata
    lists them (seed 004's VRM example): a listed baked item stays as it is, a baked item the list
    leaves out is taken off. A slot the metadata does not mention is left alone."""
    if _procedural_base(doc) is None:
        return
    built, given = built_with(doc), meta.model_fields_set
    if "clothing" in given:
        listed = [str(c) for c in _get(meta, "clothing") or []]
        wanted.clothing, taken_off = _clothing_over_built(built, listed)
        wanted.take_off += taken_off
    if "attachments" in given:
        extra = [a for a in _get(meta, "attachments") or [] if a not in built.attachments]
        wanted.attachments = extra or None
    if "hair" in given and wanted.hair == built.hair:
        wanted.hair = None


def _supermesh_wanted(doc: Document, meta: SupermeshMetadata) -> Wanted:
    """A supermesh file has its generator parameters baked in (``built_with``): morph sliders are
    absolute parameter values, so the file's targets get ``value - built``; items it was built
    with stay, items added are equipped, items dropped are taken off; skin tone and hair/eye
    colours are baked (a rebuild changes them), tints are ``materials`` edits on top."""
    extra = meta.model_extra or {}
    try:
        edits = _SupermeshEdits.model_validate(
            {k: extra[k] for k in ("materials", "boneTransforms") if k in extra}
        )
    except ValidationError as exc:
        raise InvalidInputError(format_validation_error(exc, "supermesh")) from None
    built = built_with(doc)
    morphs = {
        "bodyMorphs": {n: w - built.body_morphs.get(n, 0.0) for n, w in meta.body_morphs.items()},
        "faceMorphs": {n: w - built.face_morphs.get(n, 0.0) for n, w in meta.face_morphs.items()},
    }
    clothing, take_off = _clothing_over_built(built, list(meta.clothing))
    if built.hair and not meta.hair:
        take_off.append("hair")
    return Wanted(
        bones=edits.boneTransforms,
        materials=edits.materials,
        skin_tone=None,
        morphs=morphs,
        hair=meta.hair if meta.hair != built.hair else None,
        clothing=clothing,
        attachments=[a for a in meta.attachments if a not in built.attachments] or None,
        take_off=take_off,
        item_morphs={**built.body_morphs, **built.face_morphs, **meta.body_morphs, **meta.face_morphs},
    )


def plan_edits(
    doc: Document, meta: BaseModel, info: VrmInfo, *, need_items: bool = True, strict_materials: bool = True
) -> EditPlan:
    """Resolve ``meta`` against ``doc``; raises InvalidInputError naming the first unknown key
    (``strict_materials=False``: a tint naming no material is left for whoever applies it)."""
    plan = EditPlan()
    if isinstance(meta, AiMeshMetadata):
        over = meta.materialOverrides
        tint_rgba = parse_hex_color(over.tint) if over.tint else None
        for i in range(len(doc.items("materials"))):
            plan.materials[i] = (tint_rgba, over.roughness)
        return plan
    if isinstance(meta, SupermeshMetadata):
        wanted = _supermesh_wanted(doc, meta)
    else:
        wanted = _vrm_wanted(meta)
        _against_built(doc, meta, wanted)
    _plan_bones(doc, wanted.bones, info, plan)
    # a material the avatar lacks may belong to a worn item (checked once it is on); the live
    # preview (need_items=False) tints whatever its scene has
    wears = bool(wanted.hair or wanted.clothing or wanted.attachments)
    _plan_materials(doc, wanted, plan, defer_unknown=wears or not need_items or not strict_materials)
    for key, weights in wanted.morphs.items():
        for name, weight in weights.items():
            found = find_morph(doc, name)
            if not found:
                raise InvalidInputError(f"{key}.{name}: this avatar has no morph target called {name!r}")
            for pair in found:
                plan.morphs[pair] = float(weight)
    plan.item_morphs = wanted.item_morphs
    if need_items:
        plan.items = {"hair": [wanted.hair] if wanted.hair else None}
        plan.items |= {"clothing": wanted.clothing, "attachments": wanted.attachments}
        plan.take_off = wanted.take_off
        _check_one_per_category(list(_get(meta, "clothing") or []))
    return plan


def category_of(slot: str, item: str) -> str | None:
    """The swap category of item ``item`` in metadata slot ``slot`` (``hair``, ``tops``,
    ``bottoms``, ``shoes``), or None for an additive item (attachments, unrecognised clothing)."""
    return item_category(slot, item)


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


def _plan_bones(doc: Document, bones: dict[str, BoneTransform], info: VrmInfo, plan: EditPlan) -> None:
    for name, transform in bones.items():
        node = resolve_bone(info, name)
        if node is None or not 0 <= node < len(doc.items("nodes")):
            raise InvalidInputError(f"boneTransforms.{name}: this avatar has no bone or node called {name!r}")
        plan.bone_scales[node] = transform.factors()


def _plan_materials(doc: Document, wanted: Wanted, plan: EditPlan, *, defer_unknown: bool) -> None:
    for name, edit in wanted.materials.items():
        found = material_indices(doc, name)
        tint_rgba = parse_hex_color(edit.tint) if edit.tint else None
        if not found and defer_unknown:
            plan.item_materials[name] = (tint_rgba, edit.roughness)
            continue
        if not found:
            known = ", ".join(sorted({str(m.get("name")) for m in doc.items("materials")})) or "none"
            raise InvalidInputError(
                f"materials.{name}: this avatar has no material called {name!r} (it has: {known})"
            )
        for i in found:
            plan.materials[i] = (tint_rgba, edit.roughness)
    if wanted.skin_tone:
        skins = [i for i, m in enumerate(doc.items("materials")) if "skin" in str(m.get("name", "")).lower()]
        if not skins:
            raise InvalidInputError("skin.tone: this avatar has no skin material (none is named *skin*)")
        for i in skins:
            plan.materials.setdefault(i, (parse_hex_color(wanted.skin_tone), None))


def apply_plan(doc: Document, plan: EditPlan, items: ItemSource | None = None) -> None:
    """Apply ``plan`` to ``doc`` in place (a fresh copy of the opened file). Items go last: an
    equip swaps out the avatar's own hair/top/bottoms/shoes (see ``studio.gltf.functions.equip``);
    every index the plan resolved is still valid then, as equip only appends and detaches."""
    if plan.bone_scales:
        transform_bones(doc, plan.bone_scales)
    by_name = plan.material_edits_by_name(doc)
    authored = len(doc.items("materials"))
    _apply_materials(doc, plan.materials)
    by_mesh: dict[int, dict[int, float]] = {}
    for (mesh, target), weight in plan.morphs.items():
        by_mesh.setdefault(mesh, {})[target] = weight
    for mesh, weights in by_mesh.items():
        set_morph_weights(doc, mesh, weights)
    for category in plan.take_off:
        take_off(doc, category)
    added: list[int] = []
    for slot, wanted in plan.items.items():
        if wanted is not None:
            added += _apply_slot(doc, slot, wanted, items)
    _fit_items(doc, added, plan.item_morphs)
    # a tint names a material: an item's material of that name (the new hair's Hair_00_HAIR)
    # takes it too, as the live preview shows it; and the worn items' own materials take theirs
    by_name |= plan.item_materials
    mats = doc.items("materials")
    worn = {i: str(mats[i].get("name", i)) for i in range(authored, len(mats))}
    _apply_materials(doc, {i: by_name[n] for i, n in worn.items() if n in by_name})
    missing = [n for n in plan.item_materials if n not in worn.values()]
    if missing:
        known = ", ".join(sorted({str(m.get("name")) for m in mats})) or "none"
        raise InvalidInputError(
            f"materials.{missing[0]}: neither this avatar nor what it wears has a material called "
            f"{missing[0]!r} (there are: {known})"
        )


def _apply_materials(doc: Document, edits: dict[int, tuple[SRGBA | None, float | None]]) -> None:
    for index, (tint_rgba, roughness) in edits.items():
        if tint_rgba is not None:
            tint(doc, index, tint_rgba, keep_alpha=True)
        if roughness is not None:
            set_roughness(doc, index, roughness)


def _fit_items(doc: Document, nodes: list[int], weights: dict[str, float]) -> None:
    """Items are fitted to the neutral body and carry its morph targets (the procedural ones
    do): set them to the body's weights so a top follows the chest it covers."""
    if not weights:
        return
    all_nodes = doc.items("nodes")
    for node in nodes:
        mesh = all_nodes[node].get("mesh")
        if not isinstance(mesh, int):
            continue
        names = target_names(doc, mesh)
        wanted = {names.index(n): w for n, w in weights.items() if n in names}
        if wanted:
            set_morph_weights(doc, mesh, wanted)


def _procedural_base(doc: Document) -> str | None:
    """The body a studio-made avatar was generated on (``asset.extras.supermesh.base``), else None."""
    params = _built_params(doc)
    base = params.get("base") if params is not None else None
    return base if base in ("feminine", "masculine") else None


def _apply_slot(doc: Document, slot: str, wanted: list[str], items: ItemSource | None) -> list[int]:
    """Make ``slot`` hold ``wanted``; returns the mesh nodes added."""
    current = {item: node for node, s, item in equipped_items(doc) if s == slot}
    if set(current) == set(wanted):
        return []
    if items is None:
        raise InvalidInputError(f"{slot}: items cannot be equipped without an item library (--items DIR)")
    for item, node in current.items():
        if item not in wanted:
            unequip(doc, node)
    added: list[int] = []
    fitted = getattr(items, "fitted", None)
    base = _procedural_base(doc) if fitted is not None else None
    for item in wanted:
        if item in current:
            continue
        source = fitted(slot, item, base) if fitted is not None and base else items(slot, item)
        item_doc = read_glb(source, name=f"{item}.glb") if isinstance(source, bytes) else load(source)
        try:
            added += equip(doc, item_doc, slot=slot, item=item)
        except ValueError as exc:
            raise InvalidInputError(f"{slot}: {item!r} cannot be equipped: {exc}") from None
    return added
