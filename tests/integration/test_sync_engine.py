"""The sync engine between two devices, against real PostgreSQL and the local S3 server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from studio.blobs.layout import avatar_key
from studio.store.models import User, WardrobeEntry
from tests.fixtures.sync_world import World

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


def server_entries(world: World, include_deleted: bool = False) -> dict[str, dict[str, Any]]:
    t = WardrobeEntry.__table__
    with world.pg.connect() as conn:
        rows = conn.execute(select(t)).mappings().all()
    return {str(r["id"]): dict(r) for r in rows if include_deleted or r["deleted_at"] is None}


def test_entry_made_offline_reaches_the_other_device_with_its_file(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    key = a.asset(b"glTF avatar one")
    entry = a.wardrobe.add(a.me, key, name="Knight", metadata={"hair": "long"}, activate=True)
    report = a.sync()
    assert report.pushed == 1 and report.uploaded_blobs == 1
    assert report.pulled == 0  # its own push coming back is not news ("0 received")
    assert world.remote_store().get(key) == b"glTF avatar one"
    # The layout path the game world loads is a copy of the content object.
    assert world.remote_store().get(avatar_key(_user_id(world), str(entry.id), "glb")) == b"glTF avatar one"
    assert b.sync().pulled >= 1
    [got] = b.wardrobe.list(b.me)
    assert (got.id, got.name, got.metadata, got.is_active) == (entry.id, "Knight", {"hair": "long"}, True)
    assert a.sync().pulled == 0
    assert b.blobs.get(key) == b"glTF avatar one"
    with b.engine.connect() as conn:
        assert conn.execute(select(User.__table__.c.avatar_url)).scalar() == key


def _user_id(world: World) -> str:
    with world.pg.connect() as conn:
        return str(conn.execute(select(User.__table__.c.id)).scalar())


def test_edits_to_different_fields_merge(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    entry = a.wardrobe.add(a.me, a.asset(b"x"), name="Knight", metadata={"hair": "long", "tint": "#fff"})
    a.sync()
    b.sync()
    a.wardrobe.update(a.me, entry.id, metadata={"hair": "short", "tint": "#fff"})
    b.wardrobe.update(b.me, entry.id, name="Paladin", metadata={"hair": "long", "tint": "#000"})
    a.sync()
    report = b.sync()
    a.sync()
    assert report.merged == 1 and report.conflicts == []
    for client in (a, b):
        [got] = client.wardrobe.list(client.me)
        assert (got.name, got.metadata) == ("Paladin", {"hair": "short", "tint": "#000"})


def test_same_field_edited_twice_keeps_both(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    entry = a.wardrobe.add(a.me, a.asset(b"x"), name="Knight", metadata={"tint": "#fff"})
    a.sync()
    b.sync()
    a.wardrobe.update(a.me, entry.id, metadata={"tint": "#f00"})
    b.wardrobe.update(b.me, entry.id, metadata={"tint": "#00f"})
    a.sync()
    report = b.sync()
    a.sync()
    [note] = report.conflicts
    assert note.copy_name == "Knight (conflict from desktop)"
    assert "metadata.tint" in note.message()
    for client in (a, b):
        got = {e.name: e.metadata["tint"] for e in client.wardrobe.list(client.me)}
        assert got == {"Knight": "#f00", "Knight (conflict from desktop)": "#00f"}


def test_delete_wins_but_an_unseen_edit_survives_as_a_copy(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    entry = a.wardrobe.add(a.me, a.asset(b"x"), name="Knight")
    a.sync()
    b.sync()
    a.wardrobe.delete(a.me, entry.id)
    b.wardrobe.update(b.me, entry.id, name="Knight v2")
    a.sync()
    b.sync()
    a.sync()
    for client in (a, b):
        names = sorted(e.name for e in client.wardrobe.list(client.me))
        assert names == ["Knight v2 (conflict from desktop)"]
        assert str(entry.id) not in client.entries()
    assert str(entry.id) in server_entries(world, include_deleted=True)
    assert str(entry.id) not in server_entries(world)


def test_lost_answer_after_commit_is_not_applied_twice(world: World) -> None:
    a = world.client("laptop")
    a.wardrobe.add(a.me, a.asset(b"x"), name="Knight")
    real_begin = a.sync_engine.remote_db.begin

    class LostAnswer(Exception):
        pass

    import contextlib

    @contextlib.contextmanager
    def begin_then_drop():
        with real_begin() as conn:
            yield conn
        raise LostAnswer

    a.sync_engine.remote_db.begin = begin_then_drop  # type: ignore[method-assign]
    with pytest.raises(LostAnswer):
        a.sync()
    a = a.crash()
    report = a.sync()
    assert report.pushed == 1
    assert len(server_entries(world)) == 1
    with world.pg.connect() as conn:
        assert conn.execute(text("SELECT version FROM avatar_wardrobe")).scalar() == 1


def test_dry_run_and_status_change_nothing(world: World) -> None:
    a = world.client("laptop")
    a.wardrobe.add(a.me, a.asset(b"x"), name="Knight")
    preview = a.sync_engine.preview()
    assert preview.pending_push == 1 and preview.dry_run
    assert server_entries(world) == {}
    assert a.sync_engine.status().pending == 1
    a.sync()
    status = a.sync_engine.status()
    assert status.pending == 0 and status.cursor > 0 and status.device.startswith("laptop#")


def test_edit_made_while_a_push_is_in_flight_is_kept(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    entry = a.wardrobe.add(a.me, a.asset(b"x"), name="Knight", metadata={"tint": "#fff"})
    a.sync()
    b.sync()
    b.wardrobe.update(b.me, entry.id, metadata={"tint": "#fff", "hair": "long"})
    b.sync()
    a.wardrobe.update(a.me, entry.id, name="Paladin")
    real_commit = a.sync_engine._commit_row

    def commit_then_user_edits(*args: Any, **kwargs: Any) -> Any:
        result = real_commit(*args, **kwargs)
        a.wardrobe.update(a.me, entry.id, metadata={"tint": "#f00"})  # the UI thread, mid-push
        return result

    a.sync_engine._commit_row = commit_then_user_edits  # type: ignore[method-assign]
    a.sync()
    a.sync_engine._commit_row = real_commit  # type: ignore[method-assign]
    a.sync()
    b.sync()
    for client in (a, b):
        [got] = client.wardrobe.list(client.me)
        assert got.name == "Paladin"
        assert got.metadata == {"tint": "#f00", "hair": "long"}  # the other device's key survives


def test_two_devices_pushing_at_the_same_moment(world: World) -> None:
    import threading

    a, b = world.client("laptop"), world.client("desktop")
    entry = a.wardrobe.add(a.me, a.asset(b"x"), name="Knight", metadata={})
    a.sync()
    b.sync()
    for round_ in range(8):
        a.wardrobe.update(a.me, entry.id, metadata={**a.wardrobe.list(a.me)[0].metadata, f"a{round_}": 1})
        b.wardrobe.update(b.me, entry.id, metadata={**b.wardrobe.list(b.me)[0].metadata, f"b{round_}": 1})
        threads = [threading.Thread(target=c.sync) for c in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for _ in range(2):
        a.sync()
        b.sync()
    want = {f"{side}{n}": 1 for side in "ab" for n in range(8)}
    for client in (a, b):
        [got] = client.wardrobe.list(client.me)
        assert got.metadata == want


def test_files_imported_before_sync_was_set_up_travel_by_content(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    a.blobs.put("avatars/alice/knight.glb", b"glTF imported offline")  # what an import wrote locally
    a.wardrobe.add(a.me, "avatars/alice/knight.glb", name="Knight")
    assert a.sync().uploaded_blobs == 1
    [row] = server_entries(world).values()
    assert row["glb_url"].startswith("objects/sha256/")
    assert [e.glb_url for e in a.wardrobe.list(a.me)] == [row["glb_url"]]
    b.sync()
    assert b.blobs.get(b.wardrobe.list(b.me)[0].glb_url) == b"glTF imported offline"
