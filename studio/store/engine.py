"""Engine factory and transaction helpers for the local SQLite store and PostgreSQL.

SQLite is the embedded default. It gets WAL (readers never block the one writer), foreign keys on,
and a busy timeout so a second writer waits instead of failing. pysqlite's own transaction handling
is switched off and SQLAlchemy emits ``BEGIN`` itself (the recipe in SQLAlchemy's SQLite dialect
docs), so a write transaction can start with ``BEGIN IMMEDIATE``: it takes the write lock up front,
which is what makes read-then-write sequences (activate a wardrobe entry) safe between
connections. Connections come from a pool and are never shared by two threads at once: a thread
checks one out for a unit of work and returns it (one connection per thread at a time).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from studio.domain.errors import ConflictError, InvalidInputError, OfflineError, PermissionDeniedError

BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "studio_sqlite_begin"


def make_engine(url: str | URL, *, echo: bool = False, **kwargs: Any) -> Engine:
    """Build the engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInputError(f"not a database URL: {url!s}") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True, **kwargs)
    raise InvalidInputError(f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql://")


def _sqlite_engine(url: URL, *, echo: bool, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    engine = create_engine(url, echo=echo, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if url.database and url.database != ":memory:":
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed tx
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads; objects stay usable after it closes."""
    with translated(engine), Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: commit on success, roll back on any exception.

    On SQLite it begins with ``BEGIN IMMEDIATE`` (takes the write lock first, waits up to the busy
    timeout); on PostgreSQL callers lock what they read with ``SELECT ... FOR UPDATE``.
    """
    with translated(engine), Session(engine, expire_on_commit=False) as session, session.begin():
        if is_sqlite(engine):
            # First use of the connection in this transaction, so BEGIN sees the option.
            session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
        yield session


@contextmanager
def translated(engine: Engine | None = None) -> Iterator[None]:
    """Turn lost races and "cannot reach/lock the database" into errors the user can read.
    ``engine`` names the server in the message (host and port only: never the password)."""
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError("this record was changed elsewhere; reload it and try again") from exc
    except IntegrityError as exc:
        # Services validate input first, so a constraint failing at write time is a concurrent writer.
        raise ConflictError(
            f"the change conflicts with another one made at the same time: {exc.orig}"
        ) from exc
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient_privilege, incl. row-level security
            raise PermissionDeniedError(f"the database refused this change: {exc.orig}") from exc
        raise
    except OperationalError as exc:
        orig = exc.orig
        if isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig):
            raise OfflineError(
                "the local database is busy (another Avatar Studio is writing); try again"
            ) from exc
        if "connect" in str(orig).lower():
            raise unreachable(engine, orig) from exc
        raise


def unreachable(engine: Engine | None, orig: BaseException | None) -> OfflineError:
    """One line naming the server (``host:port/database``) and the reason, never the password."""
    where = ""
    if engine is not None and not is_sqlite(engine):
        url = engine.url
        where = f" at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    first = str(orig or "").strip().splitlines()[0] if str(orig or "").strip() else "no answer"
    reason = first.rsplit("failed: ", 1)[-1].strip() or first
    if engine is not None and engine.url.password:
        reason = reason.replace(str(engine.url.password), "***")
    return OfflineError(f"cannot reach the database{where}: {reason}")
