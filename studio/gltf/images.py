"""Embedded images: format by magic bytes, dimensions from the header, and capped decoding.

Only PNG, JPEG and WebP are accepted. Dimensions come from the file header without decoding, so
inspecting a 2048² texture costs microseconds; decoding checks the pixel count against
``Limits.max_image_pixels`` *before* Pillow allocates anything (decompression bombs are refused).
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from studio.gltf.errors import GltfError
from studio.gltf.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

PNG, JPEG, WEBP = "image/png", "image/jpeg", "image/webp"
ALLOWED_MIME_TYPES = (PNG, JPEG, WEBP)
_PIL_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
# JPEG start-of-frame markers carrying the dimensions (all SOFn except DHT/JPG/DAC)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageHeader:
    mime_type: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def sniff(data: bytes | memoryview) -> str | None:
    """The media type from the magic bytes, or None for anything but PNG/JPEG/WebP."""
    head = bytes(data[:12])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def read_header(data: bytes | memoryview) -> ImageHeader:
    """Format and size from the header only. Raises GltfError(IMAGE_...) on anything unreadable."""
    mime = sniff(data)
    if mime is None:
        raise GltfError(
            "IMAGE_UNRECOGNIZED_FORMAT", "", "Image format not recognized (PNG, JPEG or WebP only)."
        )
    buf = bytes(data[:64]) if mime != JPEG else bytes(data)
    try:
        if mime == PNG:
            size = _png_size(buf)
        elif mime == WEBP:
            size = _webp_size(buf)
        else:
            size = _jpeg_size(buf)
    except (struct.error, IndexError, ValueError) as exc:
        raise GltfError("IMAGE_UNEXPECTED_EOS", "", f"Unexpected end of image stream ({exc}).") from exc
    if size[0] <= 0 or size[1] <= 0:
        raise GltfError("IMAGE_DATA_INVALID", "", "Image data is invalid. Zero width or height.")
    return ImageHeader(mime, size[0], size[1])


def check_stream(data: bytes | memoryview, mime: str) -> None:
    """Check the container of an image whose header :func:`read_header` accepted, without
    decoding pixels: a PNG's chunks (lengths, names, CRCs but IDAT's, an IDAT, IEND before the data ends), a
    WebP's RIFF length. Raises GltfError: IMAGE_UNEXPECTED_EOS (the data ends early) or
    IMAGE_DATA_INVALID. A truncated or overwritten texture is refused when the file is opened
    rather than when the runtime export or the renderer decodes it (Pillow refuses it there).
    JPEG entropy-coded data cannot be checked without decoding; it is left to the decoder."""
    view = memoryview(data)
    if mime == PNG:
        _check_png_chunks(view)
    elif mime == WEBP:
        declared = struct.unpack_from("<I", view, 4)[0] + 8
        if declared > len(view):
            raise GltfError(
                "IMAGE_UNEXPECTED_EOS",
                "",
                f"Unexpected end of image stream (WebP declares {declared} bytes, has {len(view)}).",
            )


def _check_png_chunks(view: memoryview) -> None:
    """https://www.w3.org/TR/png-3/#5Chunk-layout: length (<= 2^31-1), type (4 ASCII letters),
    data, CRC-32 over type and data (checked for all but IDAT)."""
    pos, seen_idat = 8, False
    while True:
        if pos + 8 > len(view):
            raise GltfError("IMAGE_UNEXPECTED_EOS", "", "Unexpected end of image stream (PNG without IEND).")
        length, kind = struct.unpack_from(">I4s", view, pos)
        if length > 0x7FFFFFFF or not kind.isalpha() or not kind.isascii():
            raise GltfError(
                "IMAGE_DATA_INVALID", "", f"Image data is invalid. Broken PNG chunk at byte {pos}."
            )
        end = pos + 12 + length
        if end > len(view):
            raise GltfError(
                "IMAGE_UNEXPECTED_EOS",
                "",
                f"Unexpected end of image stream (PNG chunk {kind.decode()} is cut).",
            )
        # IDAT CRCs are not checked: they cover nearly every byte (16 ms for three 2048² textures)
        # and Pillow does not check them either; a corrupt IDAT fails in zlib when decoded
        if (
            kind != b"IDAT"
            and zlib.crc32(view[pos + 4 : end - 4]) != struct.unpack_from(">I", view, end - 4)[0]
        ):
            raise GltfError(
                "IMAGE_DATA_INVALID",
                "",
                f"Image data is invalid. PNG chunk {kind.decode()} fails its CRC check.",
            )
        seen_idat = seen_idat or kind == b"IDAT"
        if kind == b"IEND":
            break
        pos = end
    if not seen_idat:
        raise GltfError("IMAGE_DATA_INVALID", "", "Image data is invalid. PNG without image data (IDAT).")


def _png_size(buf: bytes) -> tuple[int, int]:
    if buf[12:16] != b"IHDR":
        raise ValueError("PNG without IHDR")
    w, h = struct.unpack_from(">II", buf, 16)
    return int(w), int(h)


def _webp_size(buf: bytes) -> tuple[int, int]:
    kind = buf[12:16]
    if kind == b"VP8 ":
        w, h = struct.unpack_from("<HH", buf, 26)
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L":
        b = struct.unpack_from("<I", buf, 21)[0]
        return (b & 0x3FFF) + 1, ((b >> 14) & 0x3FFF) + 1
    if kind == b"VP8X":
        w = int.from_bytes(buf[24:27], "little") + 1
        h = int.from_bytes(buf[27:30], "little") + 1
        return w, h
    raise ValueError(f"unknown WebP chunk {kind!r}")


def _jpeg_size(buf: bytes) -> tuple[int, int]:
    pos = 2
    while pos + 4 <= len(buf):
        if buf[pos] != 0xFF:
            raise ValueError("JPEG marker expected")
        marker = buf[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers
            pos += 2
            continue
        length = struct.unpack_from(">H", buf, pos + 2)[0]
        if marker in _SOF:
            h, w = struct.unpack_from(">HH", buf, pos + 5)
            return int(w), int(h)
        if length < 2:
            raise ValueError("bad JPEG segment length")
        pos += 2 + length
    raise ValueError("no JPEG frame header")


def decode_image(data: bytes | memoryview, limits: Limits | None = None) -> PILImage:
    """Decode to a Pillow image (RGB/RGBA kept as stored), refusing other formats and any image
    over ``limits.max_image_pixels`` before decoding it."""
    from PIL import Image

    limits = limits or DEFAULT_LIMITS
    header = read_header(data)
    if header.pixels > limits.max_image_pixels:
        raise GltfError(
            "IMAGE_TOO_LARGE",
            "",
            f"Image is {header.width}x{header.height}; the limit is {limits.max_image_pixels} pixels.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data)), formats=[_PIL_FORMATS[header.mime_type]])
            if image.width * image.height > limits.max_image_pixels:
                raise GltfError("IMAGE_TOO_LARGE", "", "Image is over the pixel limit.")
            image.load()
    except GltfError:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        EOFError,
        struct.error,
    ) as exc:
        raise GltfError("IMAGE_DATA_INVALID", "", f"Image data is invalid. {_reason(exc, header)}") from exc
    return image


def _reason(exc: BaseException, header: ImageHeader) -> str:
    """Pillow's message, without the object address its 'cannot identify image file <_io.BytesIO
    object at 0x...>' carries (noise to a user, and different on every run)."""
    text = str(exc)
    if "<_io." in text or not text:
        return f"The {_PIL_FORMATS[header.mime_type]} data cannot be decoded."
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
