"""The generation job log (``avatar_generation_logs``) and the atomic rate-limit reservation.

Quota rule (docs/generation.md): a job *consumes* quota while it is ``pending`` or
``in_progress`` and once it is ``success`` or ``cancelled`` (Fal may have run it). ``failed``
(a server-side failure, no usable image) and ``refused`` (moderation) do not consume quota.

:meth:`GenerationLogStore.reserve` counts and inserts in ONE transaction that first locks the
player's profile row: ``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite (the
write lock is taken before the count). Two devices reserving at once are serialised on that lock,
so the second one sees the first one's row and is refused.

State changes after the reservation are conditional (the row is locked and changed only while its
status is still one of the expected ones), so a duplicate completion (two resumes, a retried
callback) changes nothing the second time. They go through the ORM so the local store's sync
outbox records them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from studio.domain.errors import NotFoundError, StudioError
from studio.store.engine import read_session, write_session
from studio.store.models import GenerationLog, PlayerProfile, utcnow
from studio.store.repositories import LogRepository, ProfileRepository

ACTIVE = ("pending", "in_progress")
CONSUMING = ("pending", "in_progress", "success", "cancelled")
Clock = Callable[[], datetime]


class RateLimitedError(StudioError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, next_available_at: datetime) -> None:
        super().__init__(message)
        self.next_available_at = next_available_at


@dataclass(frozen=True)
class Quota:
    limit: int
    window: timedelta
    used: int
    next_available_at: datetime | None  # None: a generation is available now

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True)
class LogView:
    """A plain copy of one log row (callers never hold ORM rows); the one view of a log for the
    generation pipeline, the gallery and the CLI."""

    id: str
    cartridge_username: str
    prompt: str
    style: str | None
    seed: int | None
    model: str | None
    fal_job_id: str | None
    status: str
    error_message: str | None
    image_url: str | None
    image_urls: tuple[str, ...]
    is_public: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int

    @classmethod
    def of(cls, row: GenerationLog) -> LogView:
        return cls(
            row.id,
            row.cartridge_username,
            row.prompt,
            row.style,
            row.seed,
            row.model,
            row.fal_job_id,
            row.status,
            row.error_message,
            row.image_url,
            tuple(row.image_urls or ()),
            row.is_public,
            row.created_at,
            row.updated_at,
            row.completed_at,
            row.version,
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cartridgeUsername": self.cartridge_username,
            "prompt": self.prompt,
            "status": self.status,
            "imageUrl": self.image_url,
            "imageUrls": list(self.image_urls),
            "createdAt": self.created_at.isoformat(),
        }


def _quota(created: Sequence[datetime], limit: int, window: timedelta) -> Quota:
    """``created``: consuming rows inside the window, oldest first."""
    used = len(created)
    if used < limit:
        return Quota(limit, window, used, None)
    # The slot frees when the (used - limit + 1)-th oldest row leaves the window.
    return Quota(limit, window, used, created[used - limit] + window)


class GenerationLogStore:
    """Repository for generation logs over an engine; each method is one transaction."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    # -- rate limit ---------------------------------------------------------------------------
    def _consuming_since(self, session: Session, username: str, since: datetime) -> list[datetime]:
        stmt = (
            select(GenerationLog.created_at)
            .where(
                GenerationLog.cartridge_username == username,
                GenerationLog.status.in_(CONSUMING),
                GenerationLog.created_at > since,
            )
            .order_by(GenerationLog.created_at)
        )
        return list(session.scalars(stmt))

    def quota(self, username: str, limit: int, window: timedelta) -> Quota:
        with read_session(self.engine) as s:
            return _quota(self._consuming_since(s, username, self.clock() - window), limit, window)

    def _lock_profile(self, session: Session, username: str, address: str) -> PlayerProfile:
        """The player's profile, locked (created on first use; a concurrent first use is adopted)."""
        repo = ProfileRepository(session)
        return repo.get(username, for_update=True) or repo.add(username, address)

    def reserve(
        self, *, username: str, address: str, prompt: str, style: str | None, seed: int, model: str,
        limit: int, window: timedelta,
    ) -> LogView:
        """Check the quota and insert a ``pending`` log, atomically; raise :class:`RateLimitedError`."""
        with write_session(self.engine) as s:
            profile = self._lock_profile(s, username, address)
            now = self.clock()
            quota = _quota(self._consuming_since(s, username, now - window), limit, window)
            if quota.next_available_at is not None:
                raise RateLimitedError(
                    f"You have used your {limit} generation(s) for this {_window_text(window)}. "
                    f"The next one is available at {quota.next_available_at:%Y-%m-%d %H:%M} UTC.",
                    next_available_at=quota.next_available_at,
                )
            row = GenerationLog(
                id=uuid.uuid4().hex, cartridge_username=username, prompt=prompt, style=style, seed=seed,
                model=model, status="pending", created_at=now, updated_at=now,
            )
            s.add(row)
            profile.last_generation_at = now
            s.flush()
            return LogView.of(row)

    def record_refused(self, *, username: str, prompt: str, style: str | None, reason: str) -> LogView:
        """Keep a refused prompt for audit (it does not consume quota)."""
        now = self.clock()
        with write_session(self.engine) as s:
            row = GenerationLog(
                id=uuid.uuid4().hex, cartridge_username=username, prompt=prompt, style=style,
                status="refused", error_message=reason, created_at=now, updated_at=now, completed_at=now,
            )
            s.add(row)
            s.flush()
            return LogView.of(row)

    # -- lifecycle ------------------------------------------------------------------------------
    def _transition(self, log_id: str, from_: Sequence[str], **values: object) -> bool:
        """Apply ``values`` if the log is still in one of ``from_`` (else nothing: a duplicate).

        Through the ORM (the row locked first), so on the local store the change lands in the sync
        outbox like any other edit: a completion that happens while a sync pushes the ``pending``
        row is pushed next time instead of being overwritten by the server's older copy."""
        now = self.clock()
        with write_session(self.engine) as s:
            row = s.scalars(select(GenerationLog).where(GenerationLog.id == log_id).with_for_update()).first()
            if row is None or row.status not in from_:
                return False
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            if values.get("status") == "success":
                profile = ProfileRepository(s).get(row.cartridge_username, for_update=True)
                if profile is not None:
                    profile.generation_count += 1
                    profile.updated_at = now
            s.flush()
            return True

    def attach_job(self, log_id: str, fal_job_id: str) -> bool:
        return self._transition(log_id, ("pending",), fal_job_id=fal_job_id)

    def mark_in_progress(self, log_id: str) -> bool:
        return self._transition(log_id, ("pending",), status="in_progress")

    def complete(self, log_id: str, refs: Sequence[str], note: str | None = None) -> bool:
        """Record success with the kept images; False when the job was already final (a duplicate)."""
        return self._transition(
            log_id, ACTIVE, status="success", image_url=refs[0], image_urls=list(refs),
            error_message=note, completed_at=self.clock(),
        )

    def fail(self, log_id: str, message: str) -> bool:
        now = self.clock()
        return self._transition(log_id, ACTIVE, status="failed", error_message=message, completed_at=now)

    def cancel(self, log_id: str) -> bool:
        return self._transition(
            log_id, ACTIVE, status="cancelled", error_message="cancelled by the user",
            completed_at=self.clock(),
        )

    # -- reads ----------------------------------------------------------------------------------
    def get(self, log_id: str) -> LogView:
        with read_session(self.engine) as s:
            row = LogRepository(s).get(log_id)
            if row is None:
                raise NotFoundError(f"no generation {log_id}")
            return LogView.of(row)

    def for_user(self, username: str, *, statuses: Sequence[str] = (), limit: int = 50) -> list[LogView]:
        with read_session(self.engine) as s:
            rows = LogRepository(s).for_user(username, statuses=statuses, limit=limit)
            return [LogView.of(r) for r in rows]

    def successes_page(
        self, username: str, *, limit: int, after: tuple[datetime, str] | None = None, search: str = ""
    ) -> tuple[list[LogView], str | None]:
        """The player's successful generations, newest first, keyset-paginated on ``(created_at, id)``
        like the public gallery, and the player's profile avatar ref (to mark the chosen image):
        one read, so the page and the mark agree."""
        mine = GenerationLog.cartridge_username == username
        with read_session(self.engine) as s:
            page = LogRepository(s).successes_page(mine, limit=limit, after=after, search=search)
            rows = [LogView.of(r) for r in page]
            profile = ProfileRepository(s).get(username)
            return rows, profile.avatar_url if profile is not None else None

    def unfinished(self, username: str) -> list[LogView]:
        """Jobs to resume after a restart, oldest first."""
        return sorted(self.for_user(username, statuses=ACTIVE, limit=1000), key=lambda v: v.created_at)


def _window_text(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    if hours == 24:
        return "24 hours"
    if hours == 24 * 7:
        return "week"
    return f"{hours:g} hours"
