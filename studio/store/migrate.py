"""Run the record migrations from code: no alembic.ini needed at run time.

``upgrade(engine_or_url)`` brings a database to the newest revision in one transaction (both
SQLite and PostgreSQL run DDL transactionally), so a crash mid-upgrade leaves the old schema.
Two processes upgrading at once are serialised: SQLite by ``BEGIN IMMEDIATE``, PostgreSQL by a
transaction-scoped advisory lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# Alembic logs its plugin set-up (on import) and every migration step at INFO: with the desktop
# app's INFO logging that was ~14 lines on every start. It stays at WARNING unless someone set the
# "alembic" logger up before this import, or passes ``verbose=True`` to :func:`upgrade`.
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from studio.store.engine import make_engine, translated

SCRIPT_LOCATION = "studio.store:migrations"
_PG_LOCK_KEY = 0x57D10  # any constant; only upgrades take it


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration history is empty"
    return head


def upgrade(target: Engine | str | URL, revision: str = "head", *, verbose: bool = False) -> str | None:
    """Migrate ``target`` (an engine or a URL) to ``revision``; returns the revision now current.
    A server that cannot be reached is an OfflineError naming its host. Alembic's INFO lines
    ("Running upgrade ...") are only shown with ``verbose``."""
    engine, owned = _engine(target)
    try:
        with translated(engine), quiet_alembic(verbose), engine.connect() as conn:
            conn = conn.execution_options(studio_sqlite_begin="IMMEDIATE")
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                command.upgrade(alembic_config(conn), revision)
                return MigrationContext.configure(conn).get_current_revision()
    finally:
        if owned:
            engine.dispose()


def downgrade(target: Engine | str | URL, revision: str) -> None:
    engine, owned = _engine(target)
    try:
        with translated(engine), quiet_alembic(False), engine.begin() as conn:
            command.downgrade(alembic_config(conn), revision)
    finally:
        if owned:
            engine.dispose()


def current_revision(target: Engine | str | URL) -> str | None:
    engine, owned = _engine(target)
    try:
        with translated(engine), engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if owned:
            engine.dispose()


@contextmanager
def quiet_alembic(verbose: bool) -> Iterator[None]:
    """``verbose``: alembic's INFO lines ("Running upgrade ...") are shown for this run."""
    log = logging.getLogger("alembic")
    previous = log.level
    if verbose:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.setLevel(previous)


def _engine(target: Engine | str | URL) -> tuple[Engine, bool]:
    if isinstance(target, Engine):
        return target, False
    return make_engine(target), True
