"""Batch profile lookups (seed 000 ``POST /avatars/profiles``): up to 10,000 keys in ONE statement.

The keys travel as one parameter and are joined with their position (PostgreSQL: one text split by
``string_to_array`` and ``unnest ... WITH ORDINALITY``; SQLite: ``json_each``, whose ``key`` is the
array index), so the answer comes back as ``(position, ...)`` tuples that drop straight into an
input-ordered list: no ORM objects, no dict keyed by address, no ORDER BY.

On PostgreSQL ``ix_player_profiles_player_address`` INCLUDEs every column read here (migration
0003), so each key is one index-only probe. Two profiles may share an address (the seed does not
make it unique): the most recently updated wins, ties to the smaller username, the same rule as
``ProfileRepository.by_address``. On PostgreSQL that is ``DISTINCT ON`` the key's position, whose
sort compares integers first (cheap) instead of sorting the answer by timestamp and name.

Inputs must already be canonical (``studio.domain.identity``): canonical addresses and usernames
never contain the separator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

Found = tuple[str, str | None]  # (cartridge_username, avatar_url)
FoundByName = tuple[str, str, str | None]  # (cartridge_username, player_address, avatar_url)

_SEP = "\x1f"  # ASCII unit separator: never part of a canonical address or username

_PG_KEYS = "unnest(string_to_array(:keys, chr(31))) WITH ORDINALITY AS k(key, i)"
# Of several profiles sharing an address: the latest updated, then the smaller username.
_LATEST = "p.updated_at DESC, p.cartridge_username"
BY_ADDRESS = {
    "postgresql": text(
        "SELECT DISTINCT ON (k.i) k.i - 1, p.cartridge_username, p.avatar_url "
        f"FROM {_PG_KEYS} JOIN player_profiles p ON p.player_address = k.key "
        f"ORDER BY k.i, {_LATEST}"
    ),
    "sqlite": text(
        "SELECT i, name, url FROM (SELECT k.key AS i, p.cartridge_username AS name, p.avatar_url AS url, "
        f"row_number() OVER (PARTITION BY k.key ORDER BY {_LATEST}) AS n "
        "FROM json_each(:keys) AS k JOIN player_profiles p ON p.player_address = k.value) WHERE n = 1"
    ),
}
BY_USERNAME = {
    "postgresql": text(
        "SELECT k.i - 1, p.cartridge_username, p.player_address, p.avatar_url "
        f"FROM {_PG_KEYS} JOIN player_profiles p ON p.cartridge_username = k.key"
    ),
    "sqlite": text(
        "SELECT k.key, p.cartridge_username, p.player_address, p.avatar_url "
        "FROM json_each(:keys) AS k JOIN player_profiles p ON p.cartridge_username = k.value"
    ),
}


def _keys(session: Session, keys: Sequence[str]) -> tuple[str, str]:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        if any(_SEP in k for k in keys):
            raise ValueError("batch keys must be canonical (no control characters)")
        return dialect, _SEP.join(keys)
    if dialect == "sqlite":
        return dialect, json.dumps(list(keys))
    raise ValueError(f"unsupported database {dialect!r}")


def latest_by_addresses(session: Session, addresses: Sequence[str]) -> list[Found | None]:
    """For each canonical address, in order: (username, avatar_url) of its latest profile, or None."""
    if not addresses:
        return []
    dialect, keys = _keys(session, addresses)
    found: list[Found | None] = [None] * len(addresses)
    # .all(): one fetchall from the driver; iterating the result would fetch row by row.
    for i, name, url in session.execute(BY_ADDRESS[dialect], {"keys": keys}).all():
        found[i] = (name, url)
    return found


def by_usernames(session: Session, usernames: Sequence[str]) -> list[FoundByName | None]:
    """For each canonical username, in order: (username, address, avatar_url), or None."""
    if not usernames:
        return []
    dialect, keys = _keys(session, usernames)
    found: list[FoundByName | None] = [None] * len(usernames)
    for i, name, address, url in session.execute(BY_USERNAME[dialect], {"keys": keys}).all():
        found[i] = (name, address, url)
    return found
