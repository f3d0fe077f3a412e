"""The migrated schema matches the models, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from studio.store.engine import make_engine
from studio.store.migrate import current_revision, head_revision, upgrade
from studio.store.models import Base

RECORD_TABLES = {
    "users",
    "player_profiles",
    "avatar_generation_logs",
    "avatar_wardrobe",
    "avatar_inventory",
    "prebuilts",
}


def _mine(obj: object, name: str | None, type_: str, _reflected: bool, _compare_to: object) -> bool:
    """Compare the record tables only, on both sides (database and models): later migrations
    (sync, ...) own and test theirs, and their models may be imported by other tests."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", name) in RECORD_TABLES


def test_migrated_schema_matches_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _mine})
            assert compare_metadata(ctx, Base.metadata) == []
        assert current_revision(engine) == head_revision()
        assert upgrade(engine) == head_revision()  # idempotent
    finally:
        engine.dispose()


def test_seed_indexes_exist(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        insp = inspect(engine)
        profiles = {ix["name"]: ix for ix in insp.get_indexes("player_profiles")}
        assert profiles["ix_player_profiles_player_address"]["column_names"] == ["player_address"]
        logs = {ix["name"] for ix in insp.get_indexes("avatar_generation_logs")}
        assert {"ix_avatar_generation_logs_created_at", "ix_logs_gallery"} <= logs
        wardrobe = {ix["name"]: ix for ix in insp.get_indexes("avatar_wardrobe")}
        assert wardrobe["idx_wardrobe_active"]["unique"]
        assert "idx_wardrobe_user" in wardrobe
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_rls_enabled_on_every_record_table(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = (
                conn.exec_driver_sql("SELECT relname FROM pg_class WHERE relrowsecurity AND relkind = 'r'")
                .scalars()
                .all()
            )
        assert set(rows) >= {
            "users",
            "player_profiles",
            "avatar_generation_logs",
            "avatar_wardrobe",
            "avatar_inventory",
            "prebuilts",
        }
    finally:
        engine.dispose()
