"""Who a player is: a Cartridge username (the primary key, seed 000) and a Starknet address.

Both are canonicalised before they reach the database, so a lookup never misses on formatting:

- an address is a Starknet field element (felt): ``0x`` + hex, value below the Stark prime
  ``P = 2**251 + 17 * 2**192 + 1``. It is stored as lower-case ``0x`` + exactly 64 hex digits
  (``0x5A`` and ``0x00...05a`` are the same account). Anything else is refused.
- a username is trimmed and lower-cased (Cartridge treats usernames case-insensitively); it is
  1-64 characters of ``a-z 0-9 . _ -`` starting with a letter or digit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from studio.domain.errors import InvalidInputError

STARK_PRIME = 2**251 + 17 * 2**192 + 1
ADDRESS_HEX_DIGITS = 64
USERNAME_MAX = 64

_HEX = re.compile(r"0[xX]([0-9a-fA-F]+)")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
# Fast paths: input that is already canonical (what clients and game servers usually send) is
# recognised by one regex match. For 64 fixed-width lower-case hex digits, string order is numeric
# order, so "below the prime" is a string comparison, with no int conversion.
_CANONICAL_ADDRESS = re.compile(r"0x[0-9a-f]{64}")
_PRIME_HEX = f"0x{STARK_PRIME:0{ADDRESS_HEX_DIGITS}x}"
_CANONICAL_USERNAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{USERNAME_MAX - 1}}}")


def canonical_address(value: str) -> str:
    """Return ``value`` as ``0x`` + 64 lower-case hex digits, or raise :class:`InvalidInputError`."""
    if type(value) is str and _CANONICAL_ADDRESS.fullmatch(value) and value < _PRIME_HEX:
        return value
    if not isinstance(value, str):
        raise InvalidInputError(f"a Starknet address must be text, got {type(value).__name__}")
    text = value.strip()
    match = _HEX.fullmatch(text)
    if not match:
        raise InvalidInputError(f"not a Starknet address (expected 0x followed by hex digits): {value!r}")
    number = int(match.group(1), 16)
    if number >= STARK_PRIME:
        raise InvalidInputError(f"not a Starknet address: {value!r} is not below the Stark field prime")
    return f"0x{number:0{ADDRESS_HEX_DIGITS}x}"


def canonical_username(value: str) -> str:
    """Return the trimmed, lower-cased Cartridge username, or raise :class:`InvalidInputError`."""
    if type(value) is str and _CANONICAL_USERNAME.fullmatch(value):
        return value
    if not isinstance(value, str):
        raise InvalidInputError(f"a username must be text, got {type(value).__name__}")
    text = value.strip().lower()
    if not text:
        raise InvalidInputError("a Cartridge username is required")
    if len(text) > USERNAME_MAX:
        raise InvalidInputError(f"a Cartridge username has at most {USERNAME_MAX} characters: {value!r}")
    if not _USERNAME.fullmatch(text):
        raise InvalidInputError(
            f"not a Cartridge username (letters, digits, '.', '_' and '-' only): {value!r}"
        )
    return text


def canonical_addresses(values: Iterable[str]) -> list[str]:
    """:func:`canonical_address` of each value, in order (batches: the fast path is inlined)."""
    fast, prime = _CANONICAL_ADDRESS.fullmatch, _PRIME_HEX
    return [
        v if type(v) is str and fast(v) and v < prime else canonical_address(v)
        for v in values
    ]


def canonical_usernames(values: Iterable[str]) -> list[str]:
    """:func:`canonical_username` of each value, in order."""
    fast = _CANONICAL_USERNAME.fullmatch
    return [v if type(v) is str and fast(v) else canonical_username(v) for v in values]


def is_address(value: str) -> bool:
    try:
        canonical_address(value)
    except InvalidInputError:
        return False
    return True


@dataclass(frozen=True)
class Identity:
    """The signed-in player ("me"): canonical username and address."""

    username: str
    address: str

    @classmethod
    def of(cls, username: str, address: str) -> Identity:
        return cls(canonical_username(username), canonical_address(address))
