"""rotate_y180: turn the whole model half way round the +Y axis, keeping skinning exact.

VRM 0.x avatars face -Z, VRM 1.0 avatars face +Z
(vrm-specification/specification/VRMC_vrm-1.0/README.md, "Coordinate system"). Turning by
``R = diag(-1, 1, -1)`` is a proper rotation (no mirror, so winding, tangent handedness and
left/right stay as they are). Every transform is conjugated, ``M' = R M R⁻¹``, and every vector
stored in model or local space is rotated, ``v' = R v``:

- node TRS: ``t' = R t``, ``q' = (-x, y, -z, w)``, scale unchanged (R is diagonal); ``matrix`` too;
- inverse bind matrices: ``R IBM R⁻¹``; so ``world'(joint) · IBM' · v' = R (world · IBM · v)``;
- POSITION, NORMAL, TANGENT (xyz; w kept) and the same morph target deltas;
- animation translation and rotation outputs.

Rewritten accessors are appended (the old ones become unreferenced and are pruned by the
exporter); sparse accessors without a bufferView stay sparse. Float and signed-normalised data keep
their component type; anything else is written as float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.accessors import COMPONENT_DTYPES, TYPE_SIZES, read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._buffer import BinAppender

VEC3 = (-1.0, 1.0, -1.0)
VEC4 = (-1.0, 1.0, -1.0, 1.0)  # tangent (w = handedness) and quaternion (x, y, z, w)
_D = np.array([-1.0, 1.0, -1.0, 1.0])
#: MAT4 column-major element k = (column k // 4, row k % 4): sign d[row] * d[column]
MAT4 = tuple(float(_D[k % 4] * _D[k // 4]) for k in range(16))
_SIGNED = {5120: 127, 5122: 32767}


def rotate_vector(v: Any) -> list[float]:
    """A 3-vector in model or node-local space, turned with the model."""
    return [-float(v[0]), float(v[1]), -float(v[2])]


def rotate_y180(doc: Document) -> int:
    """Turn ``doc`` in place; returns how many accessors were rewritten."""
    for node in doc.items("nodes"):
        _rotate_node(node)
    had_buffer = bool(doc.items("buffers"))
    appender = BinAppender(doc)
    done: dict[tuple[int, tuple[float, ...]], int] = {}

    def rotated(index: Any, signs: tuple[float, ...]) -> Any:
        if not isinstance(index, int) or not 0 <= index < len(doc.items("accessors")):
            return index
        key = (index, signs)
        if key not in done:
            done[key] = _flip_accessor(doc, appender, index, signs)
        return done[key]

    _rotate_meshes(doc, rotated)
    for skin in doc.items("skins"):
        if "inverseBindMatrices" in skin:
            skin["inverseBindMatrices"] = rotated(skin["inverseBindMatrices"], MAT4)
    for anim in doc.items("animations"):
        samplers = anim.get("samplers") or []
        for channel in anim.get("channels") or []:
            path = (channel.get("target") or {}).get("path")
            sampler = channel.get("sampler")
            signs = {"translation": VEC3, "rotation": VEC4}.get(str(path))
            if signs is not None and isinstance(sampler, int) and 0 <= sampler < len(samplers):
                samplers[sampler]["output"] = rotated(samplers[sampler].get("output"), signs)
    appender.commit()
    if not had_buffer and not doc.bin:
        del doc.json["buffers"]  # nothing to turn: do not leave a zero-length buffer behind
    return len(done)


def _rotate_node(node: dict[str, Any]) -> None:
    if isinstance(node.get("matrix"), list) and len(node["matrix"]) == 16:
        node["matrix"] = [float(v) * s for v, s in zip(node["matrix"], MAT4, strict=True)]
    if isinstance(node.get("translation"), list) and len(node["translation"]) == 3:
        node["translation"] = rotate_vector(node["translation"])
    if isinstance(node.get("rotation"), list) and len(node["rotation"]) == 4:
        node["rotation"] = [float(v) * s for v, s in zip(node["rotation"], VEC4, strict=True)]


def _rotate_meshes(doc: Document, rotated: Any) -> None:
    signs_for = {"POSITION": VEC3, "NORMAL": VEC3, "TANGENT": VEC4}
    for mesh in doc.items("meshes"):
        for prim in mesh.get("primitives") or []:
            for holder in [prim.get("attributes") or {}, *(prim.get("targets") or [])]:
                for attr, signs in signs_for.items():
                    if attr in holder:
                        holder[attr] = rotated(holder[attr], signs)


def _flip_accessor(doc: Document, appender: BinAppender, index: int, signs: tuple[float, ...]) -> int:
    acc = doc.items("accessors")[index]
    ncomp = TYPE_SIZES.get(str(acc.get("type")), 0)
    factor = np.array(signs[:ncomp] if ncomp == 3 and len(signs) == 4 else signs, dtype=np.float64)
    if len(factor) != ncomp:
        return index  # not the shape this role has: leave it (validation reports the file)
    if "bufferView" not in acc and "sparse" not in acc:
        return index  # all zeros: turning changes nothing
    ctype = int(acc.get("componentType", 0))
    if "sparse" in acc and "bufferView" not in acc and (ctype == 5126 or ctype in _SIGNED):
        return _flip_sparse(doc, appender, acc, factor)
    keep_type = ctype == 5126 or (ctype in _SIGNED and bool(acc.get("normalized")))
    data = read_accessor(doc, index, normalize=not keep_type).reshape(int(acc["count"]), ncomp)
    out = _multiply(data, factor, ctype if keep_type else 5126)
    new = appender.add_accessor(
        out, target=_target(doc, acc), normalized=keep_type and bool(acc.get("normalized"))
    )
    _copy_fields(doc, acc, new, out)
    return new


def _multiply(data: np.ndarray, factor: np.ndarray, ctype: int) -> np.ndarray:
    if ctype in _SIGNED:
        limit = _SIGNED[ctype]
        return np.clip(data.astype(np.int32) * factor.astype(np.int32), -limit, limit).astype(
            COMPONENT_DTYPES[ctype]
        )
    return (data.astype(np.float32) * factor.astype(np.float32)).astype(np.float32)


def _flip_sparse(doc: Document, appender: BinAppender, acc: dict[str, Any], factor: np.ndarray) -> int:
    sparse = acc["sparse"]
    ctype = int(acc["componentType"])
    dtype = COMPONENT_DTYPES[ctype]
    count, ncomp = int(sparse["count"]), len(factor)
    raw = doc.buffer_view_bytes(int(sparse["values"]["bufferView"]))
    offset = int(sparse["values"].get("byteOffset", 0))
    values = np.frombuffer(raw, dtype=dtype, count=count * ncomp, offset=offset).reshape(count, ncomp)
    out = _multiply(values, factor, ctype)
    new = {k: v for k, v in acc.items() if k not in ("sparse", "min", "max")}
    new["sparse"] = {
        "count": count,
        "indices": dict(sparse["indices"]),
        "values": {"bufferView": appender.add_view(out.tobytes())},
    }
    accessors = doc.json["accessors"]
    accessors.append(new)
    zero = np.zeros((1, ncomp), dtype=out.dtype) if count < int(acc["count"]) else out[:0]
    _copy_fields(doc, acc, len(accessors) - 1, np.concatenate([out, zero]))
    return len(accessors) - 1


def _target(doc: Document, acc: dict[str, Any]) -> int | None:
    if "bufferView" not in acc:
        return None
    return doc.items("bufferViews")[int(acc["bufferView"])].get("target")


def _copy_fields(doc: Document, old: dict[str, Any], index: int, data: np.ndarray) -> None:
    """name/extras carry over; min/max, where the input had them, are those of the turned data."""
    new = doc.json["accessors"][index]
    for key in ("name", "extras"):
        if key in old:
            new[key] = old[key]
    if "min" in old and "max" in old and len(data):
        new["min"] = [_num(v) for v in data.min(axis=0)]
        new["max"] = [_num(v) for v in data.max(axis=0)]


def _num(value: Any) -> float | int:
    return float(value) if isinstance(value, np.floating) else int(value)
