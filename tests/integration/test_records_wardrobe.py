"""Wardrobe (seed 004 Phase 2) on SQLite and PostgreSQL: one active entry, users.avatar_url follows it."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studio.domain.errors import ConflictError, InvalidInputError, NotFoundError
from studio.domain.identity import Identity
from studio.services.wardrobe import WardrobeService
from studio.store.models import User, WardrobeEntry

ALICE = Identity.of("alice", "0xa11ce")
BOB = Identity.of("bob", "0xb0b")


def _state(engine: Engine, username: str) -> tuple[list[str], str | None]:
    """(glb_urls of active entries, users.avatar_url) read straight from the tables."""
    with Session(engine) as s:
        user = s.scalars(select(User).where(User.cartridge_username == username)).one()
        active = s.scalars(
            select(WardrobeEntry.glb_url).where(WardrobeEntry.user_id == user.id, WardrobeEntry.is_active)
        ).all()
        return list(active), user.avatar_url


def test_add_list_update_delete(db_engine: Engine) -> None:
    wardrobe = WardrobeService(db_engine)
    first = wardrobe.add(ALICE, "s3://a/1.glb", metadata={"hair": "fem-long-03"})
    second = wardrobe.add(
        ALICE, "s3://a/2.glb", name="Formal", avatar_type="ai_mesh", source_url="s3://a/2.vrm"
    )
    assert first.name == "My Avatar" and first.metadata == {"hair": "fem-long-03"} and not first.is_active
    assert [e.id for e in wardrobe.list(ALICE)] == [first.id, second.id]
    assert wardrobe.list(BOB) == []

    renamed = wardrobe.update(ALICE, str(second.id), name="Gala", expected_version=second.version)
    assert renamed.name == "Gala" and renamed.version == second.version + 1
    with pytest.raises(ConflictError):
        wardrobe.update(ALICE, second.id, name="Late", expected_version=second.version)

    wardrobe.delete(ALICE, first.id)
    assert [e.id for e in wardrobe.list(ALICE)] == [second.id]
    with pytest.raises(NotFoundError):
        wardrobe.activate(ALICE, first.id)  # a tombstone cannot come back as active
    with pytest.raises(NotFoundError):
        wardrobe.delete(BOB, second.id)  # not Bob's


def test_activate_points_users_avatar_url_at_the_active_glb(db_engine: Engine) -> None:
    wardrobe = WardrobeService(db_engine)
    one = wardrobe.add(ALICE, "s3://a/1.glb", activate=True, thumbnail_url="t1")
    two = wardrobe.add(ALICE, "s3://a/2.glb")
    assert _state(db_engine, "alice") == (["s3://a/1.glb"], "s3://a/1.glb")
    wardrobe.activate(ALICE, two.id)
    assert _state(db_engine, "alice") == (["s3://a/2.glb"], "s3://a/2.glb")
    wardrobe.update(ALICE, two.id, glb_url="s3://a/2b.glb")  # the active GLB changes: users follows
    assert _state(db_engine, "alice") == (["s3://a/2b.glb"], "s3://a/2b.glb")
    wardrobe.update(ALICE, one.id, glb_url="s3://a/1b.glb")  # an inactive one: users untouched
    assert _state(db_engine, "alice") == (["s3://a/2b.glb"], "s3://a/2b.glb")
    wardrobe.delete(ALICE, two.id)  # deleting the active entry leaves none active
    assert _state(db_engine, "alice") == ([], None)
    assert wardrobe.active(ALICE) is None


def test_bad_input_is_refused_clearly(db_engine: Engine) -> None:
    wardrobe = WardrobeService(db_engine)
    with pytest.raises(InvalidInputError, match="avatar type"):
        wardrobe.add(ALICE, "s3://a.glb", avatar_type="sprite")
    with pytest.raises(InvalidInputError, match="1-100"):
        wardrobe.add(ALICE, "s3://a.glb", name="x" * 101)
    with pytest.raises(InvalidInputError, match="GLB"):
        wardrobe.add(ALICE, "  ")
    with pytest.raises(InvalidInputError, match="JSON object"):
        wardrobe.add(ALICE, "s3://a.glb", metadata=["not", "an", "object"])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a wardrobe entry id"):
        wardrobe.activate(ALICE, "entry-7")


def test_the_database_itself_refuses_two_active_entries(db_engine: Engine) -> None:
    wardrobe = WardrobeService(db_engine)
    wardrobe.add(ALICE, "s3://a/1.glb", activate=True)
    other = wardrobe.add(ALICE, "s3://a/2.glb")
    with Session(db_engine) as s, pytest.raises(IntegrityError):
        s.execute(update(WardrobeEntry).where(WardrobeEntry.id == other.id).values(is_active=True))
        s.commit()
    with Session(db_engine) as s:  # ... and a tombstone can never be active
        with pytest.raises(IntegrityError):
            s.execute(
                update(WardrobeEntry)
                .where(WardrobeEntry.id == other.id)
                .values(deleted_at=WardrobeEntry.created_at, is_active=True)
            )
        s.rollback()


def _race(wardrobe: WardrobeService, entry_ids: list[uuid.UUID]) -> list[BaseException]:
    barrier = threading.Barrier(len(entry_ids))
    errors: list[BaseException] = []

    def run(entry_id: uuid.UUID) -> None:
        barrier.wait()
        try:
            wardrobe.activate(ALICE, entry_id)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in entry_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_two_connections_activating_at_once_leave_exactly_one_active(db_engine: Engine) -> None:
    wardrobe = WardrobeService(db_engine)
    entries = [wardrobe.add(ALICE, f"s3://a/{n}.glb") for n in range(3)]
    winners = set()
    for _round in range(15):
        pair = [entries[0].id, entries[1].id] if _round % 2 else [entries[1].id, entries[2].id]
        assert _race(wardrobe, pair) == []
        active, avatar_url = _state(db_engine, "alice")
        assert len(active) == 1 and avatar_url == active[0]
        winners.add(active[0])
    assert winners <= {e.glb_url for e in entries}
