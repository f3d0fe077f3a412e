from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from studio.app import Studio
from studio.blobs import LocalBlobStore, S3BlobStore
from studio.settings import Settings


def test_local_folder_is_the_default(tmp_path: Path) -> None:
    studio = Studio(Settings(data_dir=tmp_path).resolved())
    assert isinstance(studio.blob_store, LocalBlobStore)
    assert studio.blob_store.root == tmp_path / "blobs"


def test_s3_when_a_bucket_is_set_with_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    settings = Settings(data_dir=tmp_path, s3_bucket="avatars", s3_endpoint_url="http://127.0.0.1:9",
                        s3_access_key_id="AKIDEXAMPLE", presign_expiry_seconds=300)  # fmt: skip
    store = Studio(settings.resolved()).blob_store
    assert isinstance(store, S3BlobStore) and store.bucket == "avatars"
    url = store.presigned_url("avatars/u/a.glb")  # signing is local: no request is sent
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "AKIDEXAMPLE" in query["X-Amz-Credential"][0]
    assert store.presigned_url("prebuilts/p.glb") == "http://127.0.0.1:9/avatars/prebuilts/p.glb"
