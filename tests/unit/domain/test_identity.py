"""Addresses and usernames are canonicalised so a lookup never misses on formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.domain.errors import InvalidInputError
from studio.domain.identity import STARK_PRIME, Identity, canonical_address, canonical_username, is_address


def test_short_and_padded_forms_are_the_same_address() -> None:
    full = "0x" + "0" * 62 + "5a"
    assert canonical_address("0x5A") == full
    assert canonical_address("  0X005a ") == full
    assert canonical_address(full.upper().replace("0X", "0x")) == full


def test_largest_felt_is_accepted_and_the_prime_is_refused() -> None:
    assert canonical_address(hex(STARK_PRIME - 1)) == "0x" + format(STARK_PRIME - 1, "064x")
    with pytest.raises(InvalidInputError, match="Stark field prime"):
        canonical_address(hex(STARK_PRIME))
    with pytest.raises(InvalidInputError, match="Stark field prime"):
        canonical_address("0x" + "f" * 64)


@pytest.mark.parametrize("bad", ["", "0x", "5a", "0xzz", "0x 5a", "123", "0x5a!", "address"])
def test_non_hex_is_refused_with_a_clear_message(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="not a Starknet address"):
        canonical_address(bad)
    assert not is_address(bad)


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        canonical_address(123)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=STARK_PRIME - 1))
def test_every_felt_round_trips(number: int) -> None:
    canonical = canonical_address(hex(number))
    assert len(canonical) == 66 and canonical == canonical.lower()
    assert int(canonical, 16) == number
    assert canonical_address(canonical) == canonical


def test_usernames_are_trimmed_and_lower_cased() -> None:
    assert canonical_username("  Alice_01 ") == "alice_01"
    assert canonical_username("bob.the-builder") == "bob.the-builder"


@pytest.mark.parametrize("bad", ["", "   ", "-alice", "al ice", "alicé", "a" * 65, "x'; drop table"])
def test_bad_usernames_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        canonical_username(bad)


def test_identity_canonicalises_both_parts() -> None:
    me = Identity.of("Alice", "0x1")
    assert me == Identity("alice", "0x" + "0" * 63 + "1")
