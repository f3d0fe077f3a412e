"""sparse: store morph-target accessors as sparse accessors where that is smaller.

A face expression moves a few hundred of a body's tens of thousands of vertices; a dense target
stores zeros for all the rest. glTF 2.0 §3.6.2.3 sparse accessors with no bufferView are zeros plus
the listed (index, value) pairs. Targets are rewritten only when sparse is smaller than dense.
"""

from __future__ import annotations

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._buffer import BinAppender

#: a delta whose every component is at most this is treated as zero
EPSILON = 1e-7


def sparse(doc: Document, *, ratio: float = 1.0 / 3.0) -> int:
    """Rewrite dense morph targets (float or quantized; values keep their stored type) whose
    non-zero rows are fewer than ``ratio`` of all rows and whose sparse form is smaller; returns
    how many accessors were rewritten."""
    accessors = doc.items("accessors")
    appender = BinAppender(doc)
    done: dict[int, int] = {}
    for mesh in doc.items("meshes"):
        for prim in mesh.get("primitives") or []:
            for target in prim.get("targets") or []:
                for attr, index in list(target.items()):
                    index = int(index)
                    acc = accessors[index]
                    if index not in done and "sparse" not in acc and "bufferView" in acc:
                        new = _make_sparse(doc, appender, index, ratio)
                        done[index] = index if new is None else new
                    target[attr] = done.get(index, index)
    appender.commit()
    return sum(1 for old, new in done.items() if old != new)


def _make_sparse(doc: Document, appender: BinAppender, index: int, ratio: float) -> int | None:
    acc = doc.items("accessors")[index]
    values = read_accessor(doc, index, normalize=False)  # stored values, in the stored type
    values = values.reshape(len(values), -1)
    zero = EPSILON if values.dtype.kind == "f" else 0
    rows = np.nonzero(np.abs(values).max(axis=1) > zero)[0] if len(values) else np.zeros(0, np.int64)
    count = int(acc["count"])
    idx_dtype = np.uint16 if count <= 0xFFFF else np.uint32
    idx_type = 5123 if idx_dtype is np.uint16 else 5125
    view = doc.items("bufferViews")[int(acc["bufferView"])]
    dense = count * (int(view.get("byteStride", 0)) or values.dtype.itemsize * values.shape[1])
    cost = len(rows) * (np.dtype(idx_dtype).itemsize + values.dtype.itemsize * values.shape[1])
    if len(rows) >= len(values) * ratio or cost >= dense:
        return None
    new: dict = {k: acc[k] for k in ("componentType", "type", "count") if k in acc}
    for key in ("min", "max", "name", "normalized"):
        if key in acc:
            new[key] = acc[key]
    if len(rows):
        new["sparse"] = {
            "count": len(rows),
            "indices": {
                "bufferView": appender.add_view(rows.astype(idx_dtype).tobytes()),
                "componentType": idx_type,
            },
            "values": {"bufferView": appender.add_view(np.ascontiguousarray(values[rows]).tobytes())},
        }
    accessors = doc.json["accessors"]
    accessors.append(new)
    return len(accessors) - 1
