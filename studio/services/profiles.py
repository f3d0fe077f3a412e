"""Player profiles (seed 000 API): lookups by username and address, batches, and "me".

Every input username/address is canonicalised first (``studio.domain.identity``), so ``0x5A`` and
``0x00…05a`` find the same player. Results are plain frozen dataclasses: callers never hold ORM rows.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine

from studio.domain.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from studio.domain.identity import (
    Identity,
    canonical_address,
    canonical_addresses,
    canonical_username,
    canonical_usernames,
)
from studio.store import profile_lookup
from studio.store.engine import read_session, write_session
from studio.store.models import PlayerProfile, utcnow
from studio.store.repositories import LogRepository, PrebuiltRepository, ProfileRepository

MAX_BATCH = 10_000


@dataclass(frozen=True)
class ProfileView:
    cartridge_username: str
    player_address: str
    avatar_url: str | None
    avatar_generation_prompt: str | None
    fal_image_id: str | None
    created_at: datetime
    updated_at: datetime
    generation_count: int
    last_generation_at: datetime | None
    version: int

    @classmethod
    def of(cls, row: PlayerProfile) -> ProfileView:
        return cls(
            row.cartridge_username,
            row.player_address,
            row.avatar_url,
            row.avatar_generation_prompt,
            row.fal_image_id,
            row.created_at,
            row.updated_at,
            row.generation_count,
            row.last_generation_at,
            row.version,
        )

    def to_api(self) -> dict[str, Any]:
        """Seed 000's response shape (``GET /avatars/profile/:username``)."""
        return {
            "cartridgeUsername": self.cartridge_username,
            "playerAddress": self.player_address,
            "avatarUrl": self.avatar_url,
            "createdAt": self.created_at.isoformat(),
        }


class ProfileSummary(NamedTuple):
    """What the batch endpoints return (seed 000 ``POST /avatars/profiles``)."""

    cartridge_username: str
    player_address: str
    avatar_url: str | None

    def to_api(self) -> dict[str, Any]:
        return {
            "playerAddress": self.player_address,
            "cartridgeUsername": self.cartridge_username,
            "avatarUrl": self.avatar_url,
        }


def default_avatar_index(address: str, count: int) -> int:
    """Deterministic pick among ``count`` default avatars: the same player always gets the same one."""
    digest = hashlib.sha256(canonical_address(address).encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % count


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one batch.

    A 10,000-key batch allocates ~40,000 short-lived tuples (driver rows, result rows, answers);
    they trigger ~40 collections per batch, about half of the batch's CPU in this process, that
    find nothing: reference counting frees all of them. Only the thread that found the collector
    enabled re-enables it, so concurrent batches or an application that disabled it stay correct.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_batch(values: Sequence[str], what: str) -> None:
    if isinstance(values, str):
        raise InvalidInputError(f"give a list of {what}, not one string")
    if len(values) > MAX_BATCH:
        raise InvalidInputError(f"at most {MAX_BATCH} {what} per batch (got {len(values)})")


class ProfileService:
    """Seed 000 endpoints 3-9 as methods. ``engine`` is the store the profiles live in."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, username: str) -> ProfileView | None:
        key = canonical_username(username)
        with read_session(self.engine) as s:
            row = ProfileRepository(s).get(key)
            return ProfileView.of(row) if row else None

    def by_address(self, address: str) -> ProfileView | None:
        key = canonical_address(address)
        with read_session(self.engine) as s:
            row = ProfileRepository(s).by_address(key)
            return ProfileView.of(row) if row else None

    def batch_by_addresses(self, addresses: Sequence[str]) -> list[ProfileSummary | None]:
        """One answer per input address, in input order; unknown players are ``None``. One query.

        Of several profiles sharing an address the most recently updated wins (as ``by_address``).
        """
        _check_batch(addresses, "addresses")
        with _gc_paused():
            keys = canonical_addresses(addresses)
            with read_session(self.engine) as s:
                found = profile_lookup.latest_by_addresses(s, keys)
            return [
                None if hit is None else ProfileSummary(hit[0], key, hit[1])
                for key, hit in zip(keys, found, strict=True)
            ]

    def batch_by_usernames(self, usernames: Sequence[str]) -> list[ProfileSummary | None]:
        """One answer per input username, in input order; unknown players are ``None``. One query."""
        _check_batch(usernames, "usernames")
        with _gc_paused():
            keys = canonical_usernames(usernames)
            with read_session(self.engine) as s:
                found = profile_lookup.by_usernames(s, keys)
            return [None if hit is None else ProfileSummary(*hit) for hit in found]

    # --- me -------------------------------------------------------------------------------------

    def ensure(self, me: Identity) -> ProfileView:
        """My profile, created on first use; a changed address (new wallet) is recorded."""
        with write_session(self.engine) as s:
            repo = ProfileRepository(s)
            row = repo.get(me.username, for_update=True) or repo.add(me.username, me.address)
            if row.player_address != me.address:
                row.player_address = me.address
            s.flush()
            return ProfileView.of(row)

    def me(self, me: Identity) -> ProfileView | None:
        return self.get(me.username)

    def set_my_avatar(
        self, me: Identity, image_url: str, *, expected_version: int | None = None
    ) -> ProfileView:
        """PATCH /avatars/me: use ``image_url``, which must come from one of my successful generations."""
        if not image_url or not image_url.strip():
            raise InvalidInputError("an image URL is required")
        with write_session(self.engine) as s:
            log = LogRepository(s).successful_with_image(me.username, image_url.strip())
            if log is None:
                raise PermissionDeniedError(
                    "that image is not one of your generated avatars; pick one from your generations"
                )
            row = self._mine_for_update(s, me, expected_version)
            row.avatar_url = image_url.strip()
            row.avatar_generation_prompt = log.prompt
            row.fal_image_id = log.fal_job_id or log.id
            s.flush()
            return ProfileView.of(row)

    def reset_my_avatar(self, me: Identity, *, expected_version: int | None = None) -> ProfileView:
        """DELETE /avatars/me: back to this player's deterministic default avatar (or none)."""
        with write_session(self.engine) as s:
            row = self._mine_for_update(s, me, expected_version)
            defaults = PrebuiltRepository(s).list(kind="avatar")
            if defaults:
                pick = defaults[default_avatar_index(me.address, len(defaults))]
                row.avatar_url = pick.thumbnail_url or pick.glb_url
            else:
                row.avatar_url = None
            row.avatar_generation_prompt = None
            row.fal_image_id = None
            s.flush()
            return ProfileView.of(row)

    def note_generation(self, me: Identity, at: datetime | None = None) -> ProfileView:
        """Count one generation (seed 000 rate limiting: generation_count, last_generation_at)."""
        with write_session(self.engine) as s:
            repo = ProfileRepository(s)
            row = repo.get(me.username, for_update=True) or repo.add(me.username, me.address)
            row.generation_count += 1
            row.last_generation_at = at or utcnow()
            s.flush()
            return ProfileView.of(row)

    def _mine_for_update(self, s: Any, me: Identity, expected_version: int | None) -> PlayerProfile:
        row = ProfileRepository(s).get(me.username, for_update=True)
        if row is None:
            raise NotFoundError(f"no profile for {me.username} yet; generate an avatar first")
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                f"your profile changed elsewhere (version {row.version}); reload and try again"
            )
        return row
