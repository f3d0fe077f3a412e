"""`studio sync` end to end: settings from the environment, real PostgreSQL, the local S3 server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from studio.blobs import S3BlobStore
from studio.cli import main
from studio.gltf.glb import pack_glb
from studio.store.engine import make_engine
from studio.store.models import WardrobeEntry
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


@pytest.fixture
def configured(
    studio_home: Path, pg_url: str, s3_server: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    env = {
        "STUDIO_REMOTE_DATABASE_URL": pg_url,
        "STUDIO_S3_BUCKET": s3_bucket,
        "STUDIO_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "STUDIO_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "STUDIO_USERNAME": "alice",
        "STUDIO_ADDRESS": "0x" + "0" * 60 + "beef",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return pg_url


def test_sync_cli_pushes_a_local_file_and_reports(
    configured: str, tmp_path: Path, s3_server: Any, s3_bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    glb = tmp_path / "knight.glb"
    doc = {"asset": {"version": "2.0"}, "nodes": [{"name": "Knight"}], "scenes": [{"nodes": [0]}]}
    glb.write_bytes(pack_glb(doc))
    assert main(["wardrobe", "add", str(glb), "--name", "Knight", "--activate"]) == 0
    capsys.readouterr()
    assert main(["sync", "status"]) == 0
    assert "pending changes: 1" in capsys.readouterr().out
    assert main(["sync", "--dry-run"]) == 0
    assert "would push 1 change(s)" in capsys.readouterr().out
    assert main(["sync"]) == 0
    assert "pushed 1" in capsys.readouterr().out
    engine = make_engine(configured)
    with engine.connect() as conn:
        [row] = conn.execute(select(WardrobeEntry.__table__)).mappings().all()
    engine.dispose()
    # The import wrote the file locally (offline-first); the push uploaded it as a content-addressed
    # object the row points at, plus the seed-004 layout copy avatars/{userId}/{avatarId}.glb.
    remote = S3BlobStore(s3_server.client(), s3_bucket)
    assert row["glb_url"].startswith("objects/sha256/") and remote.get(row["glb_url"]) == glb.read_bytes()
    layout = [r.key for r in remote.list("avatars/") if r.key.endswith(f"/{row['id']}.glb")]
    assert len(layout) == 1 and remote.get(layout[0]) == glb.read_bytes()
    assert main(["sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pushed"] == 0
    assert main(["sync", "gc", "--grace-hours", "0"]) == 0
    assert "deleted 0" in capsys.readouterr().out
    assert remote.get(row["glb_url"]) == glb.read_bytes()  # GC keeps files live rows name directly


def test_sync_without_a_server_is_a_clear_error(
    studio_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_USERNAME", "alice")
    monkeypatch.setenv("STUDIO_ADDRESS", "0x1")
    assert main(["sync"]) == 1
    assert "sync is not set up" in capsys.readouterr().err
    assert main(["sync", "gc", "--grace-hours", "-1"]) == 1
