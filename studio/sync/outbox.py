"""The durable outbox: every local change to a synced table is recorded by the same flush.

``track_changes(engine)`` hooks SQLAlchemy's ``after_flush``: for sessions bound to that engine
(the local SQLite store), each new, changed or deleted synced row adds an ``sync_outbox`` row on
the session's own connection, so the change and its outbox entry commit or roll back together.
The records services need no sync code. The engine's own writes (applying pulled rows) go
through Core statements and are not tracked.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, func, insert, select
from sqlalchemy.orm import Session

from studio.blobs.multipart import UploadState
from studio.sync import tables
from studio.sync.entities import ENTITIES

_tracked: weakref.WeakSet[Engine] = weakref.WeakSet()
_installed = False


def track_changes(engine: Engine) -> None:
    """Record changes made through ORM sessions on ``engine`` in its outbox."""
    global _installed
    _tracked.add(engine)
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


def untrack(engine: Engine) -> None:
    _tracked.discard(engine)


def _after_flush(session: Session, _context: Any) -> None:
    try:
        bind = session.get_bind()
    except Exception:  # a session without one default bind is not the local store's
        return
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    if engine not in _tracked:
        return
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    rows = list(_changes(session.new, "upsert")) + list(_changes(dirty, "upsert"))
    rows += list(_changes(session.deleted, "delete"))
    if rows:
        session.connection().execute(insert(tables.outbox), rows)


def _changes(objects: Iterable[Any], op: str) -> Iterable[dict[str, str]]:
    for obj in objects:
        name = getattr(obj, "__tablename__", None)
        spec = ENTITIES.get(name or "")
        if spec is None:
            continue
        key = getattr(obj, spec.key)
        yield {"entity": spec.name, "row_key": str(key), "op": op}


@dataclass(frozen=True)
class PendingRow:
    entity: str
    row_key: str
    last_id: int  # the newest outbox id for the row when it was read


def pending(conn: Connection, limit: int | None = None) -> list[PendingRow]:
    """Rows with unpushed changes, oldest change first."""
    query = (
        select(
            tables.outbox.c.entity,
            tables.outbox.c.row_key,
            func.min(tables.outbox.c.id).label("first"),
            func.max(tables.outbox.c.id).label("last"),
        )
        .where(tables.outbox.c.op != "publish")
        .group_by(tables.outbox.c.entity, tables.outbox.c.row_key)
        .order_by("first")
    )
    if limit:
        query = query.limit(limit)
    return [PendingRow(r.entity, r.row_key, int(r.last)) for r in conn.execute(query)]


def last_id(conn: Connection, entity: str, row_key: str) -> int | None:
    value = conn.execute(
        select(func.max(tables.outbox.c.id)).where(
            tables.outbox.c.entity == entity,
            tables.outbox.c.row_key == row_key,
            tables.outbox.c.op != "publish",
        )
    ).scalar()
    return int(value) if value is not None else None


def acknowledge(conn: Connection, entity: str, row_key: str, up_to: int) -> None:
    conn.execute(
        delete(tables.outbox).where(
            tables.outbox.c.entity == entity,
            tables.outbox.c.row_key == row_key,
            tables.outbox.c.id <= up_to,
            tables.outbox.c.op != "publish",
        )
    )


def enqueue(conn: Connection, entity: str, row_key: str, op: str) -> None:
    conn.execute(insert(tables.outbox).values(entity=entity, row_key=row_key, op=op))


def publish_jobs(conn: Connection) -> Iterable[tuple[int, str]]:
    rows = conn.execute(
        select(tables.outbox.c.id, tables.outbox.c.row_key)
        .where(tables.outbox.c.op == "publish")
        .order_by(tables.outbox.c.id)
    )
    return [(int(r.id), r.row_key) for r in rows]


def finish_publish(conn: Connection, job_id: int) -> None:
    conn.execute(delete(tables.outbox).where(tables.outbox.c.id == job_id))


def dirty_keys(conn: Connection) -> set[tuple[str, str]]:
    rows = conn.execute(
        select(tables.outbox.c.entity, tables.outbox.c.row_key)
        .where(tables.outbox.c.op != "publish")
        .distinct()
    )
    return {(r.entity, r.row_key) for r in rows}


class SqliteUploadStates:
    """Multipart upload state kept in ``sync_uploads`` so an upload resumes after a restart."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load_upload(self, key: str, sha256: str) -> UploadState | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tables.uploads).where(tables.uploads.c.key == key, tables.uploads.c.sha256 == sha256)
            ).first()
        if row is None:
            return None
        parts = {int(n): (v[0], v[1]) for n, v in json.loads(row.parts).items()}
        return UploadState(key, sha256, row.upload_id, int(row.part_size), parts)

    def save_upload(self, state: UploadState) -> None:
        values = {
            "upload_id": state.upload_id,
            "part_size": state.part_size,
            "parts": json.dumps({str(n): list(v) for n, v in state.parts.items()}),
        }
        with self.engine.begin() as conn:
            done = conn.execute(
                tables.uploads.update()
                .where(tables.uploads.c.key == state.key, tables.uploads.c.sha256 == state.sha256)
                .values(**values)
            ).rowcount
            if not done:
                conn.execute(insert(tables.uploads).values(key=state.key, sha256=state.sha256, **values))

    def clear_upload(self, key: str, sha256: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(tables.uploads).where(tables.uploads.c.key == key, tables.uploads.c.sha256 == sha256)
            )
