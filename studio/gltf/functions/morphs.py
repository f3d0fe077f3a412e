"""morphs: set default morph-target weights, or bake them into the base geometry.

Setting writes ``mesh.weights`` (glTF 2.0 §3.7.2.2, the weights a runtime starts from): a JSON-only
edit, lossless, still re-editable; the source VRM keeps edits this way. Baking adds
``sum(w_i * target_i)`` to POSITION and NORMAL (as new accessors appended to the BIN buffer; the old
ones are left for prune) and zeroes the baked weights, so a runtime that ignores default weights (or
an expression system that resets them) still shows the shape. Targets stay in place: expression
binds refer to them by index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions._buffer import BinAppender
from studio.gltf.functions._lookup import target_names


def find_morph(doc: Document, name: str) -> list[tuple[int, int]]:
    """(mesh, target) pairs of every morph target called ``name``."""
    found = []
    for mesh_index in range(len(doc.items("meshes"))):
        for target, target_name in enumerate(target_names(doc, mesh_index)):
            if target_name == name:
                found.append((mesh_index, target))
    return found


def morph_weights(doc: Document, mesh: int) -> list[float]:
    count = len(target_names(doc, mesh))
    weights = [float(w) for w in doc.items("meshes")[mesh].get("weights") or []]
    return (weights + [0.0] * count)[:count]


def set_morph_weights(doc: Document, mesh: int, weights: dict[int, float]) -> None:
    """Set the default weight of targets ``weights`` (target index -> weight) of ``mesh``."""
    current = morph_weights(doc, mesh)
    for target, weight in weights.items():
        current[target] = float(weight)
    doc.items("meshes")[mesh]["weights"] = current


def bake_morphs(
    doc: Document,
    meshes: Iterable[int] | None = None,
    *,
    select: Callable[[int, int], bool] | None = None,
) -> int:
    """Bake non-zero default weights into the base shape; returns the number of targets baked.

    ``select(mesh, target)`` limits which targets are baked (e.g. body shapes but not expressions).
    """
    appender = BinAppender(doc)
    cache: dict[tuple[object, ...], int] = {}
    baked = 0
    for mesh_index in list(meshes) if meshes is not None else range(len(doc.items("meshes"))):
        weights = morph_weights(doc, mesh_index)
        chosen = {
            t: w for t, w in enumerate(weights) if w != 0.0 and (select is None or select(mesh_index, t))
        }
        if not chosen:
            continue
        for prim in doc.items("meshes")[mesh_index].get("primitives") or []:
            _bake_primitive(doc, appender, prim, chosen, cache)
        for target in chosen:
            weights[target] = 0.0
        doc.items("meshes")[mesh_index]["weights"] = weights
        baked += len(chosen)
    appender.commit()
    return baked


def _bake_primitive(
    doc: Document,
    appender: BinAppender,
    prim: dict,
    chosen: dict[int, float],
    cache: dict[tuple[object, ...], int],
) -> None:
    targets = prim.get("targets") or []
    attrs = prim["attributes"]
    for attr in ("POSITION", "NORMAL"):
        if attr not in attrs:
            continue
        deltas = tuple(
            (targets[t][attr], w)
            for t, w in sorted(chosen.items())
            if t < len(targets) and attr in targets[t]
        )
        if not deltas:
            continue
        key = (attr, attrs[attr], deltas)
        if key not in cache:
            base = read_accessor(doc, int(attrs[attr])).astype(np.float64)
            for accessor, weight in deltas:
                base += weight * read_accessor(doc, int(accessor))
            if attr == "NORMAL":
                length = np.linalg.norm(base, axis=1, keepdims=True)
                base = np.where(length > 1e-12, base / np.maximum(length, 1e-12), base)
            cache[key] = appender.add_accessor(base.astype(np.float32), min_max=attr == "POSITION")
        attrs[attr] = cache[key]
