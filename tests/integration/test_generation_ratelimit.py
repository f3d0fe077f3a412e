"""The rate limit holds when two devices generate at the same instant (real PostgreSQL and SQLite).

Each "device" has its own engine (its own connection pool), as two desktops sharing one database
would. Both reach ``reserve`` at the same moment through a barrier; exactly one may pass.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from studio.store.engine import make_engine, write_session
from studio.store.generation_logs import GenerationLogStore, RateLimitedError
from studio.store.repositories import ProfileRepository

ROUNDS = 8
ADDRESS = "0x" + "0" * 63 + "1"


def _race(url: str, username: str, devices: int, limit: int, existing_profile: bool = True) -> list[str]:
    engines = [make_engine(url) for _ in range(devices)]
    for engine in engines:  # connect first, so the barrier releases both straight into the race
        with engine.connect():
            pass
    if existing_profile:  # the usual case: the race is on the lock of an existing profile row
        with write_session(engines[0]) as s:
            ProfileRepository(s).add(username, ADDRESS)
    barrier = threading.Barrier(devices)
    outcomes: list[str] = []
    lock = threading.Lock()

    def device(n: int) -> None:
        store = GenerationLogStore(engines[n])
        barrier.wait()
        try:
            store.reserve(username=username, address=ADDRESS, prompt=f"device {n}", style=None,
                          seed=n, model="fal-ai/flux-2/lora", limit=limit, window=timedelta(hours=24))
            result = "passed"
        except RateLimitedError:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=device, args=(n,)) for n in range(devices)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for engine in engines:
        engine.dispose()
    return outcomes


@pytest.mark.postgres
def test_two_devices_at_once_on_postgresql_exactly_one_passes(pg_url: str) -> None:
    for round_ in range(ROUNDS):  # odd rounds: a new player, whose profile row the race creates
        outcomes = _race(pg_url, f"racer{round_}", devices=2, limit=1, existing_profile=round_ % 2 == 0)
        assert sorted(outcomes) == ["passed", "refused"], f"round {round_}: {outcomes}"


@pytest.mark.postgres
def test_many_devices_respect_a_larger_quota_on_postgresql(pg_url: str) -> None:
    outcomes = _race(pg_url, "crowd", devices=6, limit=3)
    assert outcomes.count("passed") == 3 and outcomes.count("refused") == 3


def test_two_devices_at_once_on_sqlite_exactly_one_passes(sqlite_url: str) -> None:
    for round_ in range(ROUNDS):
        outcomes = _race(sqlite_url, f"racer{round_}", devices=2, limit=1, existing_profile=round_ % 2 == 0)
        assert sorted(outcomes) == ["passed", "refused"], f"round {round_}: {outcomes}"
