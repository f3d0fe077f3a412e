"""Accessor data as numpy arrays (glTF 2.0 §3.6), strided, normalised and sparse.

Bounds are assumed checked by validation; a failure here still raises ``GltfError``, never an
IndexError or a numpy error, because hostile files reach this code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.document import Document
from studio.gltf.errors import GltfError

COMPONENT_DTYPES: dict[int, np.dtype[Any]] = {
    5120: np.dtype("<i1"),
    5121: np.dtype("<u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
TYPE_SIZES: dict[str, int] = {
    "SCALAR": 1,
    "VEC2": 2,
    "VEC3": 3,
    "VEC4": 4,
    "MAT2": 4,
    "MAT3": 9,
    "MAT4": 16,
}
# Matrix columns are padded to 4 bytes for 1- and 2-byte components (glTF 2.0 §3.6.2.4); not handled
# for MAT2/MAT3 of bytes/shorts, which no avatar uses: such accessors are refused.
_NORMALIZE_DIVISORS = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}


def element_size(accessor: dict[str, Any]) -> int:
    dtype = COMPONENT_DTYPES[int(accessor["componentType"])]
    return dtype.itemsize * TYPE_SIZES[str(accessor["type"])]


def read_accessor(doc: Document, index: int, *, normalize: bool = True, copy: bool = True) -> np.ndarray:
    """Return accessor ``index`` as an array of shape (count, n) (or (count,) for SCALAR).

    Normalised integer accessors are converted to float32 in [0, 1] / [-1, 1] when ``normalize``.
    With ``copy=False`` a tightly packed accessor comes back as a read-only view of the buffer
    (validation reads hundreds of MB this way without copying).
    """
    pointer = f"/accessors/{index}"
    try:
        acc = doc.items("accessors")[index]
        dtype = COMPONENT_DTYPES[int(acc["componentType"])]
        ncomp = TYPE_SIZES[str(acc["type"])]
        count = int(acc["count"])
        data = _dense(doc, acc, dtype, ncomp, count, copy)
        if "sparse" in acc:
            data = _apply_sparse(doc, acc["sparse"], data, dtype, ncomp)
    except GltfError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise GltfError("ACCESSOR_INVALID", pointer, f"accessor cannot be read: {exc}") from exc
    if normalize and acc.get("normalized") and int(acc["componentType"]) in _NORMALIZE_DIVISORS:
        divisor = _NORMALIZE_DIVISORS[int(acc["componentType"])]
        data = np.maximum(data.astype(np.float32) / divisor, -1.0)
    return data.reshape(count) if ncomp == 1 else data


def _dense(
    doc: Document, acc: dict[str, Any], dtype: np.dtype[Any], ncomp: int, count: int, copy: bool = True
) -> np.ndarray:
    if "bufferView" not in acc:
        return np.zeros((count, ncomp), dtype=dtype)
    view = doc.items("bufferViews")[int(acc["bufferView"])]
    raw = doc.buffer_view_bytes(int(acc["bufferView"]))
    offset = int(acc.get("byteOffset", 0))
    elem = dtype.itemsize * ncomp
    stride = int(view.get("byteStride", 0)) or elem
    needed = offset + stride * (count - 1) + elem if count else offset
    if needed > len(raw):
        raise GltfError("ACCESSOR_TOO_LONG", "/accessors", "accessor runs past the end of its bufferView")
    if stride == elem:
        arr = np.frombuffer(raw, dtype=dtype, count=count * ncomp, offset=offset).reshape(count, ncomp)
        return arr.copy() if copy else arr
    strided = np.lib.stride_tricks.as_strided(
        np.frombuffer(raw, dtype=np.uint8, count=needed - offset, offset=offset),
        shape=(count, elem),
        strides=(stride, 1),
    )
    return np.ascontiguousarray(strided).view(dtype).reshape(count, ncomp)


def _apply_sparse(
    doc: Document, sparse: dict[str, Any], data: np.ndarray, dtype: np.dtype[Any], ncomp: int
) -> np.ndarray:
    n = int(sparse["count"])
    idx_info, val_info = sparse["indices"], sparse["values"]
    idx_dtype = COMPONENT_DTYPES[int(idx_info["componentType"])]
    idx_raw = doc.buffer_view_bytes(int(idx_info["bufferView"]))
    indices = np.frombuffer(idx_raw, dtype=idx_dtype, count=n, offset=int(idx_info.get("byteOffset", 0)))
    val_raw = doc.buffer_view_bytes(int(val_info["bufferView"]))
    values = np.frombuffer(val_raw, dtype=dtype, count=n * ncomp, offset=int(val_info.get("byteOffset", 0)))
    if n and int(indices.max()) >= len(data):
        raise GltfError("ACCESSOR_SPARSE_INDEX_OOB", "/sparse/indices", "sparse index out of range")
    data = data.copy()
    data[indices.astype(np.int64)] = values.reshape(n, ncomp)
    return data
