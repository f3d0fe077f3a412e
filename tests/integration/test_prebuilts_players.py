"""Players see the published prebuilt collection (QA finding F9).

An artist builds and publishes two avatars (files to the suite's S3 bucket, rows to the artist's
store and the server's PostgreSQL); a player's device syncs and its picker lists them after the
six built-ins; adding one stores exactly the published source VRM; without the server nothing is
added; an item the artist unpublishes disappears at the next sync. docs/prebuilts.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from studio.app import make_s3_client
from studio.blobs import S3BlobStore
from studio.blobs.retry import RetryPolicy
from studio.domain.errors import OfflineError
from studio.domain.supermesh import parse_supermesh
from studio.procedural.collection import PREBUILTS
from studio.services.avatar_library import AvatarLibrary
from studio.services.make_avatar import avatar_bytes
from studio.services.prebuilt_previews import prebuilt_preview
from studio.services.prebuilts import build_prebuilts
from studio.services.publish_prebuilts import publish_prebuilts
from studio.services.wardrobe import WardrobeService
from studio.store.engine import read_session, write_session
from studio.store.models import Prebuilt
from studio.store.repositories import PrebuiltRepository
from tests.fixtures.sync_world import Client, World

pytestmark = [pytest.mark.postgres, pytest.mark.s3]

#: published id -> (the built-in it is made from, the name the artist gives it)
ITEMS = {"studio-aurora": ("default-fem-02", "Aurora"), "studio-basil": ("default-masc-03", "Basil")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The artist's build folder: two avatars from VRM sources, each with a name."""
    src = tmp_path_factory.mktemp("artist-src")
    for item_id, (base, name) in ITEMS.items():
        (src / f"{item_id}.vrm").write_bytes(avatar_bytes(parse_supermesh(PREBUILTS[base]), "vrm1"))
        (src / f"{item_id}.json").write_text(json.dumps({"name": name, "kind": "avatar"}))
    out = tmp_path_factory.mktemp("artist-out")
    report = build_prebuilts(src, out, workers=2)
    assert report.ok
    return out


def publish(world: World, built: Path) -> Client:
    artist = world.client("artist")
    report = publish_prebuilts(built, world.remote_store(), [artist.engine, world.pg])
    assert sorted(i.id for i in report.items) == sorted(ITEMS) and report.databases == 2
    return artist


def library(client: Client, remote: Any) -> AvatarLibrary:
    return AvatarLibrary(WardrobeService(client.engine, client.blobs), remote)


def local_rows(client: Client) -> dict[str, Prebuilt]:
    with read_session(client.engine) as s:
        return {r.id: r for r in s.scalars(select(Prebuilt))}


def test_player_sees_adds_and_loses_published_avatars(world: World, built: Path, tmp_path: Path) -> None:
    publish(world, built)
    phone = world.client("phone")
    player = library(phone, world.remote_store)
    assert [p.id for p in player.prebuilts()] == list(PREBUILTS)  # before syncing: the built-ins

    report = phone.sync()
    assert report.catalogue == 2 and "2 prebuilt catalogue change(s)" in report.summary()
    listed = player.prebuilts()
    assert [p.id for p in listed] == [*PREBUILTS, "studio-aurora", "studio-basil"]
    assert [(p.name, p.published) for p in listed[-2:]] == [("Aurora", True), ("Basil", True)]
    rows = local_rows(phone)
    assert all(not phone.blobs.exists(r.source_url or "") for r in rows.values())  # rows only

    entry = player.add_prebuilt(phone.me, "studio-aurora")
    source = (built / "studio-aurora.vrm").read_bytes()
    assert entry.source_url is not None and phone.blobs.get(entry.source_url) == source
    assert (entry.name, entry.avatar_type, entry.is_active) == ("Aurora", "vrm", True)
    assert entry.metadata == {"base": "studio-aurora"}

    # the picker's portrait is the published webp, fetched once and kept on this device
    webp = (built / "studio-aurora.webp").read_bytes()
    portrait = prebuilt_preview("studio-aurora", tmp_path / "cache", published=player.prebuilt_thumbnail)
    assert portrait == webp and phone.blobs.get(str(rows["studio-aurora"].thumbnail_url)) == webp
    assert not (tmp_path / "cache").exists()  # nothing rendered

    with write_session(world.pg) as s:  # the artist unpublishes Basil
        s.execute(delete(Prebuilt).where(Prebuilt.id == "studio-basil"))
    assert phone.sync().catalogue == 1
    assert [p.id for p in player.prebuilts()] == [*PREBUILTS, "studio-aurora"]
    assert sorted(local_rows(phone)) == ["studio-aurora"]
    assert [e.name for e in player.wardrobe.list(phone.me)] == ["Aurora"]  # the player's copy stays


