"""S3BlobStore against the local S3-protocol server (moto on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from studio.blobs import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobPreconditionError,
    BlobUnavailableError,
    S3BlobStore,
    publish,
    put_content,
)
from studio.blobs.base import sha256_bytes
from studio.blobs.multipart import MemoryUploadStateStore
from studio.blobs.retry import RetryPolicy
from studio.domain.errors import CancelledError, StudioError
from tests.fixtures.faults import FaultPlan, FaultyS3Client, s3_error

pytestmark = pytest.mark.s3
MB = 1024 * 1024


def no_wait() -> RetryPolicy:
    return RetryPolicy(attempts=6, sleep=lambda _s: None)


@pytest.fixture
def store(s3_client, s3_bucket) -> S3BlobStore:
    return S3BlobStore(s3_client, s3_bucket, retry=no_wait(), multipart_threshold=5 * MB, part_size=5 * MB)


class CountingClient:
    """Counts calls and can fail chosen ones: fail[name] = [exception, ...] consumed in order."""

    def __init__(self, client) -> None:
        self._client = client
        self.calls: dict[str, int] = {}
        self.fail: dict[str, list[BaseException]] = {}

    def __getattr__(self, name):
        target = getattr(self._client, name)
        if not callable(target) or name in ("meta", "generate_presigned_url"):
            return target

        def call(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            queue = self.fail.get(name)
            if queue:
                raise queue.pop(0)
            return target(*args, **kwargs)

        return call


def test_put_get_roundtrip_carries_sha256(store: S3BlobStore, s3_client, s3_bucket) -> None:
    ref = store.put("avatars/u1/a1.glb", b"glTF" + b"\0" * 100, "model/gltf-binary")
    assert ref.sha256 == sha256_bytes(b"glTF" + b"\0" * 100)
    head = s3_client.head_object(Bucket=s3_bucket, Key="avatars/u1/a1.glb")
    assert head["Metadata"]["sha256"] == ref.sha256
    assert head["ContentType"] == "model/gltf-binary"
    assert store.get("avatars/u1/a1.glb") == b"glTF" + b"\0" * 100


def test_tampered_object_is_detected_on_read(
    store: S3BlobStore, s3_client, s3_bucket, tmp_path: Path
) -> None:
    ref = put_content(store, b"the real avatar")
    s3_client.put_object(Bucket=s3_bucket, Key=ref.key, Body=b"swapped", Metadata={"sha256": ref.sha256})
    with pytest.raises(BlobIntegrityError):
        store.get(ref.key)
    with pytest.raises(BlobIntegrityError):
        store.download(ref.key, tmp_path / "a.glb")
    assert not (tmp_path / "a.glb").exists()


def test_conditional_writes(store: S3BlobStore) -> None:
    first = store.put("k/one.json", b"1", if_none_match=True)
    with pytest.raises(BlobPreconditionError):
        store.put("k/one.json", b"2", if_none_match=True)
    # The same bytes again is a retried request, not a conflict.
    assert store.put("k/one.json", b"1", if_none_match=True).sha256 == first.sha256
    second = store.put("k/one.json", b"2", if_match=first.etag)
    with pytest.raises(BlobPreconditionError):
        store.put("k/one.json", b"3", if_match=first.etag)
    assert store.get("k/one.json") == b"2"
    assert second.etag != first.etag


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_both_stores_refuse_bad_put_arguments_the_same_way(
    kind: str, store: S3BlobStore, tmp_path: Path
) -> None:
    """One set of checks (``studio.blobs.base.check_put``): clear errors, nothing written."""
    from studio.blobs import LocalBlobStore
    from studio.domain.errors import InvalidInputError

    target = LocalBlobStore(tmp_path / "blobs") if kind == "local" else store
    with pytest.raises(InvalidInputError, match="cannot be combined"):
        target.put("k/a.json", b"1", if_none_match=True, if_match='"etag"')
    with pytest.raises(InvalidInputError, match="invalid blob key"):
        target.put("../escape.json", b"1")
    with pytest.raises(InvalidInputError, match="give the bytes or a Path, not str"):
        target.put("k/a.json", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(BlobNotFoundError, match="is not a file"):
        target.put("k/a.json", tmp_path / "missing.glb")
    assert list(target.list("")) == []


def test_a_big_conditional_overwrite_keeps_its_condition(store: S3BlobStore, tmp_path: Path) -> None:
    """Above the multipart threshold, if_match still refuses a write over someone else's."""
    big = tmp_path / "big.bin"
    big.write_bytes(b"a" * (6 * MB))
    first = store.put("k/big.bin", b"small")
    with pytest.raises(BlobPreconditionError):
        store.put("k/big.bin", big, if_match='"not-the-etag"')
    assert store.get("k/big.bin") == b"small"
    assert store.put("k/big.bin", big, if_match=first.etag).size == 6 * MB


def test_missing_keys(store: S3BlobStore, tmp_path: Path) -> None:
    assert store.head("avatars/u/none.glb") is None
    assert not store.exists("avatars/u/none.glb")
    with pytest.raises(BlobNotFoundError):
        store.get("avatars/u/none.glb")
    with pytest.raises(BlobNotFoundError):
        store.download("avatars/u/none.glb", tmp_path / "x")
    store.delete("avatars/u/none.glb")


