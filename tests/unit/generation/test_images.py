"""Image checks: type by magic bytes, exact dimensions, size cap, corrupt data, decompression bombs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from studio.generation.images import ImageRejected, sniff_image_type, validate_image
from studio.generation.standin_media import bomb_png, corrupt_png, portrait

SQUARE_HD = (1024, 1024)


def _png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_a_good_portrait_is_kept_with_its_real_type() -> None:
    png = validate_image(portrait(0, 1024, 1024), SQUARE_HD)
    assert (png.kind, png.content_type, png.extension) == ("png", "image/png", "png")
    jpeg = validate_image(portrait(1, 1024, 1024, "jpeg"), SQUARE_HD)
    assert (jpeg.kind, jpeg.content_type) == ("jpeg", "image/jpeg")


def test_type_comes_from_magic_bytes_only() -> None:
    assert sniff_image_type(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff_image_type(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff_image_type(b"<html>image/png</html>") is None
    with pytest.raises(ImageRejected, match="not a PNG, JPEG or WebP"):
        validate_image(b"<html><body>Not an image</body></html>", SQUARE_HD)


def test_wrong_dimensions_are_refused() -> None:
    with pytest.raises(ImageRejected, match="512x512 pixels instead of the requested 1024x1024"):
        validate_image(_png((512, 512)), SQUARE_HD)


def test_size_cap() -> None:
    with pytest.raises(ImageRejected, match="larger than 1 MB"):
        validate_image(portrait(0, 1024, 1024), SQUARE_HD, max_bytes=1024 * 1024)


def test_corrupt_and_truncated_data_is_refused() -> None:
    good = portrait(2, 1024, 1024)
    with pytest.raises(ImageRejected, match="corrupt PNG"):
        validate_image(corrupt_png(good), SQUARE_HD)
    with pytest.raises(ImageRejected, match="corrupt PNG"):
        validate_image(good[: len(good) // 3], SQUARE_HD)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = bomb_png()
    assert len(bomb) < 200_000  # tiny file, ~900 megapixels declared
    with pytest.raises(ImageRejected):
        validate_image(bomb, SQUARE_HD)
    # Even if the caller asked for those dimensions, Pillow's bomb guard refuses it.
    with pytest.raises(ImageRejected, match="decompression bomb"):
        validate_image(bomb, (30000, 30000), max_bytes=10**9)
