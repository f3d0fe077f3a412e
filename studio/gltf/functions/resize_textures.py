"""resize_textures: shrink images whose longer side is over ``max_size`` (aspect kept, Lanczos),
re-encoded in their own format (PNG stays PNG, JPEG stays JPEG, WebP stays WebP)."""

from __future__ import annotations

from studio.gltf.document import Document
from studio.gltf.functions._images import Cancel, Encoded, Progress, decode, encode, fit, transcode_all

_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}


def resize_textures(
    doc: Document,
    max_size: int,
    *,
    quality: int = 90,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> dict[int, tuple[int, int]]:
    """Returns image index -> new (width, height) for every image that was resized."""
    from PIL import Image

    def job(data: bytes) -> Encoded | None:
        img = decode(data)
        size = fit(img.size, max_size)
        if size == img.size:
            return None
        fmt = _FORMATS.get(Image.MIME.get(img.format or "", ""), "png")
        resized = img.resize(size, Image.Resampling.LANCZOS)
        return Encoded(encode(resized, fmt, quality), f"image/{fmt}", size)

    jobs = {i: job for i in range(len(doc.items("images")))}
    return {i: enc.size for i, enc in transcode_all(doc, jobs, progress, cancel).items()}