def test_multipart_upload_and_download(store: S3BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "big.vrm"
    src.write_bytes(bytes(range(256)) * (48 * 1024) + b"tail")  # 12 MB + 4 bytes: three parts
    seen: list[int] = []
    ref = store.put("avatars/u/a.vrm", src, "model/gltf-binary", progress=lambda d, _t: seen.append(d))
    assert ref.sha256 == sha256_bytes(src.read_bytes())
    assert seen[-1] == src.stat().st_size
    got = store.download("avatars/u/a.vrm", tmp_path / "back.vrm")
    assert (tmp_path / "back.vrm").read_bytes() == src.read_bytes()
    assert got.size == ref.size


def test_multipart_resumes_after_interruption(s3_client, s3_bucket, tmp_path: Path) -> None:
    src = tmp_path / "big.glb"
    src.write_bytes(b"A" * (5 * MB) + b"B" * (5 * MB) + b"C" * (5 * MB) + b"D" * 100)  # four parts
    states = MemoryUploadStateStore()
    first = CountingClient(s3_client)
    store = S3BlobStore(
        first,
        s3_bucket,
        retry=RetryPolicy(attempts=1, sleep=lambda _s: None),
        multipart_threshold=5 * MB,
        part_size=5 * MB,
        concurrency=1,
        upload_states=states,
    )

    def stop_after_two() -> bool:  # the user cancels (or the process dies) after two parts
        return first.calls.get("upload_part", 0) >= 2

    with pytest.raises(CancelledError):
        store.put("avatars/u/a.glb", src, cancel=stop_after_two)
    saved = next(iter(states._states.values()))
    assert sorted(saved.parts) == [1, 2]

    second = CountingClient(s3_client)
    resumed = S3BlobStore(
        second, s3_bucket, retry=no_wait(), multipart_threshold=5 * MB, part_size=5 * MB, upload_states=states
    )
    ref = resumed.put("avatars/u/a.glb", src)
    assert second.calls["upload_part"] == 2  # only parts 3 and 4 were sent again
    assert second.calls["list_parts"] == 1
    assert "create_multipart_upload" not in second.calls
    assert ref.sha256 == sha256_bytes(src.read_bytes())
    assert resumed.get("avatars/u/a.glb") == src.read_bytes()
    assert states._states == {}


def test_retries_transient_failures(s3_client, s3_bucket) -> None:
    client = CountingClient(s3_client)
    client.fail["put_object"] = [
        s3_error(k, "PutObject") for k in ("http503", "http429", "refused", "http500")
    ]
    client.fail["get_object"] = [s3_error("drop_after", "GetObject")]
    waits: list[float] = []
    store = S3BlobStore(client, s3_bucket, retry=RetryPolicy(attempts=6, sleep=waits.append))
    store.put("avatars/u/a.glb", b"data")
    assert store.get("avatars/u/a.glb") == b"data"
    assert client.calls["put_object"] == 5
    assert len(waits) == 5
    assert all(w <= 10 for w in waits)


def test_gives_up_with_a_studio_error(s3_client, s3_bucket) -> None:
    plan = FaultPlan(seed=1, online=False)
    store = S3BlobStore(
        FaultyS3Client(s3_client, plan), s3_bucket, retry=RetryPolicy(attempts=3, sleep=lambda _s: None)
    )
    with pytest.raises(BlobUnavailableError) as info:
        store.put("avatars/u/a.glb", b"data")
    assert isinstance(info.value, StudioError)
    assert "3 attempts" in str(info.value)


def test_lost_answer_on_create_is_not_a_conflict(s3_client, s3_bucket) -> None:
    client = CountingClient(s3_client)
    store = S3BlobStore(client, s3_bucket, retry=no_wait())
    real_put = s3_client.put_object

    def put_then_drop(**kwargs):
        real_put(**kwargs)
        raise s3_error("drop_after", "PutObject")

    client.put_object = put_then_drop  # type: ignore[method-assign]
    ref = put_content(store, b"avatar bytes")
    assert store.get(ref.key) == b"avatar bytes"


def test_presigned_urls_expire_within_the_limit(s3_client, s3_bucket) -> None:
    store = S3BlobStore(s3_client, s3_bucket, presign_expiry=600)
    store.put("avatars/u/a.glb", b"glb")

    def expires(url: str) -> int:
        return int(parse_qs(urlparse(url).query)["X-Amz-Expires"][0])

    url = store.presigned_url("avatars/u/a.glb")
    assert expires(url) == 600
    assert expires(store.presigned_url("avatars/u/a.glb", expires=60)) == 60
    assert expires(store.presigned_url("avatars/u/a.glb", expires=86400)) == 3600
    assert httpx.get(url).content == b"glb"


def test_prebuilts_are_public_and_the_rest_private(s3_client, s3_bucket) -> None:
    store = S3BlobStore(s3_client, s3_bucket)
    store.apply_public_read_policy()
    policy = json.loads(s3_client.get_bucket_policy(Bucket=s3_bucket)["Policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{s3_bucket}/prebuilts/*"
    store.put("prebuilts/default-fem-01.glb", b"p")
    url = store.presigned_url("prebuilts/default-fem-01.glb")
    assert "X-Amz-Signature" not in url and url.endswith(f"/{s3_bucket}/prebuilts/default-fem-01.glb")
    assert "X-Amz-Signature" in store.presigned_url("avatars/u/a.glb")


def test_publish_copies_content_to_the_layout_path(store: S3BlobStore) -> None:
    obj = put_content(store, b"v1", "model/gltf-binary")
    published = publish(store, obj.key, "avatars/u/a.glb")
    assert published.sha256 == obj.sha256
    assert store.get("avatars/u/a.glb") == b"v1"
    assert [r.key for r in store.list("objects/")] == [obj.key]
