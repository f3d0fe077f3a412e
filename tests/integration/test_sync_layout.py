"""One layout per player: imported, edited and synced avatars live under ``avatars/{users.id}/``.

Seed 004 (Phase 2) puts a wardrobe entry's files at ``avatars/{userId}/{avatarId}.glb|.vrm|.webp``.
Imports store content (``objects/sha256/...``) and sync makes the layout copies with the
server's ``users.id``: nothing is ever stored under the username. Real PostgreSQL + local S3.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studio.blobs.layout import OBJECTS_PREFIX, avatar_key
from studio.services.wardrobe import WardrobeService
from studio.store.models import User
from studio.sync.gc import collect_local, collect_remote
from tests.fixtures.paths import DATA_DIR
from tests.fixtures.sync_world import Client, World

pytestmark = [pytest.mark.postgres, pytest.mark.s3]

VRM = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
GLB = DATA_DIR / "vrm" / "addon_triangle.vrm"


def importer(client: Client) -> WardrobeService:
    return WardrobeService(client.engine, client.blobs)


def server_user_id(world: World) -> str:
    with world.pg.connect() as conn:
        [user_id] = conn.execute(select(User.__table__.c.id)).scalars().all()
    return str(user_id)


def remote_keys(world: World) -> list[str]:
    return [ref.key for ref in world.remote_store().list("")]


def test_import_edit_and_sync_keep_every_file_of_the_player_under_one_prefix(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    knight = importer(a).import_avatar(a.me, VRM, name="Knight", activate=True)
    a.sync()
    b.sync()
    # Edits on both devices, a second import on the other one, and a delete.
    importer(a).update(a.me, knight.id, name="Knight v2", metadata={"hair": "fem-long-03"})
    mage = importer(b).import_avatar(b.me, GLB, name="Mage")
    temp = importer(b).import_avatar(b.me, GLB, name="Temp")
    b.sync()
    importer(b).delete(b.me, temp.id)
    for client in (a, b, a):
        client.sync()

    user_id = server_user_id(world)
    keys = remote_keys(world)
    layout = sorted(k for k in keys if not k.startswith(OBJECTS_PREFIX))
    # Every non-content object of the player is under avatars/{users.id}/, and only live entries.
    assert layout and all(k.startswith(f"avatars/{user_id}/") for k in layout), layout
    assert not [k for k in keys if "alice" in k]
    for entry, kinds in ((knight, ("glb", "vrm", "webp")), (mage, ("glb", "vrm", "webp"))):
        for kind in kinds:
            assert avatar_key(user_id, str(entry.id), kind) in layout
    assert not [k for k in layout if str(temp.id) in k]  # a deleted entry's layout copies are gone
    # The layout copy is the row's file, byte for byte.
    [row] = [e for e in a.wardrobe.list(a.me) if e.id == knight.id]
    assert row.name == "Knight v2" and row.metadata == {"hair": "fem-long-03"}
    remote = world.remote_store()
    layout_vrm = remote.get(avatar_key(user_id, str(knight.id), "vrm"))
    assert layout_vrm == VRM.read_bytes() == remote.get(row.glb_url)
    # Locally nothing is written outside the content area either.
    for client in (a, b):
        assert [r.key for r in client.blobs.list("") if not r.key.startswith(OBJECTS_PREFIX)] == []


def test_files_an_older_version_stored_under_the_username_stay_readable_then_move(world: World) -> None:
    """Local stores made before this change hold ``avatars/{username}/...`` keys that rows name."""
    a = world.client("laptop")
    legacy = "avatars/alice/0b1c2d3e-0000-4000-8000-000000000001.vrm"
    a.blobs.put(legacy, VRM.read_bytes())
    entry = a.wardrobe.add(a.me, legacy, name="Old knight", source_url=legacy)
    assert a.blobs.get(entry.glb_url) == VRM.read_bytes()  # still readable before any sync
    # ...and an old S3 copy under the username, as a version writing straight to S3 left it.
    world.remote_store().put(legacy, VRM.read_bytes())
    a.sync()
    [row] = a.wardrobe.list(a.me)
    assert row.glb_url.startswith(OBJECTS_PREFIX) and a.blobs.get(row.glb_url) == VRM.read_bytes()
    # GC repairs the layout: the username copy goes, the users.id copies stay.
    collect_remote(world.pg, world.remote_store(), grace=timedelta(0))
    user_id = server_user_id(world)
    layout = [k for k in remote_keys(world) if not k.startswith(OBJECTS_PREFIX)]
    assert sorted(layout) == sorted(avatar_key(user_id, str(entry.id), kind) for kind in ("glb", "vrm"))
    # Local GC drops the old local copy once no row names it (after the grace period only).
    assert collect_local(a.engine, a.blobs, grace=timedelta(hours=1)).deleted == 0
    assert a.blobs.exists(legacy)
    collect_local(a.engine, a.blobs, grace=timedelta(0))
    assert not a.blobs.exists(legacy) and a.blobs.get(row.glb_url) == VRM.read_bytes()
