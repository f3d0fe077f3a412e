"""Row-level security on the real PostgreSQL server: a player's connection writes only its own rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from studio.domain.errors import ConflictError, PermissionDeniedError
from studio.domain.identity import Identity
from studio.services.gallery import GalleryService
from studio.services.inventory import InventoryService
from studio.services.profiles import ProfileService
from studio.services.wardrobe import WardrobeService
from studio.store.engine import make_engine
from studio.store.rls import act_as, user_engine

pytestmark = pytest.mark.postgres

ALICE = Identity.of("alice", "0xa11ce")
BOB = Identity.of("bob", "0xb0b")


@pytest.fixture
def world(pg_url: str) -> Iterator[dict[str, Engine]]:
    """Bob's rows made by the owner; engines acting for alice, bob, the public and an artist."""
    owner = make_engine(pg_url)
    ProfileService(owner).ensure(BOB)
    GalleryService(owner).record("bob-public", "bob", "knight", status="success", image_urls=["b1"])
    GalleryService(owner).record("bob-private", "bob", "secret", status="success", is_public=False)
    WardrobeService(owner).add(BOB, "s3://b/1.glb", activate=True)
    InventoryService(owner).grant(BOB, "hair", "h-1", "s3://h.glb")
    engines = {
        "owner": owner,
        "alice": user_engine(pg_url, "alice"),
        "bob": user_engine(pg_url, "bob"),
        "public": user_engine(pg_url, None, role="studio_public"),
        "artist": user_engine(pg_url, "ada", role="studio_artist"),
    }
    yield engines
    for engine in engines.values():
        engine.dispose()


TABLE_OWNER_FILTERS = {
    "player_profiles": "cartridge_username = 'bob'",
    "users": "cartridge_username = 'bob'",
    "avatar_generation_logs": "cartridge_username = 'bob'",
    "avatar_wardrobe": "user_id = (SELECT id FROM users WHERE cartridge_username = 'bob')",
    "avatar_inventory": "user_id = (SELECT id FROM users WHERE cartridge_username = 'bob')",
}


def _count(engine: Engine, table: str, where: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())


@pytest.mark.parametrize("table", sorted(TABLE_OWNER_FILTERS))
def test_alice_cannot_update_or_delete_bobs_rows(world: dict[str, Engine], table: str) -> None:
    where = TABLE_OWNER_FILTERS[table]
    before = _count(world["owner"], table, where)
    assert before >= 1
    with world["alice"].begin() as conn:
        updated = conn.execute(text(f"UPDATE {table} SET version = version + 100 WHERE {where}"))
        deleted = conn.execute(text(f"DELETE FROM {table} WHERE {where}"))
    assert (updated.rowcount, deleted.rowcount) == (0, 0)  # the policy hides Bob's rows from Alice's writes
    assert _count(world["owner"], table, where) == before
    assert _count(world["owner"], table, f"{where} AND version >= 100") == 0


def test_bob_can_update_his_own_rows(world: dict[str, Engine]) -> None:
    with world["bob"].begin() as conn:
        assert conn.execute(text("UPDATE player_profiles SET avatar_url = 'mine'")).rowcount == 1


def test_alice_cannot_write_rows_in_bobs_name(world: dict[str, Engine]) -> None:
    with pytest.raises(ProgrammingError, match="row-level security"), world["alice"].begin() as conn:
        conn.execute(
            text("INSERT INTO player_profiles (cartridge_username, player_address) VALUES ('bob2', '0x1')")
        )
    with pytest.raises(ProgrammingError, match="row-level security"), world["alice"].begin() as conn:
        conn.execute(
            text("INSERT INTO avatar_generation_logs (id, cartridge_username, prompt, status) "
                 "VALUES ('forged', 'bob', 'p', 'success')")
        )  # fmt: skip


def test_services_acting_for_alice_are_refused_on_bobs_rows(world: dict[str, Engine]) -> None:
    as_alice = world["alice"]
    bob_entry = WardrobeService(world["owner"]).list(BOB)[0]
    assert WardrobeService(as_alice).list(BOB) == []  # Bob's wardrobe is private
    with pytest.raises(PermissionDeniedError):
        ProfileService(as_alice).ensure(BOB)  # cannot create/claim Bob's profile
    with pytest.raises(PermissionDeniedError):
        GalleryService(as_alice).record("g-forged", "bob", "p")
    with pytest.raises((PermissionDeniedError, ConflictError)):
        GalleryService(as_alice).update("bob-public", status="failed")
    assert GalleryService(world["owner"]).log("bob-public").status == "success"  # type: ignore[union-attr]
    assert WardrobeService(world["owner"]).list(BOB)[0] == bob_entry
    # Alice's own work goes through.
    ProfileService(as_alice).ensure(ALICE)
    entry = WardrobeService(as_alice).add(ALICE, "s3://a/1.glb", activate=True)
    assert WardrobeService(as_alice).active(ALICE) == entry


def test_public_reads_profiles_and_the_gallery_but_writes_nothing(world: dict[str, Engine]) -> None:
    public = world["public"]
    assert ProfileService(public).get("bob") is not None
    assert [i.id for i in GalleryService(public).page().items] == ["bob-public"]
    assert GalleryService(public).log("bob-private") is None  # private log of someone else
    assert GalleryService(world["bob"]).log("bob-private") is not None  # ... visible to its owner
    with pytest.raises(ProgrammingError, match="permission denied"), public.begin() as conn:
        conn.execute(text("UPDATE player_profiles SET avatar_url = 'x'"))


def test_only_artists_write_prebuilts(world: dict[str, Engine]) -> None:
    insert = text(
        "INSERT INTO prebuilts (id, name, kind, glb_url) VALUES ('default-fem-01', 'F', 'avatar', 'g')"
    )
    with pytest.raises(ProgrammingError, match="permission denied"), world["alice"].begin() as conn:
        conn.execute(insert)
    with world["artist"].begin() as conn:
        conn.execute(insert)
    with world["alice"].connect() as conn:
        assert conn.execute(text("SELECT name FROM prebuilts")).scalars().all() == ["F"]


def test_act_as_scopes_one_transaction(world: dict[str, Engine]) -> None:
    with world["owner"].begin() as conn:
        act_as(conn, "alice")
        assert (
            conn.execute(text("DELETE FROM player_profiles WHERE cartridge_username = 'bob'")).rowcount == 0
        )
    with world["owner"].connect() as conn:  # back to the owner: the setting did not leak
        assert conn.execute(text("SELECT current_user")).scalar_one() == "postgres"
