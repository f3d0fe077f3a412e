"""Generation logs and the public gallery (seed 000: GET /avatars/gallery, status queries).

The gallery is newest first with keyset pagination on ``(created_at, id)``: a page costs the same
at page 1 and page 10,000, and rows added while someone pages never shift what they see next.
The cursor is opaque to callers (base64url JSON of the last row's key).

"My history" (:meth:`GalleryService.history_page`) lists every image a player's generations kept,
not one per generation, with the same keyset cursor over the generations and the one that is the
player's profile avatar marked ``chosen``.

The generation workstream records and advances its jobs through :meth:`GalleryService.record`
and :meth:`GalleryService.update`; both keep ``version`` for optimistic concurrency.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from studio.domain.errors import ConflictError, InvalidInputError, NotFoundError
from studio.domain.identity import canonical_username
from studio.store.engine import read_session, write_session
from studio.store.generation_logs import GenerationLogStore, LogView
from studio.store.models import LOG_STATUSES, GenerationLog, utcnow
from studio.store.repositories import LogRepository

MAX_PAGE = 200
FINAL_STATUSES = frozenset({"success", "failed", "cancelled", "refused"})
_UPDATABLE = frozenset(
    {
        "status",
        "error_message",
        "image_url",
        "image_urls",
        "fal_job_id",
        "is_public",
        "seed",
        "model",
        "style",
    }
)


@dataclass(frozen=True)
class GalleryPage:
    items: list[LogView]
    next_cursor: str | None = field(default=None)


@dataclass(frozen=True)
class KeptImage:
    """One image a generation kept: ``index`` among that generation's images (0-based)."""

    log_id: str
    index: int
    image_url: str
    prompt: str
    style: str | None
    created_at: datetime
    chosen: bool  # it is the player's profile avatar

    @property
    def id(self) -> str:
        return f"{self.log_id}/{self.index}"


@dataclass(frozen=True)
class HistoryPage:
    items: list[KeptImage]
    next_cursor: str | None = field(default=None)


def encode_cursor(created_at: datetime, log_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), log_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, log_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidInputError("that gallery cursor is not valid; start again from the first page") from exc
    if when.tzinfo is None or not isinstance(log_id, str):
        raise InvalidInputError("that gallery cursor is not valid; start again from the first page")
    return when, log_id


class GalleryService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def page(self, *, limit: int = 50, cursor: str | None = None, search: str | None = None) -> GalleryPage:
        """One page of public successful generations, newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(f"page size must be between 1 and {MAX_PAGE}")
        after = decode_cursor(cursor) if cursor else None
        with read_session(self.engine) as s:
            rows = LogRepository(s).gallery_page(limit=limit + 1, after=after, search=(search or "").strip())
            items = [LogView.of(r) for r in rows[:limit]]
        more = len(rows) > limit
        return GalleryPage(items, encode_cursor(items[-1].created_at, items[-1].id) if more else None)

    def history_page(
        self, username: str, *, limit: int = 50, cursor: str | None = None, search: str | None = None
    ) -> HistoryPage:
        """Every image kept by ``limit`` of the player's successful generations, newest generation
        first (its images in order); the one that is the profile avatar is ``chosen``."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(f"page size must be between 1 and {MAX_PAGE}")
        after = decode_cursor(cursor) if cursor else None
        logs, avatar = GenerationLogStore(self.engine).successes_page(
            canonical_username(username), limit=limit + 1, after=after, search=(search or "").strip()
        )
        page, more = logs[:limit], len(logs) > limit
        items = [
            KeptImage(log.id, n, ref, log.prompt, log.style, log.created_at, ref == avatar)
            for log in page
            for n, ref in enumerate(log.image_urls or ((log.image_url,) if log.image_url else ()))
        ]
        return HistoryPage(items, encode_cursor(page[-1].created_at, page[-1].id) if more else None)

    def log(self, log_id: str) -> LogView | None:
        with read_session(self.engine) as s:
            row = LogRepository(s).get(log_id)
            return LogView.of(row) if row else None

    def by_fal_job(self, fal_job_id: str) -> LogView | None:
        with read_session(self.engine) as s:
            row = LogRepository(s).by_fal_job_id(fal_job_id)
            return LogView.of(row) if row else None

    def logs_for(self, username: str, *, statuses: Sequence[str] = (), limit: int = 50) -> list[LogView]:
        _check_statuses(statuses)
        with read_session(self.engine) as s:
            rows = LogRepository(s).for_user(canonical_username(username), statuses=statuses, limit=limit)
            return [LogView.of(r) for r in rows]

    def record(self, log_id: str, username: str, prompt: str, **fields: Any) -> LogView:
        """Insert a new log row (status ``pending`` unless given)."""
        if not prompt or not prompt.strip():
            raise InvalidInputError("a prompt is required")
        _check_fields(fields)
        with write_session(self.engine) as s:
            if LogRepository(s).get(log_id) is not None:
                raise ConflictError(f"generation {log_id} is already recorded")
            row = GenerationLog(
                id=log_id, cartridge_username=canonical_username(username), prompt=prompt, **fields
            )
            if row.status in FINAL_STATUSES:
                row.completed_at = utcnow()
            s.add(row)
            s.flush()
            return LogView.of(row)

    def update(self, log_id: str, *, expected_version: int | None = None, **fields: Any) -> LogView:
        """Change a log (status, images, error); reaching a final status stamps ``completed_at``."""
        _check_fields(fields)
        with write_session(self.engine) as s:
            row = LogRepository(s).get(log_id)
            if row is None:
                raise NotFoundError(f"no generation {log_id}")
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(f"generation {log_id} changed elsewhere (version {row.version})")
            for key, value in fields.items():
                setattr(row, key, value)
            if row.status in FINAL_STATUSES and row.completed_at is None:
                row.completed_at = utcnow()
            s.flush()
            return LogView.of(row)


def _check_statuses(statuses: Sequence[str]) -> None:
    unknown = set(statuses) - set(LOG_STATUSES)
    if unknown:
        raise InvalidInputError(
            f"unknown status {sorted(unknown)}; expected one of {', '.join(LOG_STATUSES)}"
        )


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise InvalidInputError(f"cannot set {sorted(unknown)} on a generation log")
    if "status" in fields:
        _check_statuses([fields["status"]])
    urls = fields.get("image_urls")
    if urls is not None and (isinstance(urls, str) or not all(isinstance(u, str) for u in urls)):
        raise InvalidInputError("image_urls must be a list of URLs")
    if urls is not None:
        fields["image_urls"] = list(urls)
