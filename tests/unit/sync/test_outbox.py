from __future__ import annotations

import pytest
from sqlalchemy import select, text

from studio.domain.errors import NotFoundError
from studio.domain.identity import Identity
from studio.services.wardrobe import WardrobeService
from studio.store.engine import make_engine
from studio.sync import tables
from studio.sync.outbox import pending, track_changes, untrack

ME = Identity.of("alice", "0x" + "0" * 60 + "beef")


def outbox_rows(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.entity, r.op) for r in conn.execute(select(tables.outbox).order_by(tables.outbox.c.id))]


def test_every_local_edit_lands_in_the_outbox_with_it(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    track_changes(engine)
    try:
        wardrobe = WardrobeService(engine)
        entry = wardrobe.add(ME, "objects/sha256/ab/" + "c" * 62, name="Knight")
        wardrobe.update(ME, entry.id, name="Paladin")
        wardrobe.activate(ME, entry.id)
        assert outbox_rows(engine) == [("avatar_wardrobe", "upsert")] * 3
        with engine.connect() as conn:
            [row] = pending(conn)
        assert (row.entity, row.row_key) == ("avatar_wardrobe", str(entry.id))
    finally:
        untrack(engine)
        engine.dispose()


def test_a_failed_edit_leaves_no_outbox_entry(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    track_changes(engine)
    try:
        with pytest.raises(NotFoundError):
            WardrobeService(engine).delete(ME, "00000000-0000-0000-0000-000000000000")
        assert outbox_rows(engine) == []
    finally:
        untrack(engine)
        engine.dispose()


def test_untracked_engines_and_core_writes_are_not_recorded(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        WardrobeService(engine).add(ME, "g", name="Knight")
        track_changes(engine)
        with engine.begin() as conn:  # what the sync engine itself does when it applies pulled rows
            conn.execute(text("UPDATE avatar_wardrobe SET name = 'Pulled'"))
        assert outbox_rows(engine) == []
    finally:
        untrack(engine)
        engine.dispose()
