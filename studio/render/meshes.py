"""Read glTF meshes into :class:`~studio.render.model.Mesh` records (numpy only).

Only the attributes the preview draws are read: POSITION, NORMAL, TEXCOORD_0, COLOR_0, JOINTS_0,
WEIGHTS_0 and the POSITION/NORMAL deltas of morph targets. Triangle strips and fans are converted
to lists; points and lines are skipped (avatars do not use them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.errors import GltfError
from studio.render.model import Mesh, Primitive

MODE_TRIANGLES, MODE_STRIP, MODE_FAN = 4, 5, 6


def read_meshes(doc: Document) -> list[Mesh]:
    meshes = []
    for mi, mesh in enumerate(doc.items("meshes")):
        prims = [
            prim
            for pi, p in enumerate(mesh.get("primitives", []))
            if (prim := read_primitive(doc, p, f"/meshes/{mi}/primitives/{pi}")) is not None
        ]
        names = _target_names(mesh)
        n_targets = max((len(p.get("targets", [])) for p in mesh.get("primitives", [])), default=0)
        names += [f"morph_{i}" for i in range(len(names), n_targets)]
        weights = np.zeros(n_targets, dtype=np.float32)
        given = mesh.get("weights", [])
        weights[: min(len(given), n_targets)] = given[:n_targets]
        meshes.append(Mesh(str(mesh.get("name") or f"mesh_{mi}"), prims, names[:n_targets], weights))
    return meshes


def _target_names(mesh: dict[str, Any]) -> list[str]:
    names = mesh.get("extras", {}).get("targetNames") if isinstance(mesh.get("extras"), dict) else None
    if not names:  # some exporters put them on the first primitive
        prims = mesh.get("primitives") or [{}]
        extras = prims[0].get("extras")
        names = extras.get("targetNames") if isinstance(extras, dict) else None
    return [str(n) for n in names] if isinstance(names, list) else []


def read_primitive(doc: Document, p: dict[str, Any], pointer: str) -> Primitive | None:
    mode = int(p.get("mode", MODE_TRIANGLES))
    attrs = p.get("attributes", {})
    if mode not in (MODE_TRIANGLES, MODE_STRIP, MODE_FAN) or "POSITION" not in attrs:
        return None
    positions = _floats(doc, attrs["POSITION"], 3)
    n = len(positions)
    if "indices" in p:
        raw = read_accessor(doc, int(p["indices"]), normalize=False).astype(np.uint32).reshape(-1)
    else:
        raw = np.arange(n, dtype=np.uint32)
    indices = _triangulate(raw, mode)
    if len(indices) and int(indices.max()) >= n:
        raise GltfError("ACCESSOR_INDEX_OOB", f"{pointer}/indices", "a vertex index is out of range")
    normals = _optional(doc, attrs, "NORMAL", 3, n, pointer)
    prim = Primitive(
        positions=positions,
        normals=normals if normals is not None else vertex_normals(positions, indices),
        indices=indices,
        material=int(p.get("material", -1)),
        uvs=_optional(doc, attrs, "TEXCOORD_0", 2, n, pointer),
        colors=_colors(doc, attrs, n, pointer),
        joints=_joints(doc, attrs, n, pointer),
        weights=_weights(doc, attrs, n, pointer),
    )
    for target in p.get("targets", []):
        prim.morph_positions.append(_delta(doc, target.get("POSITION"), n))
        prim.morph_normals.append(_delta(doc, target.get("NORMAL"), n))
    return prim


def _floats(doc: Document, index: Any, width: int) -> np.ndarray:
    arr = read_accessor(doc, int(index))
    arr = arr.reshape(len(arr), -1)
    if arr.shape[1] < width:
        raise GltfError("ACCESSOR_TYPE", f"/accessors/{index}", f"expected {width} components")
    return np.ascontiguousarray(arr[:, :width], dtype=np.float32)


def _optional(doc: Document, attrs: dict[str, Any], key: str, width: int, n: int, pointer: str) -> Any:
    if key not in attrs:
        return None
    arr = _floats(doc, attrs[key], width)
    if len(arr) != n:
        raise GltfError("MESH_ATTRIBUTE_COUNT", f"{pointer}/attributes/{key}", f"{key} count differs")
    return arr


def _colors(doc: Document, attrs: dict[str, Any], n: int, pointer: str) -> np.ndarray | None:
    if "COLOR_0" not in attrs:
        return None
    arr = read_accessor(doc, int(attrs["COLOR_0"])).astype(np.float32).reshape(n, -1)
    if arr.shape[1] == 3:
        arr = np.hstack([arr, np.ones((n, 1), dtype=np.float32)])
    return np.ascontiguousarray(arr[:, :4])


def _joints(doc: Document, attrs: dict[str, Any], n: int, pointer: str) -> np.ndarray | None:
    if "JOINTS_0" not in attrs or "WEIGHTS_0" not in attrs:
        return None
    arr = read_accessor(doc, int(attrs["JOINTS_0"]), normalize=False).reshape(-1, 4)
    if len(arr) != n:
        raise GltfError("MESH_ATTRIBUTE_COUNT", f"{pointer}/attributes/JOINTS_0", "JOINTS_0 count differs")
    return np.ascontiguousarray(arr, dtype=np.int32)


def _weights(doc: Document, attrs: dict[str, Any], n: int, pointer: str) -> np.ndarray | None:
    if "JOINTS_0" not in attrs or "WEIGHTS_0" not in attrs:
        return None
    w = _optional(doc, attrs, "WEIGHTS_0", 4, n, pointer)
    total = w.sum(axis=1, keepdims=True)
    # Weights should sum to 1 (glTF 2.0 §3.7.3.3); many exporters are slightly off. Unweighted
    # vertices keep all-zero weights and are drawn at their bind position by the shader.
    np.divide(w, total, out=w, where=total > 1e-8)
    return w


def _delta(doc: Document, index: Any, n: int) -> np.ndarray | None:
    if index is None:
        return None
    acc = doc.items("accessors")[int(index)]
    if "bufferView" not in acc and "sparse" not in acc:
        return None  # an all-zero target: nothing to upload
    arr = _floats(doc, index, 3)
    if len(arr) != n:
        raise GltfError("MESH_ATTRIBUTE_COUNT", f"/accessors/{index}", "morph target count differs")
    return arr if arr.any() else None


def _triangulate(raw: np.ndarray, mode: int) -> np.ndarray:
    if mode == MODE_TRIANGLES:
        return np.ascontiguousarray(raw[: len(raw) - len(raw) % 3])
    if len(raw) < 3:
        return np.zeros(0, dtype=np.uint32)
    k = np.arange(len(raw) - 2)
    if mode == MODE_FAN:
        tris = np.stack([raw[k + 1], raw[k + 2], np.full_like(k, raw[0], dtype=np.uint32)], axis=1)
    else:  # strip: every other triangle is flipped to keep the winding (glTF 2.0 §3.7.2.1)
        odd = (k % 2).astype(bool)
        a, b = np.where(odd, raw[k + 1], raw[k]), np.where(odd, raw[k], raw[k + 1])
        tris = np.stack([a, b, raw[k + 2]], axis=1)
    return np.ascontiguousarray(tris.reshape(-1), dtype=np.uint32)


def vertex_normals(positions: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Area-weighted smooth normals, for primitives that come without NORMAL."""
    tris = indices.reshape(-1, 3).astype(np.int64)
    p = positions.astype(np.float64)
    face = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    out = np.zeros_like(p)
    for corner in range(3):
        for axis in range(3):
            out[:, axis] += np.bincount(tris[:, corner], face[:, axis], minlength=len(p))
    length = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, length, out=out, where=length > 1e-12)
    return out.astype(np.float32)
