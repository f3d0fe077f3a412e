"""Which refs a synced row carries, and how a push turns local-only files into content keys."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from studio.blobs import LocalBlobStore, put_content
from studio.blobs.base import sha256_bytes
from studio.blobs.layout import generation_key, object_key
from studio.domain.identity import Identity
from studio.services.gallery import GalleryService
from studio.services.profiles import ProfileService
from studio.store.engine import make_engine
from studio.sync import tables
from studio.sync.backfill import queue_unsent_files
from studio.sync.blobsync import blob_values, content_keys, import_local_files
from studio.sync.entities import LOGS, PROFILES, WARDROBE
from studio.sync.outbox import track_changes, untrack

FAL_LINK = "https://v3.fal.media/files/penguin/portrait.png"
ME = Identity.of("alice", "0x" + "0" * 60 + "beef")


def test_list_columns_give_every_content_key_once() -> None:
    one, two = object_key("a" * 64), object_key("b" * 64)
    row = {"image_url": one, "image_urls": [one, FAL_LINK, two, "generations/alice/g-2.png"]}
    assert content_keys(LOGS, row) == [one, two]
    assert blob_values(["x", None, 3, ""]) == ["x"]
    assert blob_values(None) == [] and blob_values("y") == ["y"]
    assert content_keys(PROFILES, {"avatar_url": two}) == [two]


def test_import_rewrites_kept_portraits_and_leaves_links_and_unknown_keys(tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "blobs")
    kept = generation_key("alice", "g1", 0)
    local.put(kept, b"portrait zero", "image/png")
    gone = generation_key("alice", "g1", 1)  # named, but this device never had it
    already = put_content(local, b"portrait two").key
    row = {"id": "g1", "image_url": kept, "image_urls": [kept, gone, FAL_LINK, already]}

    out = import_local_files(local, LOGS, row)

    content = object_key(sha256_bytes(b"portrait zero"))
    assert out["image_url"] == content and out["image_urls"] == [content, gone, FAL_LINK, already]
    assert local.get(content) == b"portrait zero"
    assert row["image_urls"][0] == kept  # the input row is not changed in place
    assert import_local_files(local, LOGS, out) == out  # a second push changes nothing


def test_a_chosen_portrait_and_a_profile_with_no_file_behave_the_same_way(tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "blobs")
    kept = generation_key("alice", "g1", 3)
    local.put(kept, b"chosen", "image/png")
    assert import_local_files(local, PROFILES, {"avatar_url": kept})["avatar_url"] == object_key(
        sha256_bytes(b"chosen")
    )
    assert import_local_files(local, PROFILES, {"avatar_url": None}) == {"avatar_url": None}
    assert import_local_files(local, WARDROBE, {"glb_url": FAL_LINK})["glb_url"] == FAL_LINK


def test_rows_pushed_before_their_images_travelled_are_queued_once(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    local = LocalBlobStore(tmp_path / "blobs")
    kept = generation_key("alice", "g1", 0)
    GalleryService(engine).record(
        "g1", "alice", "a knight", status="success", image_url=kept, image_urls=[kept]
    )
    GalleryService(engine).record("g2", "alice", "a mage", status="success", image_urls=[FAL_LINK])
    ProfileService(engine).ensure(ME)
    track_changes(engine)  # rows above count as acknowledged: the outbox is empty
    try:
        with engine.begin() as conn:
            assert queue_unsent_files(conn, local, "alice") == 0  # no local file: nothing to send
        local.put(kept, b"portrait", "image/png")
        ProfileService(engine).set_my_avatar(ME, kept)  # a pending edit: its push imports it anyway
        with engine.begin() as conn:
            assert queue_unsent_files(conn, local, "alice") == 1
            assert queue_unsent_files(conn, local, "alice") == 0  # already waiting for its push
            assert queue_unsent_files(conn, local, "bob") == 0
            queued = conn.execute(select(tables.outbox.c.entity, tables.outbox.c.row_key)).all()
        assert sorted(queued) == [("avatar_generation_logs", "g1"), ("player_profiles", "alice")]
    finally:
        untrack(engine)
        engine.dispose()
