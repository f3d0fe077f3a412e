"""Batch canonicalisation (the fast path for already-canonical input) agrees with the one-by-one rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.domain.errors import InvalidInputError
from studio.domain.identity import (
    STARK_PRIME,
    canonical_address,
    canonical_addresses,
    canonical_username,
    canonical_usernames,
)

LARGEST = "0x" + format(STARK_PRIME - 1, "064x")
PRIME = "0x" + format(STARK_PRIME, "064x")


def test_the_prime_boundary_holds_for_already_canonical_input() -> None:
    assert canonical_addresses([LARGEST]) == [LARGEST]
    assert canonical_address(LARGEST) == LARGEST
    for bad in (PRIME, "0x" + "f" * 64, "0x0800000000000011000000000000000000000000000000000000000000000002"):
        with pytest.raises(InvalidInputError, match="Stark field prime"):
            canonical_addresses(["0x1", bad])
        with pytest.raises(InvalidInputError, match="Stark field prime"):
            canonical_address(bad)


def test_mixed_batches_match_one_by_one() -> None:
    padded = "0x" + "0" * 62 + "5a"
    raw = ["0x5A", " 0x5a", padded.upper(), padded, padded + "\n", LARGEST.upper().replace("0X", "0x")]
    assert canonical_addresses(raw) == [canonical_address(a) for a in raw]
    assert len(set(canonical_addresses(raw))) == 2
    names = ["alice", " Alice", "alice\n", "BOB.the-builder", "a" * 64]
    assert canonical_usernames(names) == [canonical_username(n) for n in names]


BAD_ADDRESSES = ["", "0x", "0x" + "0" * 64 + "\n1", "0x" + "g" * 64, "0x" + "f" * 65, 5]


@pytest.mark.parametrize("bad", BAD_ADDRESSES)
def test_batches_refuse_what_single_lookups_refuse(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        canonical_addresses(["0x1", bad])  # type: ignore[list-item]


@pytest.mark.parametrize("bad", ["", "a" * 65, "-x", "al ice", "alice\nbob", 7])
def test_username_batches_refuse_what_single_lookups_refuse(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        canonical_usernames(["ok", bad])  # type: ignore[list-item]


@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_every_64_digit_form_agrees(number: int) -> None:
    text = "0x" + format(number, "064x")
    if number < STARK_PRIME:
        assert canonical_addresses([text]) == [canonical_address(hex(number))]
    else:
        with pytest.raises(InvalidInputError):
            canonical_addresses([text])
