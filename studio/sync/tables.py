"""The sync engine's own tables, on the records' ``Base.metadata`` (one schema, one history).

Local (SQLite) side: ``sync_outbox`` (a row per local change, written by the same flush as the
change), ``sync_shadow`` (each row as the server last acknowledged it: the base of three-way
merges), ``sync_state`` (cursor, device id) and ``sync_uploads`` (multipart uploads to resume).
Server (PostgreSQL) side: ``sync_changes``, one row per synced record holding the server-assigned
change sequence that pulls follow; triggers fill it (migration ``0002_sync``). Both databases get
every table so the two schemas stay identical; each side simply leaves the other's empty.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, Table, Text

from studio.store.models import Base

metadata = Base.metadata

outbox = Table(
    "sync_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", Text, nullable=False),
    Column("row_key", Text, nullable=False),
    Column("op", Text, nullable=False),  # upsert | delete | publish
    Index("ix_sync_outbox_row", "entity", "row_key"),
    sqlite_autoincrement=True,  # ids are never reused: a push is named by its newest outbox id
)

shadow = Table(
    "sync_shadow",
    metadata,
    Column("entity", Text, primary_key=True),
    Column("row_key", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("data", Text, nullable=False),  # canonical JSON of the row
)

state = Table(
    "sync_state",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

uploads = Table(
    "sync_uploads",
    metadata,
    Column("key", Text, primary_key=True),
    Column("sha256", Text, primary_key=True),
    Column("upload_id", Text, nullable=False),
    Column("part_size", BigInteger, nullable=False),
    Column("parts", Text, nullable=False),  # JSON {number: [etag, checksum]}
)

changes = Table(
    "sync_changes",
    metadata,
    Column("entity", Text, primary_key=True),
    Column("row_key", Text, primary_key=True),
    Column("owner", Text, nullable=False),  # users.id (wardrobe, inventory) or cartridge username
    Column("seq", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("device", Text),
    Column("op_id", Text),
    Index("ix_sync_changes_owner_seq", "owner", "seq"),
)
