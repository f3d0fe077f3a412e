"""Seed 000 profile operations, run against SQLite and the real PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, event

from studio.domain.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from studio.domain.identity import Identity
from studio.services.gallery import GalleryService
from studio.services.profiles import MAX_BATCH, ProfileService, default_avatar_index
from studio.store.engine import write_session
from studio.store.repositories import PrebuiltRepository

ALICE = Identity.of("Alice", "0xA11CE")
BOB = Identity.of("bob", "0xB0B")


def test_profile_by_username_and_by_address_in_any_format(db_engine: Engine) -> None:
    profiles = ProfileService(db_engine)
    profiles.ensure(ALICE)
    assert profiles.get("ALICE ").player_address == "0x" + "0" * 59 + "a11ce"  # type: ignore[union-attr]
    found = profiles.by_address("0x000a11ce")
    assert found is not None and found.cartridge_username == "alice"
    assert profiles.get("nobody") is None
    assert profiles.by_address("0x1234") is None
    with pytest.raises(InvalidInputError):
        profiles.by_address("not-an-address")


def test_batches_answer_in_input_order_with_nulls_for_unknown(db_engine: Engine) -> None:
    profiles = ProfileService(db_engine)
    profiles.ensure(ALICE)
    profiles.ensure(BOB)
    answers = profiles.batch_by_addresses(["0xb0b", "0x999", "0xA11CE", "0xb0b"])
    assert [a.cartridge_username if a else None for a in answers] == ["bob", None, "alice", "bob"]
    by_name = profiles.batch_by_usernames(["carol", "Bob", "alice"])
    assert [a.player_address if a else None for a in by_name] == [None, BOB.address, ALICE.address]
    assert profiles.batch_by_addresses([]) == []


def test_a_batch_is_one_round_trip(db_engine: Engine) -> None:
    profiles = ProfileService(db_engine)
    profiles.ensure(ALICE)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        addresses = [hex(n) for n in range(1, 2001)] + [ALICE.address]
        answers = profiles.batch_by_addresses(addresses)
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)
    assert answers[-1] is not None and answers[-1].cartridge_username == "alice"
    selects = [s for s in statements if "player_profiles" in s]
    assert len(selects) == 1


def test_oversized_and_malformed_batches_are_refused(db_engine: Engine) -> None:
    profiles = ProfileService(db_engine)
    with pytest.raises(InvalidInputError, match="at most"):
        profiles.batch_by_addresses(["0x1"] * (MAX_BATCH + 1))
    with pytest.raises(InvalidInputError, match="not a Starknet address"):
        profiles.batch_by_addresses(["0x1", "0xnope"])


def test_me_patch_accepts_only_my_own_generated_images(db_engine: Engine) -> None:
    profiles, logs = ProfileService(db_engine), GalleryService(db_engine)
    profiles.ensure(ALICE)
    logs.record(
        "g1",
        "alice",
        "cyberpunk warrior",
        status="success",
        fal_job_id="req-1",
        image_urls=["https://img/a1.png", "https://img/a2.png"],
    )
    logs.record("g2", "bob", "knight", status="success", image_urls=["https://img/b1.png"])
    logs.record("g3", "alice", "failed one", status="failed", image_urls=["https://img/a3.png"])

    me = profiles.set_my_avatar(ALICE, "https://img/a2.png")
    assert me.avatar_url == "https://img/a2.png"
    assert me.avatar_generation_prompt == "cyberpunk warrior" and me.fal_image_id == "req-1"
    with pytest.raises(PermissionDeniedError):
        profiles.set_my_avatar(ALICE, "https://img/b1.png")  # Bob's image
    with pytest.raises(PermissionDeniedError):
        profiles.set_my_avatar(ALICE, "https://img/a3.png")  # from a failed generation
    with pytest.raises(NotFoundError):
        profiles.set_my_avatar(BOB, "https://img/b1.png")  # Bob has no profile yet
    assert profiles.me(ALICE).avatar_url == "https://img/a2.png"  # type: ignore[union-attr]


def test_me_patch_with_a_stale_version_is_a_conflict(db_engine: Engine) -> None:
    profiles, logs = ProfileService(db_engine), GalleryService(db_engine)
    seen = profiles.ensure(ALICE)
    logs.record("g1", "alice", "p", status="success", image_urls=["u1", "u2"])
    profiles.set_my_avatar(ALICE, "u1", expected_version=seen.version)
    with pytest.raises(ConflictError):
        profiles.set_my_avatar(ALICE, "u2", expected_version=seen.version)


def test_me_delete_reverts_to_the_same_default_every_time(db_engine: Engine) -> None:
    profiles, logs = ProfileService(db_engine), GalleryService(db_engine)
    with write_session(db_engine) as s:
        for n in range(4):
            PrebuiltRepository(s).upsert(
                f"default-fem-0{n}",
                name=f"Fem {n}",
                kind="avatar",
                glb_url=f"s3://a/{n}.glb",
                thumbnail_url=f"https://t/{n}.webp",
            )
    profiles.ensure(ALICE)
    logs.record("g1", "alice", "p", status="success", image_urls=["https://img/x.png"])
    profiles.set_my_avatar(ALICE, "https://img/x.png")
    reset = profiles.reset_my_avatar(ALICE)
    expected = f"https://t/{default_avatar_index(ALICE.address, 4)}.webp"
    assert reset.avatar_url == expected and reset.avatar_generation_prompt is None
    assert profiles.reset_my_avatar(ALICE).avatar_url == expected


def test_note_generation_counts_for_rate_limits(db_engine: Engine) -> None:
    profiles = ProfileService(db_engine)
    profiles.note_generation(ALICE)
    after = profiles.note_generation(ALICE)
    assert after.generation_count == 2 and after.last_generation_at is not None
    assert after.last_generation_at.tzinfo is not None
