"""The local SQLite store: pragmas, UTC timestamps, optimistic concurrency, migrations from code."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import StatementError

from studio.domain.errors import ConflictError, InvalidInputError
from studio.store.engine import make_engine, read_session, write_session
from studio.store.migrate import current_revision, downgrade, head_revision, upgrade
from studio.store.models import PlayerProfile


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()


def test_engine_creates_the_data_dir_and_refuses_unknown_urls(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/deep/er/store.sqlite3")
    upgrade(engine)
    assert (tmp_path / "deep" / "er" / "store.sqlite3").exists()
    engine.dispose()
    with pytest.raises(InvalidInputError, match="unsupported database"):
        make_engine("mysql://x/y")
    with pytest.raises(InvalidInputError, match="not a database URL"):
        make_engine("::::")


def test_timestamps_come_back_aware_utc_and_naive_ones_are_refused(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    paris = timezone(timedelta(hours=1))
    with write_session(engine) as s:
        s.add(
            PlayerProfile(
                cartridge_username="a",
                player_address="0x1",
                last_generation_at=datetime(2026, 3, 1, 13, 0, tzinfo=paris),
            )
        )
    with read_session(engine) as s:
        row = s.get(PlayerProfile, "a")
        assert row is not None
        assert row.last_generation_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        assert row.last_generation_at.tzinfo is UTC and row.created_at.tzinfo is UTC
    with pytest.raises(StatementError, match="timezone-aware"), write_session(engine) as s:
        s.add(
            PlayerProfile(
                cartridge_username="b", player_address="0x1", last_generation_at=datetime(2026, 1, 1)
            )
        )
    engine.dispose()


def test_a_lost_update_is_a_conflict_not_a_silent_overwrite(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with write_session(engine) as s:
        s.add(PlayerProfile(cartridge_username="a", player_address="0x1"))
    with read_session(engine) as s:
        stale = s.get(PlayerProfile, "a")
    with write_session(engine) as s:
        fresh = s.get(PlayerProfile, "a")
        assert fresh is not None
        fresh.avatar_url = "first"
    assert stale is not None and stale.version == 1
    with pytest.raises(ConflictError, match="changed elsewhere"), write_session(engine) as s:
        s.merge(stale, load=False).avatar_url = "second"  # UPDATE ... WHERE version = 1 matches nothing
    with read_session(engine) as s:
        row = s.get(PlayerProfile, "a")
        assert row is not None and (row.avatar_url, row.version) == ("first", 2)
    engine.dispose()


def test_write_sessions_take_the_write_lock_up_front(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing mid-transaction."""
    engine = make_engine(sqlite_url)
    order: list[str] = []
    first_inside = threading.Event()

    def first() -> None:
        with write_session(engine) as s:
            order.append("first-begin")
            first_inside.set()
            time.sleep(0.3)
            s.add(PlayerProfile(cartridge_username="a", player_address="0x1"))
            order.append("first-commit")

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(5)
    with write_session(engine) as s:
        order.append("second-begin")
        s.execute(text("UPDATE player_profiles SET avatar_url = 'x'"))
    thread.join(5)
    assert order == ["first-begin", "first-commit", "second-begin"]
    engine.dispose()


def test_migrations_run_from_a_url_and_go_down_and_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite3"
    assert current_revision(url) is None
    assert upgrade(url) == head_revision() == current_revision(url)
    downgrade(url, "base")
    engine = make_engine(url)
    assert "avatar_wardrobe" not in inspect(engine).get_table_names()
    engine.dispose()
    assert upgrade(url) == head_revision()


def test_migration_scripts_ship_inside_the_package() -> None:
    import studio.store.migrations as migrations

    folder = Path(migrations.__file__).parent
    assert (folder / "env.py").exists() and (folder / "script.py.mako").exists()
    assert list((folder / "versions").glob("0001_*.py"))


def test_sqlite_version_supports_row_values_and_json() -> None:
    assert tuple(int(p) for p in sqlite3.sqlite_version.split(".")) >= (3, 38, 0)
