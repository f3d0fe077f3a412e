from __future__ import annotations

import threading
from pathlib import Path

import pytest

from studio.blobs import BlobNotFoundError, BlobPreconditionError, LocalBlobStore, put_content
from studio.blobs.base import BlobIntegrityError, sha256_bytes
from studio.blobs.layout import object_key
from studio.domain.errors import CancelledError, InvalidInputError


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_put_get_roundtrip_and_ref(store: LocalBlobStore) -> None:
    ref = store.put("avatars/u1/a1.glb", b"glTF-bytes")
    assert ref.size == 10
    assert ref.sha256 == sha256_bytes(b"glTF-bytes")
    assert ref.content_type == "model/gltf-binary"
    assert store.get("avatars/u1/a1.glb") == b"glTF-bytes"
    assert store.exists("avatars/u1/a1.glb")
    assert store.head("avatars/u1/a1.glb") == ref.__class__(**{**ref.__dict__})


def test_put_from_path_streams_with_progress(store: LocalBlobStore, tmp_path: Path) -> None:
    src = tmp_path / "big.vrm"
    src.write_bytes(b"v" * (3 * 1024 * 1024 + 5))
    seen: list[tuple[int, int]] = []
    ref = store.put("avatars/u/a.vrm", src, progress=lambda d, t: seen.append((d, t)))
    assert ref.size == src.stat().st_size
    assert seen[-1] == (ref.size, ref.size)
    assert len(seen) == 4


def test_cancel_leaves_no_file_behind(store: LocalBlobStore, tmp_path: Path) -> None:
    src = tmp_path / "big.glb"
    src.write_bytes(b"x" * (3 * 1024 * 1024))
    with pytest.raises(CancelledError):
        store.put("avatars/u/a.glb", src, cancel=lambda: True)
    assert not store.exists("avatars/u/a.glb")
    assert list((tmp_path / "blobs").rglob("*")) == [
        tmp_path / "blobs" / "avatars",
        tmp_path / "blobs" / "avatars" / "u",
    ]


def test_if_none_match_refuses_overwrite(store: LocalBlobStore) -> None:
    store.put("k/one", b"first", if_none_match=True)
    with pytest.raises(BlobPreconditionError):
        store.put("k/one", b"second", if_none_match=True)
    assert store.get("k/one") == b"first"


def test_if_match_overwrites_only_the_version_read(store: LocalBlobStore) -> None:
    ref = store.put("k/one", b"first")
    store.put("k/one", b"second", if_match=ref.etag)
    with pytest.raises(BlobPreconditionError):
        store.put("k/one", b"third", if_match=ref.etag)
    assert store.get("k/one") == b"second"


def test_concurrent_creates_exactly_one_wins(store: LocalBlobStore) -> None:
    wins: list[bytes] = []

    def attempt(data: bytes) -> None:
        try:
            store.put("race/key", data, if_none_match=True)
            wins.append(data)
        except BlobPreconditionError:
            pass

    threads = [threading.Thread(target=attempt, args=(bytes([65 + i]) * 1000,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert store.get("race/key") == wins[0]


def test_missing_key_is_a_studio_error(store: LocalBlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        store.get("nope/nothing.glb")
    with pytest.raises(BlobNotFoundError):
        store.open("nope/nothing.glb")
    assert store.head("nope/nothing.glb") is None
    store.delete("nope/nothing.glb")  # deleting a missing key is fine


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a\\b"])
def test_bad_keys_are_refused(store: LocalBlobStore, key: str) -> None:
    with pytest.raises(InvalidInputError):
        store.put(key, b"x")


def test_list_is_sorted_and_skips_temp_files(store: LocalBlobStore, tmp_path: Path) -> None:
    for key in ["avatars/u/b.glb", "avatars/u/a.glb", "thumbnails/x.webp"]:
        store.put(key, key.encode())
    (tmp_path / "blobs" / "avatars" / "u" / ".a.glb.123.part").write_bytes(b"half")
    assert [r.key for r in store.list("avatars/")] == ["avatars/u/a.glb", "avatars/u/b.glb"]
    assert len(list(store.list())) == 3


def test_content_addressed_put_dedupes_and_verifies(store: LocalBlobStore, tmp_path: Path) -> None:
    ref = put_content(store, b"same bytes")
    assert ref.key == object_key(sha256_bytes(b"same bytes"))
    again = put_content(store, b"same bytes")
    assert again.key == ref.key
    # Corrupt the stored object: reading it back must notice.
    (tmp_path / "blobs" / Path(ref.key)).write_bytes(b"other bytes")
    with pytest.raises(BlobIntegrityError):
        store.get(ref.key)
    with pytest.raises(BlobIntegrityError):
        store.download(ref.key, tmp_path / "out.bin")
    assert not (tmp_path / "out.bin").exists()


def test_download_and_copy(store: LocalBlobStore, tmp_path: Path) -> None:
    ref = put_content(store, b"avatar")
    store.copy(ref.key, "avatars/u/a.glb")
    assert store.get("avatars/u/a.glb") == b"avatar"
    got = store.download("avatars/u/a.glb", tmp_path / "dl" / "a.glb")
    assert got.sha256 == ref.sha256
    assert (tmp_path / "dl" / "a.glb").read_bytes() == b"avatar"
    assert store.presigned_url("avatars/u/a.glb").startswith("file://")
