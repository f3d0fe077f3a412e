"""Queries over the record tables. Each repository works inside a Session its caller owns.

Inputs are already canonical (see ``studio.domain.identity``); the services do that. Batch
lookups send the whole key list as ONE parameter (a PostgreSQL array, a JSON text on SQLite), so
10,000 keys cost one round trip and one short statement to plan.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from studio.store.models import (
    GenerationLog,
    InventoryItem,
    PlayerProfile,
    Prebuilt,
    User,
    UTCDateTime,
    WardrobeEntry,
)


def key_column(session: Session, values: Sequence[str]) -> ColumnElement[str]:
    """A one-column table of ``values`` bound as ONE parameter, to join the looked-up table against.

    A join (not ``= ANY``) lets PostgreSQL probe the index once per key; with ``= ANY`` of 10,000
    keys it prefers a sequential scan. On PostgreSQL the keys travel as one text split server-side
    (dumping a 10,000-element array costs the driver ~35 ms); on SQLite as JSON through json_each.
    """
    if session.get_bind().dialect.name == "postgresql":
        if any(_SEP in v for v in values):
            keys: ColumnElement[Any] = bindparam("keys", list(values), type_=ARRAY(Text))
        else:
            joined = bindparam("keys", _SEP.join(values), type_=Text)
            keys = func.string_to_array(joined, _SEP, type_=ARRAY(Text))
        return func.unnest(keys).table_valued("key").render_derived(name="k").c.key
    return func.json_each(bindparam("keys", json.dumps(list(values)))).table_valued("value").c.value


_SEP = "\x1f"  # ASCII unit separator: never part of a canonical address or username


class ProfileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, username: str, *, for_update: bool = False) -> PlayerProfile | None:
        stmt = select(PlayerProfile).where(PlayerProfile.cartridge_username == username)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def by_address(self, address: str) -> PlayerProfile | None:
        # The seed does not make player_address unique: the most recently updated profile wins.
        stmt = (
            select(PlayerProfile)
            .where(PlayerProfile.player_address == address)
            .order_by(PlayerProfile.updated_at.desc(), PlayerProfile.cartridge_username)
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def summaries_by_addresses(self, addresses: Sequence[str]) -> dict[str, tuple[str, str, str | None]]:
        """address -> (username, address, avatar_url); of several profiles the latest updated wins."""
        key = key_column(self.session, addresses)
        stmt = (
            select(PlayerProfile.cartridge_username, PlayerProfile.player_address, PlayerProfile.avatar_url)
            .join_from(PlayerProfile, key.table, PlayerProfile.player_address == key)
            .order_by(PlayerProfile.updated_at, PlayerProfile.cartridge_username)
        )
        return {row[1]: (row[0], row[1], row[2]) for row in self.session.execute(stmt)}

    def summaries_by_usernames(self, usernames: Sequence[str]) -> dict[str, tuple[str, str, str | None]]:
        key = key_column(self.session, usernames)
        stmt = select(
            PlayerProfile.cartridge_username, PlayerProfile.player_address, PlayerProfile.avatar_url
        ).join_from(PlayerProfile, key.table, PlayerProfile.cartridge_username == key)
        return {row[0]: (row[0], row[1], row[2]) for row in self.session.execute(stmt)}

    def add(self, username: str, address: str) -> PlayerProfile:
        profile = PlayerProfile(cartridge_username=username, player_address=address)
        self.session.add(profile)
        self.session.flush()
        return profile


class LogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, log_id: str) -> GenerationLog | None:
        return self.session.get(GenerationLog, log_id)

    def by_fal_job_id(self, fal_job_id: str) -> GenerationLog | None:
        return self.session.scalars(
            select(GenerationLog).where(GenerationLog.fal_job_id == fal_job_id)
        ).first()

    def for_user(
        self, username: str, *, statuses: Sequence[str] = (), limit: int = 50
    ) -> list[GenerationLog]:
        stmt = select(GenerationLog).where(GenerationLog.cartridge_username == username)
        if statuses:
            stmt = stmt.where(GenerationLog.status.in_(list(statuses)))
        stmt = stmt.order_by(GenerationLog.created_at.desc(), GenerationLog.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def gallery_page(
        self, *, limit: int, after: tuple[datetime, str] | None = None, search: str | None = None
    ) -> list[GenerationLog]:
        """Public successes, newest first, keyset-paginated on (created_at, id)."""
        stmt: Select[GenerationLog] = select(GenerationLog).where(
            GenerationLog.is_public.is_(True), GenerationLog.status == "success"
        )
        if after is not None:
            key = tuple_(
                bindparam("after_at", after[0], type_=UTCDateTime()), bindparam("after_id", after[1])
            )
            stmt = stmt.where(tuple_(GenerationLog.created_at, GenerationLog.id) < key)
        if search:
            stmt = stmt.where(GenerationLog.prompt.icontains(search, autoescape=True))
        stmt = stmt.order_by(GenerationLog.created_at.desc(), GenerationLog.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def successful_with_image(self, username: str, image_url: str) -> GenerationLog | None:
        """The user's newest successful log that produced ``image_url`` (ownership proof)."""
        for log in self.for_user(username, statuses=("success",), limit=10_000):
            if image_url == log.image_url or image_url in (log.image_urls or []):
                return log
        return None


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, username: str, *, for_update: bool = False) -> User | None:
        stmt = select(User).where(User.cartridge_username == username)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def ensure(self, username: str, address: str | None, *, for_update: bool = False) -> User:
        """The user row for ``username``, created on first use (locked when ``for_update``)."""
        user = self.get(username, for_update=for_update)
        if user is None:
            user = User(cartridge_username=username, player_address=address)
            self.session.add(user)
            self.session.flush()
        elif address and user.player_address != address:
            user.player_address = address
        return user


class WardrobeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list(self, user_id: uuid.UUID, *, include_deleted: bool = False) -> list[WardrobeEntry]:
        stmt = select(WardrobeEntry).where(WardrobeEntry.user_id == user_id)
        if not include_deleted:
            stmt = stmt.where(WardrobeEntry.deleted_at.is_(None))
        return list(self.session.scalars(stmt.order_by(WardrobeEntry.created_at, WardrobeEntry.id)))

    def get(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> WardrobeEntry | None:
        stmt = select(WardrobeEntry).where(
            WardrobeEntry.id == entry_id, WardrobeEntry.user_id == user_id, WardrobeEntry.deleted_at.is_(None)
        )
        return self.session.scalars(stmt).one_or_none()

    def active(self, user_id: uuid.UUID) -> WardrobeEntry | None:
        stmt = select(WardrobeEntry).where(
            WardrobeEntry.user_id == user_id, WardrobeEntry.is_active.is_(True)
        )
        return self.session.scalars(stmt).one_or_none()


class InventoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list(self, user_id: uuid.UUID, item_type: str | None = None) -> list[InventoryItem]:
        stmt = select(InventoryItem).where(InventoryItem.user_id == user_id)
        if item_type:
            stmt = stmt.where(InventoryItem.item_type == item_type)
        return list(self.session.scalars(stmt.order_by(InventoryItem.acquired_at, InventoryItem.item_id)))

    def get(self, user_id: uuid.UUID, item_id: str) -> InventoryItem | None:
        stmt = select(InventoryItem).where(InventoryItem.user_id == user_id, InventoryItem.item_id == item_id)
        return self.session.scalars(stmt).one_or_none()


class PrebuiltRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list(self, kind: str | None = None) -> list[Prebuilt]:
        stmt = select(Prebuilt)
        if kind:
            stmt = stmt.where(Prebuilt.kind == kind)
        return list(self.session.scalars(stmt.order_by(Prebuilt.id)))

    def get(self, prebuilt_id: str) -> Prebuilt | None:
        return self.session.get(Prebuilt, prebuilt_id)

    def upsert(self, prebuilt_id: str, **fields: Any) -> Prebuilt:
        row = self.get(prebuilt_id)
        if row is None:
            row = Prebuilt(id=prebuilt_id, **fields)
            self.session.add(row)
        else:
            for key, value in fields.items():
                setattr(row, key, value)
        self.session.flush()
        return row
