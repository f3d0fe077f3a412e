"""The local (SQLite) side of sync: read and write synced rows, shadows, cursor, users row.

Writes here are Core statements on a connection the engine holds in one ``BEGIN IMMEDIATE``
transaction, so they never enter the outbox (only the user's own edits do).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from studio.sync import tables
from studio.sync.entities import (
    USERS,
    WARDROBE,
    EntitySpec,
    Row,
    dumps,
    from_json_row,
    key_value,
)

_UPDATES: dict[tuple[str, tuple[str, ...]], Any] = {}
_KEY = "sync_row_key"


def _update_stmt(spec: EntitySpec, columns: tuple[str, ...]) -> Any:
    """One compiled UPDATE per (table, columns): pulling thousands of rows reuses it."""
    stmt = _UPDATES.get((spec.name, columns))
    if stmt is None:
        t = spec.table
        stmt = update(t).where(t.c[spec.key] == bindparam(_KEY)).values({c: bindparam(c) for c in columns})
        _UPDATES[(spec.name, columns)] = stmt
    return stmt


def write_row(conn: Connection, spec: EntitySpec, row_key: str, row: Row | None) -> None:
    """Make the local row equal ``row`` (None: remove it)."""
    key = key_value(spec, row_key)
    if row is None:
        conn.execute(delete(spec.table).where(spec.table.c[spec.key] == key))
        return
    values = from_json_row(spec.table, row)
    columns = tuple(sorted(c for c in values if c != spec.key))
    if conn.execute(_update_stmt(spec, columns), {**values, _KEY: key}).rowcount == 0:
        conn.execute(insert(spec.table), values)


def read_shadow(conn: Connection, spec: EntitySpec, row_key: str) -> Row | None:
    row = conn.execute(
        select(tables.shadow.c.data).where(
            tables.shadow.c.entity == spec.name, tables.shadow.c.row_key == row_key
        )
    ).first()
    return json.loads(row.data) if row is not None else None


_SHADOW_DELETE = delete(tables.shadow).where(
    tables.shadow.c.entity == bindparam("e"), tables.shadow.c.row_key == bindparam("k")
)


def write_shadow(conn: Connection, spec: EntitySpec, row_key: str, row: Row | None) -> None:
    conn.execute(_SHADOW_DELETE, {"e": spec.name, "k": row_key})
    if row is not None:
        deleted = spec.tombstone is not None and row.get(spec.tombstone) is not None
        values = {
            "entity": spec.name,
            "row_key": row_key,
            "version": int(row.get("version") or 0),
            "deleted": deleted,
            "data": dumps(row),
        }
        conn.execute(insert(tables.shadow), values)


def get_state(conn: Connection, name: str, default: str | None = None) -> str | None:
    row = conn.execute(select(tables.state.c.value).where(tables.state.c.name == name)).first()
    return row.value if row is not None else default


def set_state(conn: Connection, name: str, value: str) -> None:
    if (
        conn.execute(update(tables.state).where(tables.state.c.name == name).values(value=value)).rowcount
        == 0
    ):
        conn.execute(insert(tables.state).values(name=name, value=value))


def ensure_user(conn: Connection, row: Row) -> None:
    if conn.execute(select(USERS.c.id).where(USERS.c.id == uuid.UUID(row["id"]))).first() is None:
        keep: Row = {k: row[k] for k in ("id", "cartridge_username", "player_address") if k in row}
        conn.execute(insert(USERS).values(**from_json_row(USERS, keep)))


def rekey_user(conn: Connection, old_id: str, new_id: str) -> None:
    """Adopt the server's id for this player: move the users row and every row that names it."""
    from sqlalchemy import text

    from studio.sync.entities import ENTITIES

    conn.execute(text("PRAGMA defer_foreign_keys = ON"))  # children move in this same transaction
    old, new = uuid.UUID(old_id), uuid.UUID(new_id)
    conn.execute(update(USERS).where(USERS.c.id == old).values(id=new))
    for spec in ENTITIES.values():
        if spec.owner_is_user_id:
            conn.execute(update(spec.table).where(spec.table.c[spec.owner] == old).values({spec.owner: new}))


def place_row(
    conn: Connection, spec: EntitySpec, row_key: str, row: Row | None, dirty: set[tuple[str, str]]
) -> None:
    """Write a row the server sent, keeping at most one active wardrobe entry: other clean active
    entries are switched off; a pending local activation keeps precedence until it is pushed."""
    if spec is WARDROBE and row is not None and row.get("is_active"):
        actives = (
            conn.execute(
                select(spec.table.c.id).where(
                    spec.table.c.user_id == uuid.UUID(row["user_id"]),
                    spec.table.c.is_active,
                    spec.table.c.id != uuid.UUID(row_key),
                )
            )
            .scalars()
            .all()
        )
        if any((spec.name, str(k)) in dirty for k in actives):
            row = {**row, "is_active": False}
        elif actives:
            conn.execute(update(spec.table).where(spec.table.c.id.in_(actives)).values(is_active=False))
    write_row(conn, spec, row_key, row)
