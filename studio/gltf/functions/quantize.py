"""quantize: smaller vertex data that every glTF loader still reads without a decoder.

``KHR_mesh_quantization`` (KhronosGroup/glTF extensions/2.0/Khronos/KHR_mesh_quantization, table
"Extending Mesh Attributes") lets attributes be stored as normalised integers; three.js reads them
natively, unlike meshopt or Draco, so a quantized VRM still loads in three-vrm.

- NORMAL -> int8 normalised, TANGENT -> int8 normalised (w stays ±1);
- TEXCOORD_n -> uint16 normalised when every coordinate is in [0, 1];
- morph target POSITION deltas -> int16 normalised when every delta is within ±1 m (error
  <= 1.5e-5 m), NORMAL/TANGENT deltas -> int8 normalised when within ±1;
- JOINTS_n -> uint8 when every joint index is < 256 (core glTF), WEIGHTS_n -> uint8 or uint16
  normalised (core glTF) with each vertex's integer weights summing exactly to 255 / 65535
  (largest-remainder rounding), so the validator's sum-to-one check holds;
- indices uint32 -> uint16 when there are fewer than 65535 vertices (core glTF);
- POSITION stays float: skinned meshes ignore their node's transform, so dequantising positions
  would mean rewriting inverse bind matrices (not done).

Unused attributes are dropped first: TEXCOORD_n no texture of the material samples, TANGENT
without a normal map, JOINTS/WEIGHTS of a mesh no skinned node draws. Vertex attribute rows are
padded to 4 bytes (glTF 2.0 §3.6.2.4) with ``byteStride``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._buffer import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, BinAppender

EXTENSION = "KHR_mesh_quantization"
_INT = {
    np.dtype(np.int8): 5120,
    np.dtype(np.uint8): 5121,
    np.dtype(np.int16): 5122,
    np.dtype(np.uint16): 5123,
}
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4"}


@dataclass
class QuantizeReport:
    #: attributes rewritten, by semantic (``NORMAL``, ``target POSITION``...)
    rewritten: dict[str, int] = field(default_factory=dict)
    #: attributes dropped as unused, by semantic
    dropped: dict[str, int] = field(default_factory=dict)
    #: largest error introduced, by semantic (in the attribute's own units)
    max_error: dict[str, float] = field(default_factory=dict)


def quantize(doc: Document, *, weight_bits: int = 8) -> QuantizeReport:
    """Quantize ``doc``'s vertex attributes in place (see the module docstring)."""
    report = QuantizeReport()
    drop_unused_attributes(doc, report)
    appender = BinAppender(doc)
    done: dict[tuple[int, str], int] = {}
    for prim in _primitives(doc):
        holders = [("", prim.get("attributes") or {})]
        holders += [("target ", t) for t in prim.get("targets") or [] if isinstance(t, dict)]
        for prefix, holder in holders:
            for semantic, index in list(holder.items()):
                kind = prefix + _family(semantic)
                if isinstance(index, int) and (index, kind) not in done:
                    done[(index, kind)] = _quantize_one(doc, appender, index, kind, weight_bits, report)
                if isinstance(index, int):
                    holder[semantic] = done[(index, kind)]
        if isinstance(prim.get("indices"), int):
            pair = (prim["indices"], "indices")
            if pair not in done:
                done[pair] = _short_indices(doc, appender, prim["indices"], report)
            prim["indices"] = done[pair]
    appender.commit()
    core = ("indices", "JOINTS", "WEIGHTS")  # integer forms core glTF 2.0 already allows
    if any(kind not in core for kind in report.rewritten):
        for key in ("extensionsUsed", "extensionsRequired"):
            names = doc.json.setdefault(key, [])
            if EXTENSION not in names:
                names.append(EXTENSION)
    return report


def _primitives(doc: Document) -> Iterator[dict[str, Any]]:
    for mesh in doc.items("meshes"):
        for prim in mesh.get("primitives") or []:
            if isinstance(prim, dict):
                yield prim


def _family(semantic: str) -> str:
    return semantic.split("_")[0] if semantic.startswith(("TEXCOORD_", "JOINTS_", "WEIGHTS_")) else semantic


