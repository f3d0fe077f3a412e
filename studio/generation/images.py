"""Keeping generated images: download them all at once, then check every one.

Fal's media links expire, so every image of a finished job is fetched at once (concurrently).
A downloaded image is kept only if:

* its type, read from its magic bytes, is PNG, JPEG or WebP (the declared content type is ignored);
* it is at most ``max_bytes`` (5 MB by default; the download stops reading past that);
* its header declares exactly the requested dimensions (1024x1024 for ``square_hd``), checked
  *before* decoding, so a decompression bomb is refused without allocating its pixels; Pillow's
  own bomb guard stays on as a second line;
* it decodes completely (a truncated or corrupt file is refused).
"""

from __future__ import annotations

import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

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


def validate_image(data: bytes, expected: tuple[int, int], max_bytes: int = DEFAULT_MAX_BYTES) -> ValidImage:
    if len(data) > max_bytes:
        raise ImageRejected(f"larger than {max_bytes // (1024 * 1024)} MB")
    kind = sniff_image_type(data)
    if kind is None:
        raise ImageRejected("not a PNG, JPEG or WebP image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind.upper()]) as img:
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
    return ValidImage(data, kind)


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
