"""Queries over the record tables. Each repository works inside a Session its caller owns.

Inputs are already canonical (see ``studio.domain.identity``); the services do that. Batch
lookups live in ``studio.store.profile_lookup``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select, tuple_
from sqlalchemy.exc import IntegrityError
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

_Row = TypeVar("_Row")


def add_first_time(session: Session, row: _Row, winner: Callable[[], _Row | None]) -> _Row:
    """Insert ``row`` (a player's first users/profile row) inside a savepoint. Two transactions
    creating the same player at the same instant both found nothing; on PostgreSQL the second
    INSERT waits for the first and then fails on the unique key. That is not a conflict: the
    savepoint is rolled back and ``winner()`` reads (and locks) the row the other one committed,
    so first-time creation is idempotent. Any other integrity failure is raised as it was."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = winner()
        if found is None:
            raise
        return found
    return row


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

    def add(self, username: str, address: str) -> PlayerProfile:
        """A new profile; if another transaction created it meanwhile, that one (locked)."""
        profile = PlayerProfile(cartridge_username=username, player_address=address)
        return add_first_time(self.session, profile, lambda: self.get(username, for_update=True))


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
        return self.successes_page(GenerationLog.is_public.is_(True), limit=limit, after=after, search=search)

    def successes_page(
        self,
        where: Any,
        *,
        limit: int,
        after: tuple[datetime, str] | None = None,
        search: str | None = None,
    ) -> list[GenerationLog]:
        """Successful generations matching ``where`` (public ones, one player's), newest first,
        keyset-paginated on (created_at, id) after ``after``; ``search`` in the prompt."""
        stmt: Select[GenerationLog] = select(GenerationLog).where(where, GenerationLog.status == "success")
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
            new = User(cartridge_username=username, player_address=address)
            user = add_first_time(self.session, new, lambda: self.get(username, for_update=for_update))
        if address and user.player_address != address:
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
