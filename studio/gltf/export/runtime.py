"""Runtime GLB export: what a game world loads (seed 004 ``avatars/{id}.glb``).

Edits are baked (default morph weights of non-expression targets go into the base mesh; bone scales
already live in the node transforms), spares are pruned and duplicates merged, textures are resized
and re-encoded per preset, morph targets are made sparse where smaller, and the buffer is compacted.
Skinning, expression morph targets, node names (humanoid bones keep their names) and, unless
``strip_vrm``, the VRM extensions are kept, so VRM-aware runtimes still see a VRM.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from studio.domain.errors import CancelledError, InvalidInputError
from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.export.source import copy_document
from studio.gltf.functions._buffer import BinAppender
from studio.gltf.functions.compress_textures import compress_textures
from studio.gltf.functions.dedup import dedup
from studio.gltf.functions.equip import remove_detached
from studio.gltf.functions.morphs import bake_morphs
from studio.gltf.functions.prune import prune
from studio.gltf.functions.quantize import quantize
from studio.gltf.functions.sparse import sparse
from studio.gltf.glb import pack_glb

Progress = Callable[[str, float], None]
Cancel = Callable[[], bool]
VRM_EXTENSIONS = (
    "VRM",
    "VRMC_vrm",
    "VRMC_springBone",
    "VRMC_node_constraint",
    "VRMC_materials_mtoon",
    "VRMC_materials_hdr_emissiveMultiplier",
    "VRMC_vrm_animation",
)


@dataclass(frozen=True)
class RuntimePreset:
    name: str
    #: longest texture side, in pixels
    max_texture: int
    #: "webp": all textures WebP (EXT_texture_webp); "jpeg": opaque ones JPEG, the rest PNG
    texture_format: Literal["webp", "jpeg"]
    quality: int = 85
    #: KHR_mesh_quantization of normals, tangents, UVs, morph deltas, joints and weights
    quantize: bool = False
    #: bits per skin weight when quantizing (8 or 16)
    weight_bits: int = 16


PRESETS: dict[str, RuntimePreset] = {
    "web": RuntimePreset("web", 1024, "webp", 85, quantize=True, weight_bits=8),
    "desktop": RuntimePreset("desktop", 2048, "jpeg", 90, quantize=False, weight_bits=16),
}


@dataclass
class RuntimeReport:
    preset: str
    baked_morphs: int = 0
    merged: dict[str, int] = field(default_factory=dict)
    pruned: dict[str, int] = field(default_factory=dict)
    textures: int = 0
    sparse_targets: int = 0
    repaired_normals: int = 0
    #: accessors rewritten by quantization, by attribute (empty when not quantized)
    quantized: dict[str, int] = field(default_factory=dict)
    #: unused vertex attributes removed, by attribute
    dropped_attributes: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


def preset_named(name: str) -> RuntimePreset:
    if name not in PRESETS:
        raise InvalidInputError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]


def expression_targets(doc: Document) -> set[tuple[int, int]]:
    """(mesh, target) pairs that a VRM expression drives (0.x blend shape binds, 1.0 morph binds).
    Entries of the wrong type are skipped: validation refuses them, but the editor's morph list
    calls this on whatever it was given."""
    found: set[tuple[int, int]] = set()
    vrm0 = doc.extension("VRM") or {}
    for group in _objects(_get(_get(vrm0, "blendShapeMaster"), "blendShapeGroups")):
        for bind in _objects(group.get("binds")):
            if _is_index(bind.get("mesh")) and _is_index(bind.get("index")):
                found.add((bind["mesh"], bind["index"]))
    expressions = _get(doc.extension("VRMC_vrm") or {}, "expressions")
    nodes = doc.items("nodes")
    for kind in ("preset", "custom"):
        table = _get(expressions, kind)
        for expr in table.values() if isinstance(table, dict) else ():
            for bind in _objects(_get(expr, "morphTargetBinds")):
                node: Any = bind.get("node")
                index: Any = bind.get("index")
                if _is_index(node) and node < len(nodes) and _is_index(nodes[node].get("mesh")):
                    found.add((int(nodes[node]["mesh"]), int(index) if _is_index(index) else -1))
    return found


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _objects(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def strip_vrm(doc: Document) -> None:
    """Remove every VRM extension (root, nodes, materials) for plain-glTF consumers."""
    holders: list[dict[str, Any]] = [doc.json, *doc.items("nodes"), *doc.items("materials")]
    for holder in holders:
        ext = holder.get("extensions")
        if isinstance(ext, dict):
            for name in VRM_EXTENSIONS:
                ext.pop(name, None)
            if not ext:
                del holder["extensions"]
    for key in ("extensionsUsed", "extensionsRequired"):
        if key in doc.json:
            doc.json[key] = [n for n in doc.json[key] if n not in VRM_EXTENSIONS]
            if not doc.json[key]:
                del doc.json[key]


def repair_normals(doc: Document) -> int:
    """Re-normalise NORMAL attributes that are not unit length (glTF 2.0 §3.7.2.1 requires unit
    normals; real files ship without them, e.g. sphere.vrm). Returns accessors rewritten."""
    appender = BinAppender(doc)
    fixed: dict[int, int] = {}
    for mesh in doc.items("meshes"):
        for prim in mesh.get("primitives") or []:
            index = prim.get("attributes", {}).get("NORMAL")
            if not isinstance(index, int) or doc.items("accessors")[index].get("componentType") != 5126:
                continue
            if index not in fixed:
                normals = read_accessor(doc, index).astype(np.float64)
                length = np.linalg.norm(normals, axis=1)
                bad = np.abs(length - 1.0) > 5e-4
                fixed[index] = index
                if bad.any():
                    ok = length > 1e-12
                    normals[ok] /= length[ok, None]
                    normals[~ok] = (0.0, 1.0, 0.0)
                    fixed[index] = appender.add_accessor(normals.astype(np.float32))
            prim["attributes"]["NORMAL"] = fixed[index]
    appender.commit()
    return sum(1 for old, new in fixed.items() if old != new)


def export_runtime(
    doc: Document,
    preset: str | RuntimePreset = "web",
    *,
    strip: bool = False,
    quantize_mesh: bool | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> tuple[bytes, RuntimeReport]:
    """GLB bytes of the runtime avatar, and what was done to get them. ``doc`` is not changed.
    ``quantize_mesh`` overrides the preset's ``quantize`` (None: as the preset says)."""
    chosen = preset if isinstance(preset, RuntimePreset) else preset_named(preset)
    if quantize_mesh is not None:
        chosen = dataclasses.replace(chosen, quantize=quantize_mesh)
    report = RuntimeReport(chosen.name)
    out = copy_document(doc)

    def step(label: str, fraction: float) -> None:
        if cancel is not None and cancel():
            raise CancelledError("export cancelled")
        if progress is not None:
            progress(label, fraction)

    step("baking edits", 0.0)
    remove_detached(out)  # what an equip swapped out (studio/gltf/functions/equip.py)
    keep = expression_targets(out)
    report.baked_morphs = bake_morphs(out, select=lambda mesh, target: (mesh, target) not in keep)
    report.repaired_normals = repair_normals(out)
    if strip:
        strip_vrm(out)
    if chosen.quantize:
        step("quantizing", 0.1)
        done = quantize(out, weight_bits=chosen.weight_bits)
        report.quantized, report.dropped_attributes = done.rewritten, done.dropped
    step("merging duplicates", 0.15)
    report.merged = dedup(out)
    report.pruned = prune(out, compact=False).removed
    step("textures", 0.25)
    report.textures = _textures(out, chosen, cancel)
    step("sparse morph targets", 0.85)
    report.sparse_targets = sparse(out)
    prune(out)
    data = pack_glb(out.json, out.bin)
    report.bytes = len(data)
    step("done", 1.0)
    return data, report


def _textures(doc: Document, preset: RuntimePreset, cancel: Cancel | None) -> int:
    if not doc.items("images"):
        return 0
    return compress_textures(
        doc, preset.texture_format, quality=preset.quality, max_size=preset.max_texture, cancel=cancel
    )
