"""Reading accessor data for the data checks. Only accessors whose structure and bounds checked out
(``Context.accessors``) are read, so a hostile offset can never reach numpy; a tightly packed accessor
comes back as a read-only view of the buffer, not a copy."""

from __future__ import annotations

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.errors import GltfError
from studio.gltf.validate.context import Context, as_index

#: the primitive restart value of each index component type (glTF 2.0 §3.7.2.1: indices MUST NOT
#: contain it)
RESTART = {5121: 0xFF, 5123: 0xFFFF, 5125: 0xFFFFFFFF}
_DIVISORS = {5120: 127.0, 5121: 255.0, 5122: 32767.0, 5123: 65535.0}


def readable(ctx: Context, index: int) -> bool:
    """Whether accessor ``index`` checked out and its bytes are in the file (never fetched)."""
    if index not in ctx.accessors:
        return False
    acc = ctx.doc.items("accessors")[index]
    view = as_index(acc.get("bufferView"))
    if view is None:
        return True
    return ctx.doc.has_buffer_data(ctx.doc.items("bufferViews")[view]["buffer"])


def read_data(ctx: Context, index: int) -> np.ndarray | None:
    """Raw (not normalised) data of accessor ``index``, or None when it must not or cannot be read.
    A read failure becomes a report error and the accessor is not read again."""
    if not readable(ctx, index):
        return None
    try:
        return read_accessor(ctx.doc, index, normalize=False, copy=False)
    except GltfError as exc:
        ctx.out.error(exc.code, f"/accessors/{index}", exc.detail)
        ctx.accessors.pop(index, None)
        return None


def has_data(ctx: Context, index: int) -> bool:
    """False for an accessor with neither bufferView nor sparse: all zeros, nothing to check
    (the Khronos validator skips those too)."""
    acc = ctx.doc.items("accessors")[index]
    return "bufferView" in acc or "sparse" in acc


def normalized_float(ctx: Context, index: int, data: np.ndarray) -> np.ndarray:
    """``data`` as float32 in the accessor's normalised range (weights stored as bytes/shorts)."""
    shape = ctx.accessors[index]
    out = data.astype(np.float32)
    if shape.normalized and shape.component_type in _DIVISORS:
        out /= _DIVISORS[shape.component_type]
    return out
