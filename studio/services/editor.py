"""The wardrobe editor's model, Qt-free: open an avatar, list what can be edited, apply metadata.

The UI (and ``studio export --meta``) call this and nothing below. Edits are always replayed on a
fresh copy of the file as it was opened, so applying the same metadata twice gives the same result
and "undo" is simply applying the previous metadata. The licence embedded in a VRM is respected:
where it prohibits modification, :meth:`AvatarEditor.apply` refuses any edit with the reason; the
unmodified file can still be exported where redistribution is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from studio.domain.errors import PermissionDeniedError
from studio.domain.metadata import dump_metadata, format_hex_color, parse_hex_color, parse_metadata
from studio.domain.supermesh import BODY_MORPHS, FACE_MORPHS
from studio.gltf.document import Document
from studio.gltf.export.runtime import Cancel, Progress, RuntimeReport, export_runtime, expression_targets
from studio.gltf.export.source import copy_document, export_source, unreferenced
from studio.gltf.functions._lookup import linear_to_srgb, material_label, srgb_to_linear, target_names
from studio.gltf.functions.equip import equipped_items
from studio.gltf.functions.morphs import morph_weights
from studio.gltf.functions.tint import material_color
from studio.gltf.functions.transform_bones import bone_scale
from studio.gltf.io import open_checked
from studio.gltf.limits import Limits
from studio.gltf.vrm import VrmInfo, parse_vrm
from studio.gltf.vrm.migrate import MigrationReport, migrate_vrm1
from studio.services.edit_plan import EditPlan, ItemSource, apply_plan, built_with, plan_edits

MorphGroup = Literal["face", "body"]


@dataclass(frozen=True)
class MaterialInfo:
    index: int
    name: str
    #: lit colour as ``#rrggbb`` (sRGB), what a colour picker shows
    color: str
    rgba: tuple[float, float, float, float]


@dataclass(frozen=True)
class MorphInfo:
    mesh: int
    mesh_name: str
    target: int
    name: str
    weight: float
    group: MorphGroup


@dataclass(frozen=True)
class BoneInfo:
    #: VRM 1.0 humanoid bone name
    bone: str
    node: int
    node_name: str
    scale: tuple[float, float, float]


@dataclass(frozen=True)
class SlotInfo:
    slot: str
    item: str
    node: int


@dataclass(frozen=True)
class LicenceInfo:
    can_modify: bool
    can_redistribute: bool
    #: a sentence for the user: what the licence allows and why
    reason: str


def licence_of(info: VrmInfo) -> LicenceInfo:
    if not info.is_vrm:
        return LicenceInfo(True, True, "This file has no VRM licence; it is treated as yours to edit.")
    meta = info.meta
    name = meta.license_name or meta.modification
    who = f"“{meta.name}”" if meta.name else "this avatar"
    if meta.allow_modification and meta.allow_redistribution:
        return LicenceInfo(
            True, True, f"The VRM licence of {who} ({name}) allows modification and redistribution."
        )
    if meta.allow_modification:
        return LicenceInfo(
            True,
            False,
            f"The VRM licence of {who} ({name}) allows modification but "
            "not redistribution: it cannot be exported for upload.",
        )
    tail = (
        "the unmodified file may still be exported."
        if meta.allow_redistribution
        else "it may not be redistributed either."
    )
    return LicenceInfo(
        False, meta.allow_redistribution, f"The VRM licence of {who} ({name}) prohibits modification; {tail}"
    )


class AvatarEditor:
    """One open avatar. ``document`` is the edited state; the opened file is never modified."""

    def __init__(
        self, doc: Document, *, items: ItemSource | None = None, avatar_type: str | None = None
    ) -> None:
        self.original = doc
        self.items = items
        self.avatar_type = avatar_type
        self.info = parse_vrm(doc)
        self.licence = licence_of(self.info)
        self._baseline = unreferenced(doc)
        self.document = copy_document(doc)
        self._metadata: dict[str, Any] = {}
        #: a supermesh's sliders show its parameters: the file's targets plus what was baked in
        built = built_with(doc) if avatar_type == "supermesh" else None
        self._built_morphs = {**built.body_morphs, **built.face_morphs} if built else {}
        #: the report of the last :meth:`migrate_vrm1` (None until one ran)
        self.last_migration: MigrationReport | None = None

    @classmethod
    def open(
        cls,
        source: str | os.PathLike[str] | bytes,
        *,
        items: ItemSource | None = None,
        limits: Limits | None = None,
        name: str = "",
        avatar_type: str | None = None,
    ) -> AvatarEditor:
        """Read and validate ``source`` (a path, or a file's bytes called ``name``): what the
        validator refuses is refused here too (GltfError with the first error's code); warnings
        are allowed."""
        doc, _report = open_checked(source if isinstance(source, bytes) else Path(source), limits, name=name)
        return cls(doc, items=items, avatar_type=avatar_type)

    # -- what can be edited -------------------------------------------------------------------
    def materials(self) -> list[MaterialInfo]:
        out = []
        for i, mat in enumerate(self.document.items("materials")):
            rgba = material_color(self.document, i)
            out.append(MaterialInfo(i, material_label(mat, i), format_hex_color(rgba), rgba))
        return out

    def morphs(self) -> list[MorphInfo]:
        """Every morph target and its weight; for a supermesh, parameter morphs read as the
        parameter's value (what was baked into the file plus the target's weight; equipped items
        were fitted to the neutral body, so theirs is the value itself)."""
        doc = self.document
        bound = expression_targets(doc)
        built_meshes = len(self.original.items("meshes"))  # equipped items are fitted unmorphed
        out = []
        for m, mesh in enumerate(doc.items("meshes")):
            mesh_name = str(mesh.get("name", f"mesh {m}"))
            weights = morph_weights(doc, m)
            for t, name in enumerate(target_names(doc, m)):
                weight = weights[t] + (self._built_morphs.get(name, 0.0) if m < built_meshes else 0.0)
                out.append(MorphInfo(m, mesh_name, t, name, weight, _group(name, mesh_name, (m, t) in bound)))
        return out

    def bones(self) -> list[BoneInfo]:
        nodes = self.document.items("nodes")
        return [
            BoneInfo(bone, node, str(nodes[node].get("name", "")), bone_scale(self.document, node))
            for bone, node in self.info.humanoid.items()
            if 0 <= node < len(nodes)
        ]

    def slots(self) -> list[SlotInfo]:
        return [SlotInfo(slot, item, node) for node, slot, item in equipped_items(self.document)]

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    # -- editing ------------------------------------------------------------------------------
    def plan(self, metadata: dict[str, Any] | BaseModel) -> EditPlan:
        data = dump_metadata(metadata) if isinstance(metadata, BaseModel) else metadata
        return plan_edits(self.original, parse_metadata(data, self.avatar_type), self.info)

    def apply(self, metadata: dict[str, Any] | BaseModel) -> None:
        """Replace the current edits with ``metadata`` (validated; refused naming the key)."""
        plan = self.plan(metadata)
        if not plan.is_empty() and not self.licence.can_modify:
            raise PermissionDeniedError(f"Editing refused. {self.licence.reason}")
        doc = copy_document(self.original)
        apply_plan(doc, plan, self.items)
        self.document = doc
        self._metadata = dump_metadata(metadata) if isinstance(metadata, BaseModel) else dict(metadata)

    def items_document(self, metadata: dict[str, Any] | BaseModel) -> Document:
        """A copy of the opened file wearing ``metadata``'s hair, clothing and attachments and
        nothing else: the live preview draws it and overrides tints, morphs and bones on top.
        Refused like :meth:`apply` (bad keys, the licence). Wearing nothing new, it is the opened
        document itself: read it, never change it."""
        data = dump_metadata(metadata) if isinstance(metadata, BaseModel) else metadata
        meta = parse_metadata(data, self.avatar_type)  # tints are the live preview's business here
        plan = plan_edits(self.original, meta, self.info, strict_materials=False).items_only()
        if plan.is_empty():
            return self.original
        if not self.licence.can_modify:
            raise PermissionDeniedError(f"Editing refused. {self.licence.reason}")
        doc = copy_document(self.original)
        apply_plan(doc, plan, self.items)
        return doc

    def check_redistribution(self) -> None:
        if not self.licence.can_redistribute:
            raise PermissionDeniedError(f"Export refused. {self.licence.reason}")

    def export_source(self, *, migrate_vrm1: bool = False) -> bytes:
        """The lossless source file with the current edits (refused where the licence forbids
        redistribution). ``migrate_vrm1``: a VRM 0.x file comes out as VRM 1.0 instead, never
        silently; the migration report is then in :attr:`last_migration` (see :meth:`migrate_vrm1`)."""
        if migrate_vrm1:
            return self.migrate_vrm1()[0]
        self.check_redistribution()
        return export_source(self.document, baseline=self._baseline)

    def migrate_vrm1(self) -> tuple[bytes, MigrationReport]:
        """The source file with the current edits migrated from VRM 0.x to 1.0, and what could not
        be carried over. Refused (InvalidInputError) for anything but a VRM 0.x file."""
        self.check_redistribution()
        migrated, report = migrate_vrm1(self.document)
        self.last_migration = report
        return export_source(migrated, baseline=self._baseline), report

    def export_runtime(
        self,
        preset: str = "web",
        *,
        strip: bool = False,
        quantize_mesh: bool | None = None,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> tuple[bytes, RuntimeReport]:
        """``quantize_mesh``: KHR_mesh_quantization on/off (None: as the preset says; web quantizes)."""
        self.check_redistribution()
        return export_runtime(
            self.document, preset, strip=strip, quantize_mesh=quantize_mesh, progress=progress, cancel=cancel
        )


def _group(name: str, mesh_name: str, bound: bool) -> MorphGroup:
    if name in BODY_MORPHS:
        return "body"
    if name in FACE_MORPHS or bound:
        return "face"
    lowered = mesh_name.lower()
    return "face" if "face" in lowered or "head" in lowered else "body"


def apply_to_scene(
    scene: Any,
    metadata: dict[str, Any] | BaseModel,
    doc: Document | None = None,
    avatar_type: str | None = None,
) -> None:
    """Map metadata onto the renderer's live overrides (the 3D preview while editing):
    ``scene.set_material_color(name, linear rgba)``, ``scene.set_morph_weight(mesh, morph, w)`` and
    ``scene.set_node_scale(node, xyz)``. ``doc`` resolves bone names (the scene's humanoid map is
    used when it is None). Items (hair, clothing) need a document edit: the preview draws a scene
    built from :meth:`AvatarEditor.items_document`; meshes past ``doc``'s are those items, and
    their body-morph targets follow the body here. ``avatar_type``: as :func:`parse_metadata`."""
    data = dump_metadata(metadata) if isinstance(metadata, BaseModel) else metadata
    meta = parse_metadata(data, avatar_type)
    source = doc if doc is not None else _scene_document(scene)
    plan = plan_edits(source, meta, parse_vrm(source), need_items=False)
    scene_names = {m.name for m in getattr(scene, "materials", [])}
    worn = {n: e for n, e in plan.item_materials.items() if n in scene_names}  # items being dressed: later
    for name, (srgb, _roughness) in (plan.material_edits_by_name(source) | worn).items():
        if srgb is not None:
            scene.set_material_color(
                name, [*(srgb_to_linear(c) for c in srgb[:3]), srgb[3] if len(srgb) > 3 else 1.0]
            )
    for (mesh, target), weight in plan.morphs.items():
        scene.set_morph_weight(mesh, target, weight)
    for node, factors in plan.bone_scales.items():
        scene.set_node_scale(node, factors)
    meshes = getattr(scene, "meshes", [])  # past the document's: equipped items' meshes
    for mesh in range(len(source.items("meshes")), len(meshes)):
        for name, weight in plan.item_morphs.items():
            if name in meshes[mesh].target_names:
                scene.set_morph_weight(mesh, name, weight)


def _scene_document(scene: Any) -> Document:
    """A minimal document view of a scene (names only) for name resolution."""
    nodes = [{"name": n.name} for n in scene.nodes]
    materials = [{"name": m.name} for m in scene.materials]
    meshes = [
        {
            "name": m.name,
            "extras": {"targetNames": list(m.target_names)},
            "primitives": [{"attributes": {}, "targets": [{} for _ in m.target_names]}],
        }
        for m in scene.meshes
    ]
    humanoid = {bone: {"node": node} for bone, node in scene.humanoid.items()}
    tree = {
        "asset": {"version": "2.0"},
        "nodes": nodes,
        "materials": materials,
        "meshes": meshes,
        "extensions": {"VRMC_vrm": {"specVersion": "1.0", "humanoid": {"humanBones": humanoid}}},
    }
    return Document(tree)


#: texels per side a texture's average is taken over (a 2048² texture is sampled, not summed)
MEAN_SAMPLES = 256
LinearRGB = tuple[float, float, float]


def texture_means(scene: Any) -> dict[str, LinearRGB]:
    """Each textured material's base colour texture averaged, by material name (the first
    material of a name wins, as tints go by name): linear RGB, weighted by the texels' alpha so
    the see-through parts of hair cards do not darken it. A tint multiplies this texture in the
    renderer (and in glTF), so ``tint x mean`` is the colour the user sees on average."""
    images = getattr(scene, "images", {}) or {}
    out: dict[str, LinearRGB] = {}
    for material in getattr(scene, "materials", []):
        pixels = images.get(material.texture) if material.texture is not None else None
        if material.name in out or pixels is None or pixels.size == 0:
            continue
        step = max(1, max(pixels.shape[:2]) // MEAN_SAMPLES)
        sample = pixels[::step, ::step].reshape(-1, pixels.shape[-1]).astype(np.float64) / 255.0
        rgb = _srgb_to_linear_array(sample[:, :3])
        alpha = sample[:, 3] if sample.shape[1] > 3 else np.ones(len(sample))
        weight = float(alpha.sum())
        mean = (rgb * alpha[:, None]).sum(axis=0) / weight if weight > 1e-6 else rgb.mean(axis=0)
        out[material.name] = (float(mean[0]), float(mean[1]), float(mean[2]))
    return out


def effective_color(color: str, mean: Sequence[float] | None) -> str:
    """``color`` (``#rrggbb``, a tint or the authored factor) as it shows on a texture whose
    average is ``mean`` (linear RGB, :func:`texture_means`): the two multiply in linear space.
    Without a texture (``mean`` None) the colour is what shows."""
    if mean is None:
        return color
    srgb = parse_hex_color(color)[:3]
    return format_hex_color([linear_to_srgb(srgb_to_linear(c) * m) for c, m in zip(srgb, mean, strict=True)])


def _srgb_to_linear_array(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
