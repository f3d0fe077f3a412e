"""Download, check and store every image of a finished job, all at once.

Each image runs in its own worker: download and validate (overlapped: the image is decoded as
it arrives, see ``images.fetch_valid_image``) -> ``sink.put``. The workers run side by side, so
the four downloads, decodes (Pillow releases the GIL while decoding) and blob writes overlap
across images too. Images flagged in
``has_nsfw_concepts`` are dropped without being downloaded. Blob keys are deterministic
(``generations/{username}/{log_id}-{n}.{ext}``), so keeping the same job twice (a duplicate
completion, a resume after a crash between storing and logging) rewrites the same blobs.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from studio.domain.errors import StudioError
from studio.generation.images import DEFAULT_MAX_BYTES, ImageRejected, fetch_valid_image
from studio.generation.ports import GenerationOutput, ImageSink

KeyFor = Callable[[int, str], str]  # (image index, extension) -> blob key


@dataclass(frozen=True)
class KeptImage:
    index: int
    key: str
    ref: str


@dataclass(frozen=True)
class DroppedImage:
    index: int
    reason: str


@dataclass(frozen=True)
class KeepResult:
    kept: tuple[KeptImage, ...]
    dropped: tuple[DroppedImage, ...]
    timings: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def refs(self) -> list[str]:
        return [image.ref for image in self.kept]

    def summary(self) -> str:
        """One line for the user: what was dropped and why."""
        return "; ".join(f"image {d.index + 1}: {d.reason}" for d in self.dropped)


def blob_key(username: str, log_id: str, index: int, extension: str) -> str:
    return f"generations/{username}/{log_id}-{index}.{extension}"


def _keep_one(
    http: httpx.Client, sink: ImageSink, index: int, url: str, key_for: KeyFor,
    expected: tuple[int, int], max_bytes: int,
) -> KeptImage | DroppedImage:
    try:
        image = fetch_valid_image(http, url, expected, max_bytes, attempts=2)
    except ImageRejected as exc:
        return DroppedImage(index, exc.reason)
    key = key_for(index, image.extension)
    try:
        ref = sink.put(key, image.data, image.content_type)
    except StudioError as exc:
        return DroppedImage(index, f"could not be stored ({exc})")
    return KeptImage(index, key, ref)


def keep_images(
    output: GenerationOutput,
    *,
    http: httpx.Client,
    sink: ImageSink,
    key_for: KeyFor,
    expected: tuple[int, int],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> KeepResult:
    dropped: list[DroppedImage] = []
    wanted: list[tuple[int, str]] = []
    for index, image in enumerate(output.images):
        if output.flagged(index):
            dropped.append(DroppedImage(index, "flagged as NSFW by Fal's safety checker"))
        else:
            wanted.append((index, image.url))
    kept: list[KeptImage] = []
    if wanted:
        with ThreadPoolExecutor(max_workers=min(8, len(wanted)), thread_name_prefix="keep-image") as pool:
            futures = [
                pool.submit(_keep_one, http, sink, i, url, key_for, expected, max_bytes) for i, url in wanted
            ]
            for future in futures:
                result = future.result()
                (kept if isinstance(result, KeptImage) else dropped).append(result)  # type: ignore[arg-type]
    dropped.sort(key=lambda d: d.index)
    return KeepResult(tuple(kept), tuple(dropped))


class BlobImageSink:
    """Adapts a ``studio.blobs`` store (``put`` returns a ``BlobRef``) to :class:`ImageSink`.

    The permanent ref recorded in the log is the blob key (``generations/{username}/...``): it
    names the image in the local store and in S3 alike, and the sync layer moves blobs by key.
    """

    def __init__(self, store: Any) -> None:
        self.store = store

    def put(self, key: str, data: bytes, content_type: str) -> str:
        self.store.put(key, data, content_type)
        return key
