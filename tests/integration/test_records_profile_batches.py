"""Batch lookups: input order, duplicates, unknowns and shared addresses, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from studio.domain.errors import InvalidInputError
from studio.domain.identity import canonical_address
from studio.services.profiles import ProfileService
from studio.store.engine import write_session
from studio.store.models import PlayerProfile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SHARED = canonical_address("0x5eed")


def _add(engine: Engine, name: str, address: str, at: datetime, url: str | None = None) -> None:
    with write_session(engine) as s:
        s.add(
            PlayerProfile(
                cartridge_username=name, player_address=address, avatar_url=url, created_at=at, updated_at=at
            )
        )


def test_of_profiles_sharing_an_address_the_latest_updated_wins(db_engine: Engine) -> None:
    _add(db_engine, "old", SHARED, T0, "https://img/old.png")
    _add(db_engine, "newest", SHARED, T0 + timedelta(hours=2), "https://img/newest.png")
    _add(db_engine, "middle", SHARED, T0 + timedelta(hours=1))
    profiles = ProfileService(db_engine)
    [hit] = profiles.batch_by_addresses(["0x5EED"])
    assert hit is not None and (hit.cartridge_username, hit.avatar_url) == ("newest", "https://img/newest.png")
    assert hit.player_address == SHARED
    single = profiles.by_address(SHARED)
    assert single is not None and single.cartridge_username == hit.cartridge_username


def test_an_updated_at_tie_goes_to_the_smaller_username_as_for_single_lookups(db_engine: Engine) -> None:
    for name in ("zed", "amy", "kim"):
        _add(db_engine, name, SHARED, T0)
    profiles = ProfileService(db_engine)
    [hit] = profiles.batch_by_addresses([SHARED])
    single = profiles.by_address(SHARED)
    assert hit is not None and single is not None
    assert hit.cartridge_username == single.cartridge_username == "amy"


def test_duplicates_unknowns_and_order_survive_a_large_batch(db_engine: Engine) -> None:
    _add(db_engine, "alice", canonical_address("0xa11ce"), T0, "https://img/a.png")
    _add(db_engine, "bob", canonical_address("0xb0b"), T0)
    asked = [hex(n) for n in range(0x100000, 0x100000 + 2999)] + ["0xB0B", "0xa11ce", "0x0b0b", "0xb0b"]
    answers = ProfileService(db_engine).batch_by_addresses(asked)
    assert len(answers) == len(asked)
    assert all(a is None for a in answers[:2999])
    assert [a.cartridge_username if a else None for a in answers[2999:]] == ["bob", "alice", "bob", "bob"]
    assert answers[3000] is not None and answers[3000].avatar_url == "https://img/a.png"
    names = ProfileService(db_engine).batch_by_usernames(["BOB", "nobody", "alice", "bob"])
    assert [a.player_address if a else None for a in names] == [
        canonical_address("0xb0b"), None, canonical_address("0xa11ce"), canonical_address("0xb0b")
    ]


@pytest.mark.postgres
def test_postgres_answers_a_batch_from_the_address_index_alone(pg_url: str) -> None:
    from studio.store.engine import make_engine
    from studio.store.profile_lookup import BY_ADDRESS

    engine = make_engine(pg_url)
    try:
        _add(engine, "alice", canonical_address("0xa11ce"), T0)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE player_profiles")  # sets the visibility map
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a one-row table: force the index
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            query = text("EXPLAIN " + BY_ADDRESS["postgresql"].text)
            plan = "\n".join(r[0] for r in conn.execute(query, {"keys": canonical_address("0xa11ce")}))
        assert "Index Only Scan using ix_player_profiles_player_address" in plan, plan
    finally:
        engine.dispose()


def test_a_batch_leaves_the_garbage_collector_as_it_found_it(db_engine: Engine) -> None:
    profiles = ProfileService(db_engine)
    assert gc.isenabled()
    profiles.batch_by_addresses(["0x1", "0x2"])
    assert gc.isenabled()
    with pytest.raises(InvalidInputError):
        profiles.batch_by_addresses(["0x1", "0xnope"])
    assert gc.isenabled()
    gc.disable()
    try:
        profiles.batch_by_usernames(["alice"])
        assert not gc.isenabled()
    finally:
        gc.enable()
