"""Keeping generated images: download them all at once, then check every one.

Fal's media links expire, so every image of a finished job is fetched at once (concurrently).
A downloaded image is kept only if:

* its type, read from its magic bytes, is PNG, JPEG or WebP (the declared content type is ignored);
* it is at most ``max_bytes`` (5 MB by default; the download stops reading past that);
* its header declares exactly the requested dimensions (1024x1024 for ``square_hd``), checked
  *before* decoding, so a decompression bomb is refused without allocating its pixels; Pillow's
  own bomb guard stays on as a second line;
* it decodes completely (a truncated or corrupt file is refused).

:func:`fetch_valid_image` runs those checks *while* the image downloads: Pillow reads from a
file object over the arriving body (:class:`ArrivingBody`), so the magic bytes and the header's
dimensions are checked as soon as they arrive (a bomb or an HTML error page is refused without
downloading the rest) and the full decode proceeds chunk by chunk behind the network instead of
after it. The checks are the same ones :func:`validate_image` makes on bytes in memory.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

import httpx
from PIL import Image

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
_CHUNK = 64 * 1024


class ImageRejected(Exception):
    """An image failed a check; ``reason`` is written for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ValidImage:
    data: bytes
    kind: str  # png | jpeg | webp

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]


def sniff_image_type(data: bytes) -> str | None:
    """The image type from the first bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _too_large(max_bytes: int) -> ImageRejected:
    return ImageRejected(f"larger than {max_bytes // (1024 * 1024)} MB")


def _decode(fp: IO[bytes], kind: str, expected: tuple[int, int]) -> None:
    """Check the declared size, then decode every pixel of the image in ``fp`` (or raise)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fp, formats=[kind.upper()]) as img:
                if img.size != expected:
                    got = f"{img.size[0]}x{img.size[1]}"
                    raise ImageRejected(f"{got} pixels instead of the requested {expected[0]}x{expected[1]}")
                img.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("refused as a decompression bomb") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(f"corrupt {kind.upper()} data ({exc})") from exc


def validate_image(data: bytes, expected: tuple[int, int], max_bytes: int = DEFAULT_MAX_BYTES) -> ValidImage:
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    kind = sniff_image_type(data)
    if kind is None:
        raise ImageRejected("not a PNG, JPEG or WebP image")
    _decode(io.BytesIO(data), kind, expected)
    return ValidImage(data, kind)


class ArrivingBody(io.RawIOBase):
    """A seekable, read-only file over a body that is still arriving in ``chunks``.

    Every byte received is kept (it becomes the stored image); reads block until enough has
    arrived or the body ends. More than ``max_bytes`` is refused as soon as it arrives.
    Network errors from ``chunks`` propagate unchanged (the caller retries the download).
    """

    def __init__(self, chunks: Iterator[bytes], max_bytes: int) -> None:
        super().__init__()
        self._chunks = chunks
        self._max = max_bytes
        self._buf = bytearray()
        self._pos = 0
        self._ended = False

    def _fill(self, upto: int | None) -> None:
        """Receive until ``upto`` bytes are here (``None``: everything)."""
        while not self._ended and (upto is None or len(self._buf) < upto):
            chunk = next(self._chunks, None)
            if chunk is None:
                self._ended = True
                return
            self._buf += chunk
            if len(self._buf) > self._max:
                raise _too_large(self._max)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        self._fill(None if size is None or size < 0 else self._pos + size)
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), self._pos + size)
        with memoryview(self._buf) as view:  # one copy, and the view is gone before the next append
            out = bytes(view[self._pos : end])
        self._pos = end
        return out

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            self._fill(None)
            offset += len(self._buf)
        elif whence == io.SEEK_CUR:
            offset += self._pos
        self._pos = max(0, offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def everything(self) -> bytes:
        """The whole body, once it has fully arrived (receives what is left)."""
        self._fill(None)
        return bytes(self._buf)


def validate_arriving(body: ArrivingBody, expected: tuple[int, int]) -> ValidImage:
    """:func:`validate_image`'s checks on a body while it arrives; returns the complete image."""
    kind = sniff_image_type(body.read(12))
    if kind is None:
        raise ImageRejected("not a PNG, JPEG or WebP image")
    body.seek(0)
    _decode(body, kind, expected)  # type: ignore[arg-type]
    return ValidImage(body.everything(), kind)


@dataclass(frozen=True)
class Download:
    index: int
    data: bytes | None = None
    error: str | None = None


def fetch_image(http: httpx.Client, index: int, url: str, max_bytes: int, attempts: int) -> Download:
    last = "not attempted"
    for _ in range(attempts):
        try:
            with http.stream("GET", url) as response:
                if response.status_code in (403, 404, 410):
                    return Download(index, error=f"the link has expired (HTTP {response.status_code})")
                if response.status_code >= 400:
                    last = f"HTTP {response.status_code}"
                    continue
                buf = bytearray()
                for chunk in response.iter_bytes(_CHUNK):
                    buf += chunk
                    if len(buf) > max_bytes:
                        return Download(index, error=f"larger than {max_bytes // (1024 * 1024)} MB")
                return Download(index, data=bytes(buf))
        except httpx.HTTPError as exc:
            last = type(exc).__name__
    return Download(index, error=f"download failed ({last})")


def download_all(
    http: httpx.Client, urls: list[str], max_bytes: int = DEFAULT_MAX_BYTES, attempts: int = 2
) -> list[Download]:
    """Fetch every URL at the same time; one result per URL, in order, never raising."""
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(urls)), thread_name_prefix="fal-download") as pool:
        futures = [pool.submit(fetch_image, http, i, url, max_bytes, attempts) for i, url in enumerate(urls)]
        return [f.result() for f in futures]


def fetch_valid_image(
    http: httpx.Client, url: str, expected: tuple[int, int], max_bytes: int = DEFAULT_MAX_BYTES,
    attempts: int = 2,
) -> ValidImage:
    """Download ``url`` and validate it as it arrives; raises :class:`ImageRejected` with the reason.

    Expired links (403/404/410) are not retried; other HTTP errors and network failures are, up
    to ``attempts`` times. A failed check is final.
    """
    last = "not attempted"
    for _ in range(attempts):
        try:
            with http.stream("GET", url) as response:
                if response.status_code in (403, 404, 410):
                    raise ImageRejected(f"the link has expired (HTTP {response.status_code})")
                if response.status_code >= 400:
                    last = f"HTTP {response.status_code}"
                    continue
                return validate_arriving(ArrivingBody(response.iter_bytes(), max_bytes), expected)
        except httpx.HTTPError as exc:
            last = type(exc).__name__
    raise ImageRejected(f"download failed ({last})")
