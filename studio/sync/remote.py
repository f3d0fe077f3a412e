"""The server (PostgreSQL) side of sync: locked reads, versioned writes, the change feed.

Every push runs in one transaction that names the device and push (``studio.device``,
``studio.op_id``: the change-feed trigger records them, which is how a retried push recognises
its own earlier success) and the user (``app.username``, for row-level security), and holds the
shared garbage-collection lock so GC cannot delete an object between our existence check and
our commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy import delete as sql_delete

from studio.domain.errors import ConflictError
from studio.sync import tables
from studio.sync.entities import (
    WARDROBE,
    EntitySpec,
    Row,
    from_json_row,
    key_value,
    read_row,
    to_json_row,
)
from studio.sync.plan import Resolution

GC_LOCK = 0x57D11


@dataclass(frozen=True)
class RemoteRow:
    row: Row | None
    device: str | None
    op_id: str | None


@dataclass(frozen=True)
class Change:
    entity: str
    row_key: str
    seq: int
    deleted: bool


def begin_push(conn: Connection, device: str, op_id: str, username: str) -> None:
    conn.execute(
        text(
            "SELECT set_config('studio.device', :d, true), set_config('studio.op_id', :o, true), "
            "set_config('app.username', :u, true), pg_advisory_xact_lock_shared(:g)"
        ),
        {"d": device, "o": op_id, "u": username, "g": GC_LOCK},
    )


def ensure_user(conn: Connection, row: Row, *, by_name: bool = False) -> None:
    """Create the user's row on the server unless it (or, with ``by_name``, the username) exists."""
    keep = {k: row[k] for k in ("id", "cartridge_username", "player_address") if k in row}
    stmt = text(
        "INSERT INTO users (id, cartridge_username, player_address) VALUES (:id, :u, :a) "
        f"ON CONFLICT {'' if by_name else '(id) '}DO NOTHING"
    )
    conn.execute(stmt, {"id": keep["id"], "u": keep["cartridge_username"], "a": keep.get("player_address")})


def read_for_update(conn: Connection, spec: EntitySpec, row_key: str) -> RemoteRow:
    """The server row, locked, with the device and push that last changed it (the feed)."""
    row = read_row(conn, spec, row_key, for_update=True)
    feed = conn.execute(
        select(tables.changes.c.device, tables.changes.c.op_id).where(
            tables.changes.c.entity == spec.name, tables.changes.c.row_key == row_key
        )
    ).first()
    return RemoteRow(row, feed.device if feed else None, feed.op_id if feed else None)


def natural_twin(conn: Connection, spec: EntitySpec, row: Row) -> str | None:
    """The key of a different server row with the same natural key (same user, same item)."""
    if not spec.natural_key:
        return None
    t = spec.table
    where = [
        t.c[spec.owner] == from_json_row(t, {spec.owner: row[spec.owner]})[spec.owner],
        t.c[spec.key] != key_value(spec, str(row[spec.key])),
    ]
    where += [t.c[c] == row[c] for c in spec.natural_key]
    found = conn.execute(select(t.c[spec.key]).where(*where)).scalar()
    return str(found) if found is not None else None


def apply(conn: Connection, spec: EntitySpec, row_key: str, res: Resolution, remote: Row | None) -> None:
    """Write ``res`` for ``row_key`` (and its conflict copy). ``remote`` is the locked server row."""
    now = datetime.now(UTC).isoformat()
    if res.action == "insert" and res.row is not None:
        _insert(conn, spec, {**res.row, "version": 1, "updated_at": now})
    elif res.action == "update" and res.row is not None and remote is not None:
        _update(conn, spec, row_key, {**res.row, "updated_at": now}, int(remote["version"]))
    elif res.action == "delete" and remote is not None:
        _delete(conn, spec, row_key, remote, now)
    if res.copy is not None:
        _insert(conn, spec, {**res.copy, "version": 1, "updated_at": now})


def _writable(spec: EntitySpec, row: Row) -> dict[str, Any]:
    values = from_json_row(spec.table, row)
    return {k: v for k, v in values.items() if v is not None or spec.table.c[k].nullable}


def _insert(conn: Connection, spec: EntitySpec, row: Row) -> None:
    if spec is WARDROBE and row.get("is_active"):
        deactivate_others(conn, row["user_id"], str(row["id"]))
    conn.execute(insert(spec.table).values(**_writable(spec, row)))


def _update(conn: Connection, spec: EntitySpec, row_key: str, row: Row, version: int) -> None:
    t = spec.table
    if spec is WARDROBE and row.get("is_active"):
        deactivate_others(conn, row["user_id"], row_key)
    values = _writable(spec, row)
    values.pop(spec.key, None)
    values["version"] = version + 1
    done = conn.execute(
        update(t).where(t.c[spec.key] == key_value(spec, row_key), t.c.version == version).values(**values)
    ).rowcount
    if done != 1:
        raise ConflictError(f"{spec.name} {row_key} changed during sync; it will be retried")


def _delete(conn: Connection, spec: EntitySpec, row_key: str, remote: Row, now: str) -> None:
    t = spec.table
    where = t.c[spec.key] == key_value(spec, row_key)
    if spec.tombstone is None:
        conn.execute(sql_delete(t).where(where))
        return
    values: dict[str, Any] = {
        spec.tombstone: datetime.fromisoformat(now),
        "version": int(remote["version"]) + 1,
        "updated_at": datetime.fromisoformat(now),
    }
    if "is_active" in t.c:
        values["is_active"] = False
    conn.execute(update(t).where(where).values(**values))


def deactivate_others(conn: Connection, user_id: str, keep_key: str) -> None:
    w = WARDROBE.table
    conn.execute(
        update(w)
        .where(w.c.user_id == uuid.UUID(user_id), w.c.is_active, w.c.id != uuid.UUID(keep_key))
        .values(is_active=False, version=w.c.version + 1, updated_at=func.now())
    )


def changes_since(conn: Connection, owners: list[str], cursor: int, limit: int) -> list[Change]:
    c = tables.changes
    rows = conn.execute(
        select(c.c.entity, c.c.row_key, c.c.seq, c.c.deleted)
        .where(c.c.owner.in_(owners), c.c.seq > cursor)
        .order_by(c.c.seq)
        .limit(limit)
    )
    return [Change(r.entity, r.row_key, int(r.seq), bool(r.deleted)) for r in rows]


def latest_seq(conn: Connection, owners: list[str]) -> int:
    c = tables.changes
    return int(
        conn.execute(select(func.coalesce(func.max(c.c.seq), 0)).where(c.c.owner.in_(owners))).scalar() or 0
    )


def fetch_rows(conn: Connection, spec: EntitySpec, keys: list[str]) -> dict[str, Row]:
    t = spec.table
    rows = conn.execute(select(t).where(t.c[spec.key].in_([key_value(spec, k) for k in keys]))).mappings()
    return {str(r[spec.key]): to_json_row(t, r) for r in rows}
