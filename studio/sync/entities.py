"""Which tables sync, and how their rows become plain JSON for the pure plan and back.

A row travels as a dict of JSON values (uuids and timestamps as strings) so the merge rules in
``studio.sync.plan`` compare and combine plain data and the shadow copy is one JSON text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, Uuid, select, update

from studio.store.models import GenerationLog, InventoryItem, PlayerProfile, User, UTCDateTime, WardrobeEntry

Row = dict[str, Any]


def table_of(model: Any) -> Table:
    """A mapped class's Core table (typed as Table, which declarative models always have)."""
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class EntitySpec:
    """How one table syncs.

    ``owner``: the column naming the user (``user_id`` or ``cartridge_username``); ``tombstone``:
    the ``deleted_at`` column, or None when a delete removes the row; ``blobs``: columns holding
    content keys (one each, or a JSON list of them); ``label``: the column a conflict copy
    renames; ``merge_json``: JSON columns merged key by key; ``lww``: columns where the later
    push simply wins (no conflict copy); ``natural_key``: columns unique per user besides the
    id (a clash means the same thing).
    """

    name: str
    table: Table
    key: str
    owner: str
    owner_is_user_id: bool
    tombstone: str | None = None
    blobs: tuple[str, ...] = ()
    label: str | None = None
    label_max: int = 100
    merge_json: tuple[str, ...] = ()
    lww: tuple[str, ...] = ()
    natural_key: tuple[str, ...] = ()
    immutable: tuple[str, ...] = ()

    @property
    def managed(self) -> frozenset[str]:
        """Columns the plan never merges: identity, version, and timestamps the server stamps."""
        return frozenset({self.key, self.owner, "version", "updated_at", *self.immutable})


WARDROBE = EntitySpec(
    "avatar_wardrobe",
    table_of(WardrobeEntry),
    "id",
    "user_id",
    True,
    tombstone="deleted_at",
    blobs=("glb_url", "source_url", "thumbnail_url"),
    label="name",
    merge_json=("metadata",),
    lww=("is_active",),
    immutable=("created_at", "deleted_at"),
)
INVENTORY = EntitySpec(
    "avatar_inventory",
    table_of(InventoryItem),
    "id",
    "user_id",
    True,
    blobs=("glb_url", "thumbnail_url"),
    lww=("item_type", "glb_url", "thumbnail_url", "source"),
    natural_key=("item_id",),
    immutable=("acquired_at", "item_id"),
)
PROFILES = EntitySpec(
    "player_profiles",
    table_of(PlayerProfile),
    "cartridge_username",
    "cartridge_username",
    False,
    blobs=("avatar_url",),  # the chosen portrait: a kept generation image travels with the row
    lww=(
        "player_address",
        "avatar_url",
        "avatar_generation_prompt",
        "fal_image_id",
        "generation_count",
        "last_generation_at",
    ),
    immutable=("created_at",),
)
LOGS = EntitySpec(
    "avatar_generation_logs",
    table_of(GenerationLog),
    "id",
    "cartridge_username",
    False,
    blobs=("image_url", "image_urls"),  # kept portraits; ``image_urls`` is a JSON list
    lww=("status", "error_message", "image_url", "image_urls", "is_public", "completed_at", "fal_job_id"),
    immutable=("created_at", "prompt", "style", "seed", "model"),
)
# Order matters when pushing: nothing here references another synced row, users come first.
ENTITIES: dict[str, EntitySpec] = {s.name: s for s in (PROFILES, LOGS, WARDROBE, INVENTORY)}


def to_json_row(table: Table, row: Any) -> Row:
    """A database row (mapping) as plain JSON values."""
    out: Row = {}
    for col in table.columns:
        value = row[col.name]
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        out[col.name] = value
    return out


def from_json_row(table: Table, data: Row) -> Row:
    """Plain JSON values back to what the table's column types accept."""
    out: Row = {}
    for col in table.columns:
        if col.name not in data:
            continue
        value = data[col.name]
        if value is not None and isinstance(col.type, Uuid):
            value = uuid.UUID(str(value))
        elif value is not None and isinstance(col.type, UTCDateTime):
            value = datetime.fromisoformat(value)
        out[col.name] = value
    return out


def dumps(row: Row) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


def key_value(spec: EntitySpec, row_key: str) -> Any:
    col = spec.table.c[spec.key]
    return uuid.UUID(row_key) if isinstance(col.type, Uuid) else row_key


def is_deleted(spec: EntitySpec, row: Row | None) -> bool:
    return row is None or (spec.tombstone is not None and row.get(spec.tombstone) is not None)


USERS = table_of(User)


def read_row(conn: Connection, spec: EntitySpec, row_key: str, *, for_update: bool = False) -> Row | None:
    """One synced row as JSON (``for_update``: locked, on PostgreSQL). Plain Core, both sides."""
    t = spec.table
    stmt = select(t).where(t.c[spec.key] == key_value(spec, row_key))
    row = conn.execute(stmt.with_for_update() if for_update else stmt).mappings().first()
    return to_json_row(t, row) if row is not None else None


def user_by_name(conn: Connection, username: str) -> Row | None:
    """The player's ``users`` row as JSON, on either side."""
    row = conn.execute(select(USERS).where(USERS.c.cartridge_username == username)).mappings().first()
    return to_json_row(USERS, row) if row is not None else None


def refresh_user_avatar(conn: Connection, user_id: str) -> None:
    """``users.avatar_url`` (and source, thumbnail) follow the active entry (the records rule).

    Plain Core SQL, so the local (SQLite) and the remote (PostgreSQL) side of sync share it."""
    w = WARDROBE.table
    active = conn.execute(
        select(w.c.glb_url, w.c.source_url, w.c.thumbnail_url).where(
            w.c.user_id == uuid.UUID(user_id), w.c.is_active, w.c.deleted_at.is_(None)
        )
    ).first()
    values: dict[str, Any] = {"avatar_url": None, "avatar_source_url": None, "thumbnail_url": None}
    if active is not None:
        values = {
            "avatar_url": active.glb_url,
            "avatar_source_url": active.source_url,
            "thumbnail_url": active.thumbnail_url,
        }
    conn.execute(update(USERS).where(USERS.c.id == uuid.UUID(user_id)).values(**values))
