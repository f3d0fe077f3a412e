"""Writing to the GLB BIN buffer (buffer 0) without touching the bytes already there.

New data is appended after the existing bytes (each piece aligned to 4 bytes, as glTF 2.0 §3.6.2.4
requires for accessors), so an edit never moves an untouched bufferView. :func:`compact_buffer` is
the only operation that moves bytes: it rebuilds the buffer from the bufferViews still in use,
copying each byte for byte.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.accessors import COMPONENT_DTYPES
from studio.gltf.document import Document

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
_COMPONENT_TYPES = {np.dtype(v).str: k for k, v in COMPONENT_DTYPES.items()}


def _ensure_buffer(doc: Document) -> None:
    buffers = doc.json.setdefault("buffers", [])
    if not buffers:
        buffers.append({"byteLength": len(doc.bin)})


class BinAppender:
    """Stage new bufferViews/accessors; :meth:`commit` writes them to ``doc.bin`` in one copy."""

    def __init__(self, doc: Document) -> None:
        _ensure_buffer(doc)
        self.doc = doc
        self._pieces: list[bytes] = []
        self._end = len(doc.bin)

    def add_blob(self, data: bytes) -> int:
        """Append raw bytes (4-byte aligned) with no bufferView; returns their byte offset."""
        pad = -self._end % 4
        if pad:
            self._pieces.append(b"\0" * pad)
            self._end += pad
        start = self._end
        self._pieces.append(bytes(data))
        self._end += len(data)
        return start

    def add_view(self, data: bytes, target: int | None = None) -> int:
        pad = -self._end % 4
        if pad:
            self._pieces.append(b"\0" * pad)
            self._end += pad
        view: dict[str, Any] = {"buffer": 0, "byteOffset": self._end, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        views = self.doc.json.setdefault("bufferViews", [])
        views.append(view)
        self._pieces.append(bytes(data))
        self._end += len(data)
        return len(views) - 1

    def add_accessor(
        self,
        array: np.ndarray,
        *,
        target: int | None = ARRAY_BUFFER,
        normalized: bool = False,
        min_max: bool = False,
    ) -> int:
        """Append ``array`` (shape (count,) or (count, n)) as a tightly packed accessor."""
        arr = np.ascontiguousarray(array)
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        ncomp = 1 if arr.ndim == 1 else int(arr.shape[1])
        acc: dict[str, Any] = {
            "bufferView": self.add_view(arr.tobytes(), target),
            "componentType": _COMPONENT_TYPES[arr.dtype.str],
            "count": int(arr.shape[0]),
            "type": _TYPES[ncomp],
        }
        if normalized:
            acc["normalized"] = True
        if min_max and arr.shape[0]:
            flat = arr.reshape(arr.shape[0], ncomp)
            acc["min"] = [_num(v) for v in flat.min(axis=0)]
            acc["max"] = [_num(v) for v in flat.max(axis=0)]
        accessors = self.doc.json.setdefault("accessors", [])
        accessors.append(acc)
        return len(accessors) - 1

    def commit(self) -> None:
        if self._pieces:
            self.doc.bin = bytes(self.doc.bin) + b"".join(self._pieces)
            self._pieces = []
        self.doc.json["buffers"][0]["byteLength"] = len(self.doc.bin)


def _num(value: Any) -> float | int:
    return float(value) if isinstance(value, np.floating) else int(value)


def compact_buffer(doc: Document) -> None:
    """Rebuild buffer 0 from its bufferViews in index order (4-byte aligned, each copied as is)."""
    views = doc.items("bufferViews")
    if not doc.items("buffers") or "uri" in doc.items("buffers")[0]:
        return
    source = memoryview(doc.bin)
    pieces: list[bytes | memoryview] = []
    end = 0
    for view in views:
        if int(view.get("buffer", 0)) != 0:
            continue
        pad = -end % 4
        if pad:
            pieces.append(b"\0" * pad)
            end += pad
        start = int(view.get("byteOffset", 0))
        pieces.append(source[start : start + int(view["byteLength"])])
        view["byteOffset"] = end
        end += int(view["byteLength"])
    doc.bin = b"".join(pieces)
    doc.json["buffers"][0]["byteLength"] = len(doc.bin)
    if not doc.bin and len(doc.json["buffers"]) == 1 and not views:
        del doc.json["buffers"]  # a zero-length buffer is invalid (glTF 2.0 buffer.byteLength >= 1)
