"""``studio prebuilts build`` / ``publish`` end to end, through the CLI: three procedural avatars built
in parallel, skipped when unchanged, one rebuilt when its metadata changes, a malformed source
reported without stopping the others; published to the local blob folder and to an S3 bucket
(the moto server), with catalogue rows in the local store and the remote PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from studio.app import open_studio
from studio.blobs import S3BlobStore
from studio.blobs.layout import object_key, prebuilt_key
from studio.cli import main
from studio.domain.supermesh import parse_supermesh
from studio.procedural.collection import PREBUILTS
from studio.services.make_avatar import avatar_bytes
from studio.store.engine import make_engine, read_session
from studio.store.models import Prebuilt
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server

IDS = ("default-fem-02", "default-masc-02", "default-masc-03")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("artist-src")
    for avatar_id in IDS:
        (src / f"{avatar_id}.vrm").write_bytes(avatar_bytes(parse_supermesh(PREBUILTS[avatar_id]), "vrm1"))
    (src / f"{IDS[0]}.json").write_text(json.dumps({"name": "Fem Two", "kind": "avatar"}))
    return src


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build_json(capsys: pytest.CaptureFixture[str], src: Path, out: Path) -> tuple[int, dict[str, Any]]:
    code, stdout, _ = run(
        capsys, "prebuilts", "build", str(src), "--out", str(out), "--workers", "2", "--json"
    )
    return code, json.loads(stdout)


def copy_tree(src: Path, dest: Path) -> Path:
    dest.mkdir()
    for path in src.iterdir():
        (dest / path.name).write_bytes(path.read_bytes())
    return dest


def test_build_in_parallel_then_skip_then_rebuild_one(
    sources: Path, tmp_path: Path, studio_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = copy_tree(sources, tmp_path / "src"), tmp_path / "out"
    code, stdout, _ = run(capsys, "prebuilts", "build", str(src), "--out", str(out), "--workers", "2")
    assert code == 0
    assert "3 items: 3 built, 0 skipped (unchanged), 0 failed" in stdout and "(2 workers)" in stdout
    for avatar_id in IDS:  # per-item row: sizes and validation
        line = next(li for li in stdout.splitlines() if li.startswith(avatar_id))
        assert "built" in line and "KB" in line and "glb 0 errors" in line and "vrm 0 errors" in line
    catalogue = json.loads((out / "catalogue.json").read_text())["items"]
    assert [(r["id"], r["name"]) for r in catalogue] == [
        (IDS[0], "Fem Two"),
        (IDS[1], IDS[1]),
        (IDS[2], IDS[2]),
    ]
    for row in catalogue:
        assert {k: (out / f["path"]).stat().st_size for k, f in row["files"].items()} == {
            k: f["size"] for k, f in row["files"].items()
        }

    code, report = build_json(capsys, src, out)
    assert code == 0 and (report["built"], report["skipped"]) == (0, 3)

    (src / f"{IDS[0]}.json").write_text(
        json.dumps({"name": "Fem Two (tinted)", "materials": {"Hair_00_HAIR": {"tint": "#aa3311"}}})
    )
    code, report = build_json(capsys, src, out)
    assert code == 0 and (report["built"], report["skipped"]) == (1, 2)
    assert [i["id"] for i in report["items"] if i["status"] == "built"] == [IDS[0]]


def test_malformed_source_is_reported_and_does_not_stop_the_others(
    sources: Path, tmp_path: Path, studio_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = copy_tree(sources, tmp_path / "src"), tmp_path / "out"
    (src / "aa-broken.vrm").write_bytes(b"this is not a VRM file at all")
    code, stdout, _ = run(capsys, "prebuilts", "build", str(src), "--out", str(out), "--workers", "2")
    assert code == 1
    assert "3 built, 0 skipped (unchanged), 1 failed" in stdout
    lines = stdout.splitlines()
    at = next(i for i, li in enumerate(lines) if li.startswith("aa-broken"))
    assert "failed" in lines[at] and lines[at + 1].strip().startswith("failed: aa-broken.vrm")
    assert "Traceback" not in stdout
    assert all((out / f"{i}.glb").is_file() for i in IDS)


def test_publish_to_the_local_blob_folder(
    sources: Path, tmp_path: Path, studio_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(capsys, "prebuilts", "build", str(sources), "--out", str(out), "--workers", "2")[0] == 0
    code, stdout, _ = run(capsys, "prebuilts", "publish", str(out))
    assert code == 0 and "3 published to LocalBlobStore, rows in 1 database(s)" in stdout
    studio = open_studio()
    catalogue = {r["id"]: r for r in json.loads((out / "catalogue.json").read_text())["items"]}
    with read_session(studio.engine) as s:
        rows = {r.id: r for r in s.scalars(select(Prebuilt))}
    assert sorted(rows) == sorted(IDS)
    for avatar_id, row in rows.items():
        files = catalogue[avatar_id]["files"]
        assert row.glb_url == object_key(files["glb"]["sha256"])
        assert studio.blob_store.get(row.glb_url) == (out / files["glb"]["path"]).read_bytes()
        assert (
            studio.blob_store.get(prebuilt_key(avatar_id, "webp"))
            == (out / files["webp"]["path"]).read_bytes()
        )
        assert (
            row.size_bytes == files["glb"]["size"]
            and row.content_hash == catalogue[avatar_id]["content_hash"]
        )
        assert row.metadata_["prebuilt"]["public"]["glb"] == f"prebuilts/{avatar_id}.glb"
        assert row.metadata_["prebuilt"]["validation"]["glb"] == {"errors": 0, "warnings": 0}
    assert rows[IDS[0]].name == "Fem Two"
    # publishing again uploads nothing new and keeps one row per item
    code, stdout, _ = run(capsys, "prebuilts", "publish", str(out), "--json")
    assert code == 0 and all(i["uploaded"] == 0 for i in json.loads(stdout)["items"])


@pytest.mark.s3
@pytest.mark.postgres
def test_publish_to_s3_and_the_remote_database(
    sources: Path,
    tmp_path: Path,
    studio_home: Path,
    capsys: pytest.CaptureFixture[str],
    s3_server: S3Server,
    s3_bucket: str,
    s3_client: Any,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "STUDIO_S3_BUCKET": s3_bucket,
        "STUDIO_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "STUDIO_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "STUDIO_REMOTE_DATABASE_URL": pg_url,
    }.items():
        monkeypatch.setenv(name, value)
    S3BlobStore(s3_client, s3_bucket).apply_public_read_policy()  # the deployment opens prebuilts/ once
    out = tmp_path / "out"
    (tmp_path / "src").mkdir()
    for avatar_id in IDS[:2]:
        (tmp_path / "src" / f"{avatar_id}.vrm").write_bytes((sources / f"{avatar_id}.vrm").read_bytes())
    assert run(capsys, "prebuilts", "build", str(tmp_path / "src"), "--out", str(out))[0] == 0
    code, stdout, _ = run(capsys, "prebuilts", "publish", str(out), "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["databases"] == 2
    keys = {o["Key"] for o in s3_client.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert {prebuilt_key(i, k) for i in IDS[:2] for k in ("glb", "vrm", "webp")} <= keys
    for item in report["items"]:  # the public URL serves the file the build wrote
        response = httpx.get(item["urls"]["glb"])
        assert "X-Amz-Signature" not in item["urls"]["glb"] and response.status_code == 200
        assert response.content == (out / f"{item['id']}.glb").read_bytes()
        head = s3_client.head_object(Bucket=s3_bucket, Key=item["keys"]["glb"])
        assert head["Metadata"]["sha256"] == item["keys"]["glb"].replace("objects/sha256/", "").replace(
            "/", ""
        )
    remote = make_engine(pg_url)
    try:
        with read_session(remote) as s:
            remote_rows = {r.id: r.glb_url for r in s.scalars(select(Prebuilt))}
    finally:
        remote.dispose()
    assert remote_rows == {i["id"]: i["keys"]["glb"] for i in report["items"]}
    with read_session(open_studio().engine) as s:
        assert {r.id for r in s.scalars(select(Prebuilt))} == set(IDS[:2])


def test_publish_refuses_a_folder_that_was_not_built_or_was_changed(
    sources: Path, tmp_path: Path, studio_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "prebuilts", "publish", str(tmp_path))
    assert code == 1 and "no catalogue.json" in err
    out = tmp_path / "out"
    src = tmp_path / "src"
    src.mkdir()
    (src / f"{IDS[0]}.vrm").write_bytes((sources / f"{IDS[0]}.vrm").read_bytes())
    assert run(capsys, "prebuilts", "build", str(src), "--out", str(out), "--workers", "1")[0] == 0
    (out / f"{IDS[0]}.webp").write_bytes(b"RIFF....WEBP tampered")
    code, _, err = run(capsys, "prebuilts", "publish", str(out))
    assert code == 1 and "changed since it was built" in err
    with read_session(open_studio().engine) as s:
        assert list(s.scalars(select(Prebuilt))) == []  # nothing half-published


def test_parallel_build_stops_cleanly_on_cancel_and_interrupt(sources: Path, tmp_path: Path) -> None:
    import multiprocessing

    from studio.domain.errors import CancelledError
    from studio.services.prebuilts import build_prebuilts, load_catalogue

    out = tmp_path / "out"
    seen: list[str] = []
    with pytest.raises(CancelledError):
        build_prebuilts(
            sources, out, workers=2, progress=lambda item, *_: seen.append(item.id), cancel=lambda: bool(seen)
        )
    assert multiprocessing.active_children() == []  # the pool is shut down, no worker left behind
    kept = load_catalogue(out)
    assert kept and all(row["status"] == "built" for row in kept.values())

    def interrupt(item: Any, done: int, total: int) -> None:  # what Ctrl-C in the loop looks like
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_prebuilts(sources, tmp_path / "out2", workers=2, progress=interrupt)
    assert multiprocessing.active_children() == []
    report = build_prebuilts(sources, out, workers=2)
    assert report.ok and report.count("skipped") == len(kept)