def test_adding_without_the_server_fails_cleanly(world: World, built: Path) -> None:
    publish(world, built)
    phone = world.client("phone")
    phone.sync()
    dead = S3BlobStore(
        make_s3_client("http://127.0.0.1:9", "key", "secret", "us-east-1"),
        world.bucket,
        retry=RetryPolicy(attempts=2, sleep=lambda _s: None),
    )
    for remote in (None, lambda: None, lambda: dead):  # no server set, none configured, unreachable
        player = library(phone, remote)
        with pytest.raises(OfflineError, match="connect to the server to add 'Basil'"):
            player.add_prebuilt(phone.me, "studio-basil")
        assert player.wardrobe.list(phone.me) == []
        assert player.prebuilt_thumbnail("studio-basil") is None
        portrait = prebuilt_preview("studio-basil", Path("/nonexistent"), published=player.prebuilt_thumbnail)
        assert portrait is None  # the picker shows the name alone
    assert list(phone.blobs.list("objects/")) == []  # nothing half-added

    entry = library(phone, world.remote_store).add_prebuilt(phone.me, "studio-basil")  # back online
    assert phone.blobs.get(entry.source_url or "") == (built / "studio-basil.vrm").read_bytes()


def test_the_server_wins_and_local_only_rows_stay(world: World, built: Path) -> None:
    publish(world, built)
    phone = world.client("phone")
    phone.sync()
    with write_session(world.pg) as s:  # the artist renames Aurora and says what she wears
        row = PrebuiltRepository(s).get("studio-aurora")
        assert row is not None
        PrebuiltRepository(s).upsert(
            "studio-aurora", name="Aurora II", metadata_={**row.metadata_, "clothing": ["tops-tshirt-01"]}
        )
    with write_session(phone.engine) as s:  # a row this device published without the server
        PrebuiltRepository(s).upsert("mine-only", name="Mine", kind="avatar", glb_url="objects/none")
    assert phone.sync().catalogue == 1
    rows = local_rows(phone)
    assert rows["studio-aurora"].name == "Aurora II" and "mine-only" in rows

    player = library(phone, world.remote_store)
    entry = player.add_prebuilt(phone.me, "studio-aurora")
    assert entry.metadata == {"base": "studio-aurora", "clothing": ["tops-tshirt-01"]}
    assert entry.name == "Aurora II"


def test_the_players_app_lists_and_adds_through_its_settings(
    world: World, built: Path, pg_url: str, s3_server: Any, studio_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The composition root's wiring: ``studio sync`` then ``studio.avatars`` on a configured app."""
    from studio.app import open_studio
    from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY
    from tests.fixtures.sync_world import ADDRESS

    publish(world, built)
    for name, value in {
        "STUDIO_S3_BUCKET": world.bucket,
        "STUDIO_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "STUDIO_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "STUDIO_REMOTE_DATABASE_URL": pg_url,
        "STUDIO_USERNAME": world.username,
        "STUDIO_ADDRESS": ADDRESS,
    }.items():
        monkeypatch.setenv(name, value)
    studio = open_studio()
    assert studio.sync.sync_now().catalogue == 2
    assert [p.name for p in studio.avatars.prebuilts() if p.published] == ["Aurora", "Basil"]
    entry = studio.avatars.add_prebuilt(studio.identity(), "studio-basil")
    assert studio.read_blob(entry.source_url or "") == (built / "studio-basil.vrm").read_bytes()
