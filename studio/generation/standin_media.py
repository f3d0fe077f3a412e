"""Scenarios and images for the local Fal stand-in (see ``standin.py``).

A scenario says how one request behaves. The server has defaults; a prompt can override them with
a marker ``[[fake:key=value,key=value]]`` (indices are 0-based and joined with ``|``):

========== ===========================================================================
queue=N    answer IN_QUEUE for N status polls (position counting down); default 2
run=N      then IN_PROGRESS for N polls, one new log line each; default 2
s429=N     the first N submits carrying this marker get 429 (a "429 storm")
s500=N     the first N submits carrying this marker get 500
st429=N    the first N status polls of the request get 429
st500=N    the first N status polls of the request get 500
hang=S     the first status poll sleeps S seconds before answering (client timeouts)
fail=1     the job completes with an error (the result is a 500 with the detail)
flag=I|J   has_nsfw_concepts is true for these images
corrupt=I  these images are damaged PNGs (valid header, broken pixel data)
junk=I     these images are not images at all (declared image/png anyway)
size=I     these images are 512x512 instead of the requested size
bomb=I     these images declare 30000x30000 pixels (a decompression bomb)
expire=I   these image links answer 404 after completion ("all" for every image)
deny=I     these image links answer 403
jpeg=1     serve JPEG instead of PNG (declared as image/png: only magic bytes tell)
========== ===========================================================================
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zlib
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

_MARKER = re.compile(r"\[\[fake:([^\]]*)\]\]")
_INT_KEYS = ("queue", "run", "s429", "s500", "st429", "st500", "fail", "jpeg")
_SET_KEYS = ("flag", "corrupt", "junk", "size", "bomb", "expire", "deny")


@dataclass(frozen=True)
class Scenario:
    queue: int = 2
    run: int = 2
    s429: int = 0
    s500: int = 0
    st429: int = 0
    st500: int = 0
    hang: float = 0.0
    fail: int = 0
    jpeg: int = 0
    flag: frozenset[int] = field(default_factory=frozenset)
    corrupt: frozenset[int] = field(default_factory=frozenset)
    junk: frozenset[int] = field(default_factory=frozenset)
    size: frozenset[int] = field(default_factory=frozenset)
    bomb: frozenset[int] = field(default_factory=frozenset)
    expire: frozenset[int] = field(default_factory=frozenset)
    deny: frozenset[int] = field(default_factory=frozenset)

    def with_marker(self, prompt: str) -> Scenario:
        """This scenario overridden by the ``[[fake:...]]`` marker in ``prompt``, if any."""
        match = _MARKER.search(prompt)
        if not match:
            return self
        changes: dict[str, object] = {}
        for item in filter(None, (p.strip() for p in match.group(1).split(","))):
            key, _, value = item.partition("=")
            key = key.strip()
            if key in _INT_KEYS:
                changes[key] = int(value or 1)
            elif key == "hang":
                changes[key] = float(value)
            elif key in _SET_KEYS:
                changes[key] = frozenset(range(64)) if value == "all" else frozenset(
                    int(v) for v in value.split("|") if v
                )
            else:
                raise ValueError(f"unknown stand-in scenario key {key!r}")
        return replace(self, **changes)  # type: ignore[arg-type]


def marker_of(prompt: str) -> str:
    match = _MARKER.search(prompt)
    return match.group(0) if match else ""


@functools.lru_cache(maxsize=16)
def portrait(index: int, width: int, height: int, fmt: str = "png") -> bytes:
    """A deterministic, photo-sized test portrait (~1.5 MB as PNG at 1024x1024)."""
    rng = np.random.default_rng(index)
    y, x = np.mgrid[0:height, 0:width]
    tint = np.array([(index * 67) % 256, (index * 131) % 256, (index * 29) % 256], dtype=np.float64)
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], -1)
    pixels = (base * 0.7 + tint * 0.3 + rng.integers(-2, 3, base.shape)).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    if fmt == "jpeg":
        Image.fromarray(pixels).save(buf, "JPEG", quality=90)
    else:
        Image.fromarray(pixels).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def corrupt_png(data: bytes) -> bytes:
    """Keep the signature and IHDR (so it sniffs and sizes as a PNG) but wreck the pixel data."""
    body_start = 8 + 25  # signature + IHDR chunk
    middle = bytearray(data[body_start:])
    for i in range(64, min(len(middle), 200_000), 97):
        middle[i] ^= 0x5A
    return data[:body_start] + bytes(middle[: len(middle) // 2])


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@functools.lru_cache(maxsize=1)
def bomb_png(side: int = 30000) -> bytes:
    """A small file that claims ``side`` x ``side`` 1-bit pixels (~900 megapixels when decoded)."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    body = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def image_bytes(scenario: Scenario, index: int, width: int, height: int) -> bytes:
    """The bytes the stand-in serves for image ``index`` of a job under ``scenario``."""
    if index in scenario.junk:
        return b"<html><body>Not an image</body></html>"
    if index in scenario.bomb:
        return bomb_png()
    if index in scenario.size:
        width, height = width // 2, height // 2
    data = portrait(index, width, height, "jpeg" if scenario.jpeg else "png")
    if index in scenario.corrupt:
        return corrupt_png(data)
    return data
