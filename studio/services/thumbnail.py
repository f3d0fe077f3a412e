"""Portrait thumbnails as WebP files: ``<id>.webp`` of an export, and ``studio thumbnail``.

Rendered headless (EGL) by :mod:`studio.render.thumbnail`, framed on the humanoid head bone,
transparent background. WebP settings: quality 85 at ``method=6`` with ``alpha_quality=90``: on a
512² portrait method 6 took 607 ms with the default lossless alpha and 33 ms with alpha_quality 90,
for the same size (docs/rendering.md).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from studio.domain.errors import CancelledError, InvalidInputError
from studio.fsutil import write_atomic
from studio.gltf.document import Document
from studio.gltf.limits import Limits

WEBP_OPTIONS = {"quality": 85, "alpha_quality": 90, "method": 6}

ProgressCallback = Callable[[float | None, str], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class ThumbnailResult:
    path: Path
    size: int
    byte_count: int
    #: seconds per stage: read, scene, render, encode
    timings: dict[str, float] = field(default_factory=dict)


def encode_webp(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "WEBP", **WEBP_OPTIONS)
    return buf.getvalue()


def thumbnail_webp(doc: Document, size: int = 512) -> bytes:
    """WebP bytes of the portrait of an in-memory document (exporters call this)."""
    from studio.render.thumbnail import render_thumbnail

    return encode_webp(render_thumbnail(doc, size))


def check_webp_name(out_path: str | os.PathLike[str]) -> None:
    """The portrait is WebP: a ``.png``/``.jpg`` name would put WebP bytes under the wrong type."""
    if Path(out_path).suffix.lower() != ".webp":
        raise InvalidInputError(
            f"{Path(out_path).name!r}: thumbnails are WebP images; name the output *.webp"
        )


class _Stages:
    """Times each stage, checks for cancel between stages and reports progress."""

    def __init__(self, progress: ProgressCallback | None, cancelled: CancelCheck | None) -> None:
        self.report = progress or (lambda _f, _m: None)
        self.cancelled = cancelled
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()
        self.report(0.0, "reading the avatar")

    def done(self, name: str, fraction: float, message: str) -> None:
        now = time.perf_counter()
        self.timings[name], self._clock = now - self._clock, now
        if self.cancelled is not None and self.cancelled():
            raise CancelledError("thumbnail cancelled")
        self.report(fraction, message)


def make_thumbnail(
    src_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    size: int = 512,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    limits: Limits | None = None,
) -> ThumbnailResult:
    """Render the portrait of the avatar at ``src_path`` and write it atomically as WebP.

    Raises a :class:`~studio.domain.errors.StudioError` for unreadable input, for input the validator
    refuses (GltfError with the first error's code; warnings are fine) and for an output name that
    does not end in ``.webp``; nothing is written then."""
    from studio.gltf.io import open_checked
    from studio.render.camera import Camera
    from studio.render.scene import build_scene
    from studio.render.thumbnail import THUMBNAIL_TEXTURE_SIZE, check_size, render_scene

    check_size(size)
    check_webp_name(out_path)
    stages = _Stages(progress, cancelled)
    doc, _report = open_checked(Path(src_path), limits)
    stages.done("read", 0.3, "preparing the scene")
    scene = build_scene(doc, max_texture_size=THUMBNAIL_TEXTURE_SIZE)
    camera = Camera()
    camera.frame_head(scene)
    stages.done("scene", 0.6, "rendering")
    image = render_scene(scene, camera, (size, size))
    stages.done("render", 0.8, "encoding")
    data = encode_webp(image)
    stages.done("encode", 0.9, "writing")
    path = write_atomic(Path(out_path), data)
    stages.report(1.0, "done")
    return ThumbnailResult(path, size, len(data), stages.timings)
