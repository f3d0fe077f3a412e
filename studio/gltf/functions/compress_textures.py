"""compress_textures: re-encode images as WebP (through ``EXT_texture_webp``) or as JPEG where
they are opaque, optionally resizing in the same pass (one decode per image).

- ``webp``: every texture image becomes WebP; textures point at it through
  ``textures[i].extensions.EXT_texture_webp.source`` and the extension is listed as required
  (https://github.com/KhronosGroup/glTF/tree/main/extensions/2.0/Vendor/EXT_texture_webp).
- ``jpeg``: opaque images become JPEG (core glTF); images with any transparent pixel stay PNG.
Images used as the VRM thumbnail are never made WebP (VRM allows PNG/JPEG there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from studio.gltf.document import Document
from studio.gltf.functions._images import (
    Cancel,
    Encoded,
    Progress,
    decode,
    encode,
    fit,
    has_alpha,
    thumbnail_images,
    transcode_all,
)

WEBP_EXT = "EXT_texture_webp"


def compress_textures(
    doc: Document,
    fmt: Literal["webp", "jpeg"],
    *,
    quality: int = 85,
    max_size: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> int:
    """Re-encode images; returns how many were rewritten."""
    from PIL import Image

    thumbs = thumbnail_images(doc)

    def job_for(index: int) -> Callable[[bytes], Encoded | None]:
        def job(data: bytes) -> Encoded | None:
            img = decode(data)
            alpha = has_alpha(img)
            if img.mode not in ("RGB", "RGBA"):
                img = img.convert("RGBA" if alpha else "RGB")
            original, size = img.size, fit(img.size, max_size)
            if size != original:
                img = img.resize(size, Image.Resampling.LANCZOS)
            target: str = fmt
            if (fmt == "jpeg" and alpha) or (fmt == "webp" and index in thumbs):
                target = "png" if alpha else "jpeg"
            if target == "png" and size == original:
                return None  # nothing to gain: keep the original bytes
            encoded = encode(img, target, quality)
            if size == original and len(encoded) >= len(data):
                return None  # re-encoding would only grow it
            return Encoded(encoded, f"image/{target}", size)

        return job

    jobs = {i: job_for(i) for i in range(len(doc.items("images")))}
    done = transcode_all(doc, jobs, progress, cancel)
    if fmt == "webp":
        _point_textures_at_webp(doc)
    return len(done)


def _point_textures_at_webp(doc: Document) -> None:
    images = doc.items("images")
    used = False
    for texture in doc.items("textures"):
        source = texture.get("source")
        if isinstance(source, int) and images[source].get("mimeType") == "image/webp":
            texture.pop("source")
            texture.setdefault("extensions", {})[WEBP_EXT] = {"source": source}
            used = True
    if used:
        for key in ("extensionsUsed", "extensionsRequired"):
            names = doc.json.setdefault(key, [])
            if WEBP_EXT not in names:
                names.append(WEBP_EXT)
