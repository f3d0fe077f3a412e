from __future__ import annotations

import io

import pytest

from studio.gltf.errors import GltfError
from studio.gltf.images import decode_image, read_header, sniff
from studio.gltf.limits import Limits


def _encode(fmt: str, size: tuple[int, int], **kw: object) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, fmt, **kw)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime", "kw"),
    [
        ("PNG", "image/png", {}),
        ("JPEG", "image/jpeg", {}),
        ("JPEG", "image/jpeg", {"progressive": True}),
        ("WEBP", "image/webp", {}),
        ("WEBP", "image/webp", {"lossless": True}),
    ],
)
def test_header_gives_format_and_size(fmt: str, mime: str, kw: dict) -> None:
    data = _encode(fmt, (37, 21), **kw)
    header = read_header(data)
    assert (header.mime_type, header.width, header.height) == (mime, 37, 21)
    assert sniff(data) == mime


def test_other_formats_refused() -> None:
    for data in (_encode("GIF", (4, 4)), _encode("BMP", (4, 4)), b"", b"<svg/>"):
        with pytest.raises(GltfError) as info:
            read_header(data)
        assert info.value.code == "IMAGE_UNRECOGNIZED_FORMAT"


def test_truncated_header_is_a_gltf_error() -> None:
    with pytest.raises(GltfError) as info:
        read_header(_encode("JPEG", (8, 8))[:20])
    assert info.value.code == "IMAGE_UNEXPECTED_EOS"


def test_decode_within_cap() -> None:
    image = decode_image(_encode("PNG", (64, 32)))
    assert image.size == (64, 32)


def test_decompression_bomb_refused_before_decoding() -> None:
    # 4096x4096 of one colour compresses to a few KB; the cap refuses it from the header
    data = _encode("PNG", (4096, 4096))
    assert len(data) < 100_000
    with pytest.raises(GltfError) as info:
        decode_image(data, Limits(max_image_pixels=1024 * 1024))
    assert info.value.code == "IMAGE_TOO_LARGE"


def test_corrupt_body_is_a_gltf_error() -> None:
    data = bytearray(_encode("PNG", (64, 64)))
    data[40:60] = b"\xff" * 20
    with pytest.raises(GltfError) as info:
        decode_image(bytes(data))
    assert info.value.code == "IMAGE_DATA_INVALID"