def _quantize_one(
    doc: Document, appender: BinAppender, index: int, kind: str, weight_bits: int, report: QuantizeReport
) -> int:
    acc = doc.items("accessors")[index]
    if "sparse" not in acc and "bufferView" not in acc:
        return index  # all zeros: nothing to store
    # sparse input is read dense and quantized; the sparse step after quantizing re-sparsifies it
    ctype = int(acc.get("componentType", 0))
    if kind == "JOINTS":
        return _joints(doc, appender, index, report) if ctype in (5123, 5125) else index
    if ctype != 5126:
        return index
    data = read_accessor(doc, index).astype(np.float64)
    data = data.reshape(len(data), -1)
    planned = _plan(kind, data, weight_bits)
    if planned is None:
        return index
    out, error = planned
    report.rewritten[kind] = report.rewritten.get(kind, 0) + 1
    report.max_error[kind] = max(report.max_error.get(kind, 0.0), error)
    return add_padded(appender, out, normalized=True, min_max="min" in acc)


def _plan(kind: str, data: np.ndarray, weight_bits: int) -> tuple[np.ndarray, float] | None:
    peak = float(np.abs(data).max()) if data.size else 0.0
    if kind in ("NORMAL", "TANGENT", "target NORMAL", "target TANGENT") and peak <= 1.0:
        return _snorm(data, np.int8)
    if kind == "TEXCOORD" and data.size and data.min() >= 0.0 and data.max() <= 1.0:
        return _unorm(data, np.uint16)
    if kind == "target POSITION" and peak <= 1.0:
        return _snorm(data, np.int16)
    if kind == "WEIGHTS":
        return _weights(data, np.uint8 if weight_bits == 8 else np.uint16)
    return None


def _snorm(data: np.ndarray, dtype: Any) -> tuple[np.ndarray, float]:
    scale = float(np.iinfo(dtype).max)
    out = np.clip(np.round(data * scale), -scale, scale).astype(dtype)
    return out, float(np.abs(out / scale - data).max()) if data.size else 0.0


def _unorm(data: np.ndarray, dtype: Any) -> tuple[np.ndarray, float]:
    scale = float(np.iinfo(dtype).max)
    out = np.round(data * scale).astype(dtype)
    return out, float(np.abs(out / scale - data).max()) if data.size else 0.0


def _weights(data: np.ndarray, dtype: Any) -> tuple[np.ndarray, float]:
    """Largest-remainder rounding: each row's integers sum exactly to the type's maximum."""
    total = int(np.iinfo(dtype).max)
    sums = data.sum(axis=1, keepdims=True)
    norm = np.divide(data, sums, out=np.zeros_like(data), where=sums > 0)
    scaled = norm * total
    floor = np.floor(scaled)
    short = (total - floor.sum(axis=1)).astype(np.int64)
    short[sums[:, 0] <= 0] = 0
    order = np.argsort(-(scaled - floor), axis=1, kind="stable")
    bump = np.zeros_like(floor)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(data.shape[1])[None, :].repeat(len(data), 0), axis=1)
    bump[rank < short[:, None]] = 1.0
    out = (floor + bump).astype(dtype)
    return out, float(np.abs(out / total - norm).max()) if data.size else 0.0


def _joints(doc: Document, appender: BinAppender, index: int, report: QuantizeReport) -> int:
    data = read_accessor(doc, index)
    if data.size and int(data.max()) > 255:
        return index
    report.rewritten["JOINTS"] = report.rewritten.get("JOINTS", 0) + 1
    return add_padded(appender, data.astype(np.uint8), normalized=False, min_max=False)


def _short_indices(doc: Document, appender: BinAppender, index: int, report: QuantizeReport) -> int:
    """uint32 indices -> uint16 when every index is below 65535 (the primitive-restart value the
    validator refuses). Core glTF, no extension needed."""
    acc = doc.items("accessors")[index]
    if acc.get("componentType") != 5125 or "bufferView" not in acc or "sparse" in acc:
        return index
    data = read_accessor(doc, index)
    if data.size and int(data.max()) >= 0xFFFF:
        return index
    report.rewritten["indices"] = report.rewritten.get("indices", 0) + 1
    return appender.add_accessor(data.astype(np.uint16), target=ELEMENT_ARRAY_BUFFER)


