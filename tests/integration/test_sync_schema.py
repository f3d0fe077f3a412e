"""The sync tables match their migration; the server's change feed numbers every write in order."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text, update

import studio.sync.tables as sync_tables
from studio.store.engine import make_engine
from studio.store.models import User, WardrobeEntry

SYNC_TABLES = {t.name for t in sync_tables.metadata.sorted_tables if t.name.startswith("sync_")}


def _sync_only(obj: object, name: str | None, type_: str, _reflected: bool, _other: object) -> bool:
    table = getattr(obj, "table", obj) if type_ != "table" else obj
    return str(getattr(table, "name", name)) in SYNC_TABLES


def test_sync_tables_match_the_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _sync_only})
            assert compare_metadata(ctx, sync_tables.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_change_feed_follows_every_writer_in_commit_order(pg_url: str) -> None:
    engine = make_engine(pg_url)
    user, entry = uuid.uuid4(), uuid.uuid4()
    w, c = WardrobeEntry.__table__, sync_tables.changes
    try:
        with engine.begin() as conn:
            conn.execute(insert(User.__table__).values(id=user, cartridge_username="bob"))
            conn.execute(insert(w).values(id=entry, user_id=user, name="A", glb_url="g"))
        with engine.connect() as conn:
            first = conn.execute(select(c.c.seq, c.c.deleted)).one()
        with engine.begin() as conn:  # a writer that is not the sync engine (a game server, say)
            conn.execute(text("SET LOCAL TimeZone = 'Pacific/Kiritimati'"))  # clocks do not matter
            conn.execute(update(w).where(w.c.id == entry).values(deleted_at=text("now() - interval '1 day'")))
        with engine.connect() as conn:
            second = conn.execute(select(c.c.seq, c.c.deleted, c.c.owner)).one()
        assert second.seq > first.seq and second.deleted and not first.deleted
        assert second.owner == str(user)
    finally:
        engine.dispose()
