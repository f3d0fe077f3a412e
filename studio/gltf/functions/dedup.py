"""dedup: merge accessors, images, samplers and textures that are byte-for-byte / field-for-field
the same, pointing every reference at the first copy; prune then drops the spares.

Materials are not merged: a VRM names and binds materials individually (expressions, MToon
properties), so two equal-looking materials are still two.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from studio.gltf.document import Document
from studio.gltf.functions._refs import iter_refs


def _accessor_key(doc: Document, acc: dict[str, Any]) -> tuple[Any, ...] | None:
    if "bufferView" not in acc or "sparse" in acc:
        return None
    from studio.gltf.accessors import element_size

    view = doc.items("bufferViews")[int(acc["bufferView"])]
    count = int(acc["count"])
    elem = element_size(acc)
    stride = int(view.get("byteStride", 0)) or elem
    if stride != elem:
        return None  # interleaved data: leave it alone
    start = int(acc.get("byteOffset", 0))
    data = doc.buffer_view_bytes(int(acc["bufferView"]))[start : start + count * elem]
    digest = hashlib.blake2b(data, digest_size=16).digest()
    head = {k: acc.get(k) for k in ("componentType", "type", "count", "normalized", "min", "max")}
    return (json.dumps(head, sort_keys=True), digest, view.get("target"))


def _image_key(doc: Document, image: dict[str, Any]) -> tuple[Any, ...] | None:
    if "bufferView" not in image:
        return None
    data = doc.buffer_view_bytes(int(image["bufferView"]))
    return (image.get("mimeType"), hashlib.blake2b(data, digest_size=16).digest())


def _plain_key(item: dict[str, Any]) -> tuple[Any, ...]:
    body = {k: v for k, v in item.items() if k != "name"}
    return (json.dumps(body, sort_keys=True),)


def dedup(doc: Document) -> dict[str, int]:
    """Point duplicates at their first copy; returns how many were merged per array. Run
    :func:`~studio.gltf.functions.prune.prune` afterwards to drop them."""
    merged: dict[str, int] = {}
    for kind, keyer in (
        ("accessors", lambda item: _accessor_key(doc, item)),
        ("images", lambda item: _image_key(doc, item)),
        ("samplers", _plain_key),
        ("textures", _plain_key),  # after images and samplers, so equal textures compare equal
    ):
        first: dict[tuple[Any, ...], int] = {}
        mapping: dict[int, int] = {}
        for index, item in enumerate(doc.items(kind)):
            key = keyer(item)
            if key is None:
                continue
            if key in first:
                mapping[index] = first[key]
            else:
                first[key] = index
        if mapping:
            for ref in iter_refs(doc.json):
                if ref.kind == kind and ref.index in mapping:
                    ref.container[ref.key] = mapping[ref.index]
            merged[kind] = len(mapping)
    return merged