def add_padded(appender: BinAppender, data: np.ndarray, *, normalized: bool, min_max: bool) -> int:
    """Append an integer vertex attribute, rows padded to a multiple of 4 bytes (``byteStride``)."""
    data = np.ascontiguousarray(data.reshape(len(data), -1))
    count, ncomp = data.shape
    row = data.dtype.itemsize * ncomp
    stride = -(-row // 4) * 4
    if stride != row:
        padded = np.zeros((count, stride // data.dtype.itemsize), dtype=data.dtype)
        padded[:, :ncomp] = data
        raw = padded.tobytes()
    else:
        raw = data.tobytes()
    view = appender.add_view(raw, ARRAY_BUFFER)
    if stride != row:
        appender.doc.json["bufferViews"][view]["byteStride"] = stride
    acc: dict[str, Any] = {"bufferView": view, "componentType": _INT[data.dtype], "count": count}
    acc["type"] = _TYPES[ncomp]
    if normalized:
        acc["normalized"] = True
    if min_max and count:
        acc["min"] = [int(v) for v in data.min(axis=0)]
        acc["max"] = [int(v) for v in data.max(axis=0)]
    accessors = appender.doc.json.setdefault("accessors", [])
    accessors.append(acc)
    return len(accessors) - 1


# -- unused attributes -----------------------------------------------------------------------------
def drop_unused_attributes(doc: Document, report: QuantizeReport | None = None) -> int:
    """Remove TEXCOORD_n no texture samples, TANGENT without a normal map and JOINTS/WEIGHTS of
    meshes only unskinned nodes draw; returns how many were removed (prune drops the data)."""
    skinned = {n.get("mesh") for n in doc.items("nodes") if "skin" in n and "mesh" in n}
    drawn = {n.get("mesh") for n in doc.items("nodes") if "mesh" in n}
    removed = 0
    for m, mesh in enumerate(doc.items("meshes")):
        for prim in mesh.get("primitives") or []:
            attributes = prim.get("attributes") or {}
            material = _material(doc, prim.get("material"))
            sets = _texcoord_sets(material)
            vrm0 = _vrm0_textures(doc, prim.get("material"))
            if vrm0:  # VRM 0.x MToon samples its textures with TEXCOORD_0 (materialProperties)
                sets.add(0)
            unused = [a for a in attributes if a.startswith("TEXCOORD_") and int(a[9:] or 0) not in sets]
            if "TANGENT" in attributes and "normalTexture" not in material and "_BumpMap" not in vrm0:
                unused.append("TANGENT")
            if m in drawn and m not in skinned:
                unused += [a for a in attributes if a.startswith(("JOINTS_", "WEIGHTS_"))]
            for name in unused:
                del attributes[name]
                for target in prim.get("targets") or []:
                    target.pop(name, None)
                if report is not None:
                    family = _family(name)
                    report.dropped[family] = report.dropped.get(family, 0) + 1
            removed += len(unused)
    return removed


def _material(doc: Document, index: Any) -> dict[str, Any]:
    materials = doc.items("materials")
    return materials[index] if isinstance(index, int) and 0 <= index < len(materials) else {}


def _vrm0_textures(doc: Document, index: Any) -> dict[str, Any]:
    props = (doc.extension("VRM") or {}).get("materialProperties")
    if not isinstance(index, int) or not isinstance(props, list) or not 0 <= index < len(props):
        return {}
    textures = props[index].get("textureProperties") if isinstance(props[index], dict) else None
    return textures if isinstance(textures, dict) else {}


def _texcoord_sets(value: Any) -> set[int]:
    """Every texCoord set a textureInfo anywhere in ``value`` samples (core, KHR_*, VRMC_*)."""
    found: set[int] = set()
    if isinstance(value, dict):
        if isinstance(value.get("index"), int):
            transform = (value.get("extensions") or {}).get("KHR_texture_transform") or {}
            chosen = transform.get("texCoord", value.get("texCoord", 0))
            found.add(chosen if isinstance(chosen, int) else 0)
        for item in value.values():
            found |= _texcoord_sets(item)
    elif isinstance(value, list):
        for item in value:
            found |= _texcoord_sets(item)
    return found
