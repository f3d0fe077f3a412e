"""Skinning influences, vectorised: joint indices within the skin of every node that uses the mesh,
non-negative weights that sum to one, no joint listed twice for a vertex.

As in the Khronos validator, the joint limit of a mesh is the smallest ``skin.joints`` length over
the nodes that draw it with a skin; a mesh no skinned node uses is not limited. Findings point at
the primitive attribute (``/meshes/m/primitives/p/attributes/JOINTS_0``)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from studio.gltf.validate.context import Context, as_index
from studio.gltf.validate.reading import normalized_float, read_data

_FLOAT_TOLERANCE = 0.005
#: half a quantisation step per stored weight (the Khronos threshold step is 1/255)
_STEP = 0.0039216


def check_skinning(ctx: Context) -> None:
    with np.errstate(all="ignore"):
        limits = _joint_limits(ctx)
        for m, mesh in ctx.entries("meshes"):
            prims = mesh.get("primitives")
            for p, prim in enumerate(prims if isinstance(prims, list) else []):
                attrs = prim.get("attributes") if isinstance(prim, dict) else None
                if isinstance(attrs, dict) and "WEIGHTS_0" in attrs:
                    pointer = f"/meshes/{m}/primitives/{p}/attributes"
                    _check_influences(ctx, attrs, pointer, limits.get(m))


def _joint_limits(ctx: Context) -> dict[int, tuple[int, int]]:
    """mesh -> (joint count, skin) of the smallest skin any node draws it with."""
    skins = ctx.doc.items("skins")
    out: dict[int, tuple[int, int]] = {}
    for _, node in ctx.entries("nodes"):
        mesh, skin = as_index(node.get("mesh")), as_index(node.get("skin"))
        if mesh is None or skin is None or skin >= len(skins) or not isinstance(skins[skin], dict):
            continue
        joints = skins[skin].get("joints")
        if isinstance(joints, list) and joints and (mesh not in out or len(joints) < out[mesh][0]):
            out[mesh] = (len(joints), skin)
    return out


def _sets(ctx: Context, attrs: dict[str, Any]) -> list[tuple[int, int | None, int]] | None:
    """(set number, JOINTS accessor or None, WEIGHTS accessor) for every readable WEIGHTS_n, or None
    when counts differ (reported by the mesh checks)."""
    out: list[tuple[int, int | None, int]] = []
    counts: set[int] = set()
    n = 0
    while (weights := as_index(attrs.get(f"WEIGHTS_{n}"))) is not None:
        joints = as_index(attrs.get(f"JOINTS_{n}"))
        if weights not in ctx.accessors or (joints is not None and joints not in ctx.accessors):
            return None
        counts.add(ctx.accessors[weights].count)
        if joints is not None:
            counts.add(ctx.accessors[joints].count)
        out.append((n, joints, weights))
        n += 1
    return out if len(counts) == 1 else None


def _check_influences(
    ctx: Context, attrs: dict[str, Any], pointer: str, limit: tuple[int, int] | None
) -> None:
    sets = _sets(ctx, attrs)
    if not sets:
        return
    weights, joints = [], []
    for n, j_index, w_index in sets:
        w_raw = read_data(ctx, w_index)
        j_raw = read_data(ctx, j_index) if j_index is not None else None
        if w_raw is None or w_raw.ndim != 2 or (j_index is not None and j_raw is None):
            return
        weights.append(normalized_float(ctx, w_index, w_raw))
        if j_raw is not None:
            if limit is not None:
                _check_joint_range(ctx, j_raw, f"{pointer}/JOINTS_{n}", limit)
            joints.append(j_raw)
    w = np.concatenate(weights, axis=1) if len(weights) > 1 else weights[0]
    _check_weights(ctx, w, sets, pointer)
    if len(joints) == len(sets):
        _check_duplicates(ctx, joints, w, pointer)


def _check_joint_range(ctx: Context, joints: np.ndarray, pointer: str, limit: tuple[int, int]) -> None:
    count, skin = limit
    if joints.size == 0 or int(joints.max()) < count:
        return
    over = (joints >= count).ravel()
    first = int(np.argmax(over))
    ncomp = joints.shape[1] if joints.ndim == 2 else 1
    ctx.out.error(
        "ACCESSOR_JOINTS_INDEX_OOB",
        pointer,
        f"Joints accessor element at index {first // ncomp} (component index {first % ncomp}) has "
        f"value {int(joints.ravel()[first])} that is greater than the maximum joint index "
        f"({count - 1}) set by skin {skin}; {int(np.count_nonzero(over))} such value(s).",
    )


def _check_weights(
    ctx: Context, w: np.ndarray, sets: list[tuple[int, int | None, int]], pointer: str
) -> None:
    negative = w < 0
    if negative.any():
        first = int(np.argmax(negative.ravel()))
        n = first % w.shape[1] // 4
        ctx.out.error(
            "ACCESSOR_WEIGHTS_NEGATIVE",
            f"{pointer}/WEIGHTS_{n}",
            f"Weights accessor element at index {first // w.shape[1]} (component index "
            f"{first % 4}) has negative value {float(w.ravel()[first]):g}.",
        )
    positive = np.maximum(w, 0.0)
    sums = positive[:, 0].astype(np.float64)  # column adds: numpy's axis-1 sum over 4 is slow
    for c in range(1, w.shape[1]):
        sums += positive[:, c]
    integer = any(ctx.accessors[i].component_type != 5126 for _, _, i in sets)
    tolerance = _STEP * w.shape[1] / 2 + 1e-6 if integer else _FLOAT_TOLERANCE
    off = ~(np.abs(sums - 1.0) <= tolerance)  # NaN counts as off
    count = int(np.count_nonzero(off))
    if count:
        # a warning, not the Khronos error: exporters round weights and renderers normalise them
        ctx.out.warning(
            "ACCESSOR_WEIGHTS_NON_NORMALIZED",
            f"{pointer}/WEIGHTS_0",
            f"{count} weight set(s) do not sum to 1; first at index {int(np.argmax(off))}: "
            f"{float(sums[int(np.argmax(off))]):.4f}.",
        )


def _check_duplicates(ctx: Context, joints: list[np.ndarray], w: np.ndarray, pointer: str) -> None:
    j = np.concatenate([a.astype(np.int64) for a in joints], axis=1) if len(joints) > 1 else joints[0]
    if j.shape != w.shape:
        return  # formats are reported by the mesh checks
    used = w != 0
    dup = np.zeros(len(w), dtype=bool)
    for a, b in combinations(range(w.shape[1]), 2):
        dup |= used[:, a] & used[:, b] & (j[:, a] == j[:, b])
    if dup.any():
        # a warning, not the Khronos error: renderers add both influences, which is what was meant
        ctx.out.warning(
            "ACCESSOR_JOINTS_INDEX_DUPLICATE",
            f"{pointer}/JOINTS_0",
            f"{int(np.count_nonzero(dup))} vertex/vertices list the same joint twice with non-zero "
            f"weights; first at index {int(np.argmax(dup))}.",
        )
