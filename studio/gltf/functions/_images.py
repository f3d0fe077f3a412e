"""Shared image plumbing for resize_textures and compress_textures: decode, resize, encode, and
swap an image's bytes for new ones (appended to the BIN buffer; the old view is left for prune)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from studio.domain.errors import CancelledError
from studio.gltf.document import Document
from studio.gltf.errors import GltfError
from studio.gltf.functions._buffer import BinAppender
from studio.gltf.images import decode_image
from studio.threads import image_threads

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


@dataclass
class Encoded:
    data: bytes
    mime_type: str
    size: tuple[int, int]


def image_bytes(doc: Document, index: int) -> bytes | None:
    image = doc.items("images")[index]
    if "bufferView" not in image:
        return None  # external URIs are never read
    return bytes(doc.buffer_view_bytes(int(image["bufferView"])))


def thumbnail_images(doc: Document) -> set[int]:
    """Images the VRM meta uses as the avatar's thumbnail: VRM requires PNG/JPEG there."""
    found = set()
    vrm1 = doc.extension("VRMC_vrm") or {}
    if isinstance((vrm1.get("meta") or {}).get("thumbnailImage"), int):
        found.add(int(vrm1["meta"]["thumbnailImage"]))
    vrm0 = doc.extension("VRM") or {}
    tex = (vrm0.get("meta") or {}).get("texture")
    textures = doc.items("textures")
    if isinstance(tex, int) and 0 <= tex < len(textures) and isinstance(textures[tex].get("source"), int):
        found.add(int(textures[tex]["source"]))
    return found


def fit(size: tuple[int, int], max_size: int | None) -> tuple[int, int]:
    """Scale (w, h) down so the longer side is at most ``max_size``, keeping the aspect ratio."""
    w, h = size
    if not max_size or max(w, h) <= max_size:
        return size
    k = max_size / max(w, h)
    return (max(1, round(w * k)), max(1, round(h * k)))


def has_alpha(img: Any) -> bool:
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        alpha = img.convert("RGBA").getchannel("A")
        return bool(alpha.getextrema()[0] < 255)
    return False


def encode(img: Any, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "webp":
        img.save(out, "WEBP", quality=quality, method=4, alpha_quality=90)
    elif fmt == "jpeg":
        img.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    else:
        img.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def transcode_all(
    doc: Document,
    jobs: Mapping[int, Callable[[bytes], Encoded | None]],
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> dict[int, Encoded]:
    """Run ``jobs[image](bytes)`` on :func:`~studio.threads.image_threads` threads (two by default:
    Pillow releases the GIL while coding images) and swap each result into the document; returns
    what changed."""
    sources = {i: image_bytes(doc, i) for i in jobs}
    done: dict[int, Encoded] = {}
    with ThreadPoolExecutor(max_workers=image_threads()) as pool:
        futures = {i: pool.submit(jobs[i], data) for i, data in sources.items() if data is not None}
        for n, (index, future) in enumerate(futures.items(), start=1):
            if cancel is not None and cancel():
                for f in futures.values():
                    f.cancel()
                raise CancelledError("texture export cancelled")
            try:
                result = future.result()
            except GltfError as exc:  # say which image: decode_image does not know
                raise GltfError(exc.code, f"/images/{index}", exc.detail) from exc
            if result is not None:
                done[index] = result
            if progress is not None:
                progress(n, len(futures))
    appender = BinAppender(doc)
    for index, enc in done.items():
        image = doc.items("images")[index]
        image["bufferView"] = appender.add_view(enc.data)
        image["mimeType"] = enc.mime_type
    appender.commit()
    return done


def decode(data: bytes) -> Any:
    return decode_image(data)
