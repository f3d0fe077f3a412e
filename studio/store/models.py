"""The record tables, as SQLAlchemy 2 typed models, portable between SQLite and PostgreSQL.

Seed 000 gives ``player_profiles`` and ``avatar_generation_logs``; seed 004 gives ``users``
(Phase 1 ``avatar_url``), ``avatar_wardrobe`` and ``avatar_inventory``; ``prebuilts`` is the
catalogue of shared avatars, hair and clothing. Every mutable row carries ``version`` for
optimistic concurrency: SQLAlchemy's ``version_id_col`` issues ``UPDATE ... WHERE version = :old``
and bumps it, so a lost update surfaces as ``StaleDataError`` (turned into ``ConflictError`` by the
services). The migration in ``studio/store/migrations/versions`` creates exactly these tables; a
test compares the two.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

LOG_STATUSES = ("pending", "in_progress", "success", "failed", "cancelled", "refused")
AVATAR_TYPES = ("vrm", "ai_mesh", "supermesh")
ITEM_TYPES = ("clothing", "hair", "attachment", "skin_preset")
ITEM_SOURCES = ("default", "purchased", "crafted", "gifted")
PREBUILT_KINDS = ("avatar", "hair", "clothing", "attachment")
PROFILE_LOOKUP_COLUMNS = ("updated_at", "cartridge_username", "avatar_url")

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``TIMESTAMPTZ`` on PostgreSQL; on SQLite (no time zones) stored as naive UTC, read back aware.

    Naive input is refused: a timestamp without a zone is a bug waiting to happen in sync.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class Versioned:
    """Mixin: the optimistic-concurrency counter every mutable row carries."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def _created() -> Mapped[datetime]:
    return mapped_column(nullable=False, default=utcnow, server_default=func.now())


def _updated() -> Mapped[datetime]:
    return mapped_column(nullable=False, default=utcnow, onupdate=utcnow, server_default=func.now())


class User(Versioned, Base):
    """Seed 004 ``users``: ``avatar_url`` always equals the active wardrobe entry's ``glb_url``."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cartridge_username: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    player_address: Mapped[str | None] = mapped_column(Text, index=True)
    avatar_url: Mapped[str | None] = mapped_column(Text)
    avatar_source_url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class PlayerProfile(Versioned, Base):
    """Seed 000 ``player_profiles``: keyed by Cartridge username, looked up by address too."""

    __tablename__ = "player_profiles"

    cartridge_username: Mapped[str] = mapped_column(Text, primary_key=True)
    player_address: Mapped[str] = mapped_column(Text, nullable=False)
    avatar_url: Mapped[str | None] = mapped_column(Text)
    avatar_generation_prompt: Mapped[str | None] = mapped_column(Text)
    fal_image_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    generation_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_generation_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        # The seed's address index. On PostgreSQL it also carries what a batch lookup reads
        # (migration 0003), so 10,000 addresses are 10,000 index-only probes, no heap visits.
        Index(
            "ix_player_profiles_player_address",
            "player_address",
            postgresql_include=list(PROFILE_LOOKUP_COLUMNS),
        ),
    )


class GenerationLog(Versioned, Base):
    """Seed 000 ``avatar_generation_logs`` plus what the Fal job lifecycle needs."""

    __tablename__ = "avatar_generation_logs"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    cartridge_username: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    style: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(Text)
    fal_job_id: Mapped[str | None] = mapped_column(Text, unique=True)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="pending")
    error_message: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    image_urls: Mapped[list[str] | None] = mapped_column(JSONType)
    is_public: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    created_at: Mapped[datetime] = mapped_column(
        nullable=False, default=utcnow, server_default=func.now(), index=True
    )
    updated_at: Mapped[datetime] = _updated()
    completed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint(_in("status", LOG_STATUSES), name="ck_logs_status"),
        # The public gallery: newest first, keyset on (created_at, id), public successes only.
        Index(
            "ix_logs_gallery",
            "created_at",
            "id",
            postgresql_where=text("is_public AND status = 'success'"),
            sqlite_where=text("is_public AND status = 'success'"),
        ),
    )


class WardrobeEntry(Versioned, Base):
    """Seed 004 ``avatar_wardrobe``; ``deleted_at`` is a tombstone the sync layer propagates."""

    __tablename__ = "avatar_wardrobe"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="My Avatar")
    avatar_type: Mapped[str] = mapped_column(String(20), nullable=False, default="vrm")
    glb_url: Mapped[str] = mapped_column(Text, nullable=False)
    source_url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, nullable=False, default=dict)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    deleted_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint(_in("avatar_type", AVATAR_TYPES), name="ck_wardrobe_avatar_type"),
        CheckConstraint("NOT (is_active AND deleted_at IS NOT NULL)", name="ck_wardrobe_active_not_deleted"),
        Index("idx_wardrobe_user", "user_id"),
        # At most one active entry per user (seed 004's idx_wardrobe_active, made unique).
        Index(
            "idx_wardrobe_active",
            "user_id",
            unique=True,
            postgresql_where=text("is_active"),
            sqlite_where=text("is_active"),
        ),
    )


class InventoryItem(Versioned, Base):
    """Seed 004 Phase 3 ``avatar_inventory``: one row per (user, item)."""

    __tablename__ = "avatar_inventory"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    item_type: Mapped[str] = mapped_column(String(30), nullable=False)
    item_id: Mapped[str] = mapped_column(String(100), nullable=False)
    glb_url: Mapped[str] = mapped_column(Text, nullable=False)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    acquired_at: Mapped[datetime] = _created()
    source: Mapped[str] = mapped_column(
        String(30), nullable=False, default="default", server_default="default"
    )

    __table_args__ = (
        UniqueConstraint("user_id", "item_id", name="uq_inventory_user_item"),
        CheckConstraint(_in("item_type", ITEM_TYPES), name="ck_inventory_item_type"),
        CheckConstraint(_in("source", ITEM_SOURCES), name="ck_inventory_source"),
    )


class Prebuilt(Versioned, Base):
    """The shared catalogue (seed 004 ``prebuilts/``, ``hair/``, ``clothing/``): public, artist-written."""

    __tablename__ = "prebuilts"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    glb_url: Mapped[str] = mapped_column(Text, nullable=False)
    source_url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, nullable=False, default=dict)
    published_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    __table_args__ = (CheckConstraint(_in("kind", PREBUILT_KINDS), name="ck_prebuilts_kind"),)
