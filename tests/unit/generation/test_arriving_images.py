"""Validating an image while it downloads: the same checks as on bytes, made as early as possible."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from studio.generation.images import (
    ArrivingBody,
    ImageRejected,
    fetch_valid_image,
    validate_arriving,
    validate_image,
)
from studio.generation.standin_media import bomb_png, corrupt_png, portrait

SQUARE_HD = (1024, 1024)
CHUNK = 64 * 1024


class Chunks:
    """Yields ``data`` in chunks and counts how many were taken (how much was downloaded)."""

    def __init__(self, data: bytes, fail_after: int | None = None) -> None:
        self.data, self.fail_after, self.taken = data, fail_after, 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), CHUNK):
            if self.fail_after is not None and self.taken >= self.fail_after:
                raise httpx.ReadError("connection reset")
            self.taken += 1
            yield self.data[start : start + CHUNK]

    @property
    def total(self) -> int:
        return -(-len(self.data) // CHUNK)


def _arriving(chunks: Chunks, max_bytes: int = 5 * 1024 * 1024) -> ArrivingBody:
    return ArrivingBody(iter(chunks), max_bytes)


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_a_good_image_is_kept_byte_for_byte(fmt: str) -> None:
    data = portrait(3, 1024, 1024, fmt)
    chunks = Chunks(data)
    image = validate_arriving(_arriving(chunks), SQUARE_HD)
    assert image.data == data and image.kind == fmt
    assert image == validate_image(data, SQUARE_HD)
    assert chunks.taken == chunks.total


def test_not_an_image_is_refused_from_its_first_bytes() -> None:
    chunks = Chunks(b"<html>" + b"x" * (3 * CHUNK) + b"</html>")
    with pytest.raises(ImageRejected, match="not a PNG, JPEG or WebP"):
        validate_arriving(_arriving(chunks), SQUARE_HD)
    assert chunks.taken == 1


def test_wrong_dimensions_and_bombs_are_refused_from_the_header() -> None:
    small = Chunks(portrait(0, 512, 512))
    with pytest.raises(ImageRejected, match="512x512 pixels instead of the requested 1024x1024"):
        validate_arriving(_arriving(small), SQUARE_HD)
    assert small.taken == 1 < small.total
    bomb = Chunks(bomb_png())
    with pytest.raises(ImageRejected):
        validate_arriving(_arriving(bomb), SQUARE_HD)
    assert bomb.taken == 1 < bomb.total
    with pytest.raises(ImageRejected, match="decompression bomb"):
        validate_arriving(_arriving(Chunks(bomb_png()), max_bytes=10**9), (30000, 30000))


def test_corrupt_truncated_and_oversized_bodies_are_refused() -> None:
    good = portrait(2, 1024, 1024)
    with pytest.raises(ImageRejected, match="corrupt PNG"):
        validate_arriving(_arriving(Chunks(corrupt_png(good))), SQUARE_HD)
    with pytest.raises(ImageRejected, match="corrupt PNG"):
        validate_arriving(_arriving(Chunks(good[: len(good) // 3])), SQUARE_HD)
    oversized = Chunks(good)
    with pytest.raises(ImageRejected, match="larger than 1 MB"):
        validate_arriving(_arriving(oversized, max_bytes=1024 * 1024), SQUARE_HD)
    assert oversized.taken == 1024 * 1024 // CHUNK + 1  # stopped reading just past the cap


def test_a_network_error_mid_image_is_not_mistaken_for_a_corrupt_image() -> None:
    with pytest.raises(httpx.ReadError):
        validate_arriving(_arriving(Chunks(portrait(0, 1024, 1024), fail_after=5)), SQUARE_HD)


def _client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler)


def test_fetch_retries_a_dropped_download_and_keeps_the_image() -> None:
    data = portrait(1, 1024, 1024)
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        body = Chunks(data, fail_after=3 if len(calls) == 1 else None)
        return httpx.Response(200, headers={"content-type": "image/png"}, stream=_Stream(body))

    with _client(httpx.MockTransport(handle)) as http:
        image = fetch_valid_image(http, "http://cdn.test/0.png", SQUARE_HD)
    assert image.data == data and len(calls) == 2


def test_fetch_does_not_retry_an_expired_link_or_a_bad_image() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/gone.png":
            return httpx.Response(404)
        return httpx.Response(200, content=corrupt_png(portrait(0, 1024, 1024)))

    with _client(httpx.MockTransport(handle)) as http:
        with pytest.raises(ImageRejected, match="expired"):
            fetch_valid_image(http, "http://cdn.test/gone.png", SQUARE_HD)
        with pytest.raises(ImageRejected, match="corrupt PNG"):
            fetch_valid_image(http, "http://cdn.test/bad.png", SQUARE_HD)
    assert calls == ["/gone.png", "/bad.png"]


def test_fetch_gives_up_after_repeated_server_errors() -> None:
    failing = httpx.MockTransport(lambda request: httpx.Response(503))
    with _client(failing) as http, pytest.raises(ImageRejected, match=r"download failed \(HTTP 503\)"):
        fetch_valid_image(http, "http://cdn.test/0.png", SQUARE_HD, attempts=2)


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks: Chunks) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
