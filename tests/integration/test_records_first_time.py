"""A player's first users/profile row, created by two connections at the same instant (PostgreSQL).

Both transactions look, find nothing and insert; the second INSERT waits for the first and hits
the unique key. That must end with one row and both callers succeeding, not a ConflictError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from studio.domain.identity import Identity
from studio.services.profiles import ProfileService
from studio.services.wardrobe import WardrobeService
from studio.store.engine import make_engine
from studio.store.models import PlayerProfile, User, WardrobeEntry

pytestmark = pytest.mark.postgres

ALICE = Identity.of("alice", "0xa11ce")


@pytest.fixture
def pg(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=12)
    yield engine
    engine.dispose()


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = call()
        except BaseException as exc:  # reported by the test, not lost in the thread
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _wait_for_lock_wait(engine: Engine) -> None:
    """Until some backend of this database waits on a lock (the second INSERT)."""
    deadline = time.monotonic() + 10
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(query).scalar():
                return
        time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


def _count(engine: Engine, column: Any, username: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(column == username)).scalar() or 0)


def test_a_user_created_by_another_transaction_meanwhile_is_adopted(pg: Engine) -> None:
    """Deterministic: the other device's transaction has inserted the user and not committed yet."""
    with Session(pg) as other, other.begin():
        theirs = User(cartridge_username="alice", player_address=ALICE.address)
        other.add(theirs)
        other.flush()
        their_id = theirs.id
        thread, out = _in_thread(lambda: WardrobeService(pg).add(ALICE, "s3://a/1.glb", activate=True))
        _wait_for_lock_wait(pg)  # our INSERT waits on their uncommitted row
    thread.join(20)
    assert "error" not in out, out.get("error")
    assert _count(pg, User.cartridge_username, "alice") == 1
    with Session(pg) as s:
        entry = s.get(WardrobeEntry, out["value"].id)
        user = s.get(User, their_id)
        assert entry is not None and user is not None
        assert entry.user_id == their_id and user.avatar_url == "s3://a/1.glb"


def test_a_profile_created_by_another_transaction_meanwhile_is_adopted(pg: Engine) -> None:
    with Session(pg) as other, other.begin():
        other.add(PlayerProfile(cartridge_username="alice", player_address=ALICE.address))
        other.flush()
        thread, out = _in_thread(lambda: ProfileService(pg).note_generation(ALICE))
        _wait_for_lock_wait(pg)
    thread.join(20)
    assert "error" not in out, out.get("error")
    assert out["value"].generation_count == 1  # counted on the row the other one created
    assert _count(pg, PlayerProfile.cartridge_username, "alice") == 1


def test_many_devices_creating_new_players_at_once_all_succeed(pg: Engine) -> None:
    """Free-running race: 6 threads per new player, released together by a barrier, 5 players."""
    wardrobe, profiles = WardrobeService(pg), ProfileService(pg)
    threads = 6
    for n in range(5):
        me = Identity.of(f"player{n}", f"0x{n + 1:x}")
        barrier = threading.Barrier(threads)

        def first_use(i: int, me: Identity = me, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            if i % 2:
                profiles.ensure(me)
            else:
                wardrobe.add(me, f"s3://a/{i}.glb")

        started = [_in_thread(lambda i=i: first_use(i)) for i in range(threads)]
        for thread, _out in started:
            thread.join(30)
        assert [out.get("error") for _t, out in started] == [None] * threads
        assert _count(pg, User.cartridge_username, me.username) == 1
        assert _count(pg, PlayerProfile.cartridge_username, me.username) == 1
        assert len(wardrobe.list(me)) == threads // 2
