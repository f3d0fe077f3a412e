"""Randomised, seeded fault injection for sync: >= 1,000 schedules per run (STUDIO_LONG_FUZZ=1: 20,000).

Replay one schedule with STUDIO_FUZZ_SEED=<seed>. Every seed that ever failed and was fixed is
pinned in test_sync_regressions.py.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from studio.store.engine import make_engine
from tests.fixtures.sync_fuzz import run_schedule
from tests.fixtures.sync_world import World

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]


@pytest.fixture(scope="module")
def fuzz_pg(pg_server: Any, pg_template: str) -> Iterator[Engine]:
    name = f"fuzz_{uuid.uuid4().hex[:8]}"
    engine = make_engine(pg_server.create_database(name, template=pg_template))
    yield engine
    engine.dispose()
    pg_server.drop_database(name)


TABLES = "sync_changes, avatar_inventory, avatar_wardrobe, avatar_generation_logs, player_profiles, users"


def make_world(pg: Engine, s3_client: Any, root: Path, template: Path, seed: int) -> World:
    """A fresh bucket and emptied tables: GC and the checks see only this schedule."""
    with pg.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES}"))
    bucket = f"fuzz-{seed}-{uuid.uuid4().hex[:6]}"
    s3_client.create_bucket(Bucket=bucket)
    return World(pg, s3_client, bucket, f"player{seed}", root / f"s{seed}", template)


CHUNKS = 4  # separate test items, so pytest-xdist can spread them over workers


def seeds_for(chunk: int) -> range:
    if os.environ.get("STUDIO_FUZZ_SEED"):
        seed = int(os.environ["STUDIO_FUZZ_SEED"])
        return range(seed, seed + 1) if chunk == 0 else range(0)
    long_mode = os.environ.get("STUDIO_LONG_FUZZ") == "1"
    count = 20_000 if long_mode else int(os.environ.get("STUDIO_FUZZ_SCHEDULES", "1000"))
    start = int(os.environ.get("STUDIO_FUZZ_START", "1"))
    per = -(-count // CHUNKS)
    first = start + chunk * per
    return range(first, min(start + count, first + per))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_schedules_lose_nothing(
    chunk: int, fuzz_pg: Engine, s3_client: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    failures, faults, conflicts, steps, portraits, choices = [], 0, 0, 0, 0, 0
    started = time.monotonic()
    seeds = seeds_for(chunk)
    for seed in seeds:
        world = make_world(fuzz_pg, s3_client, tmp_path, sqlite_template, seed)
        outcome = run_schedule(world, seed)
        faults += len(outcome.faults)
        conflicts += outcome.conflicts
        steps += len(outcome.steps)
        portraits += sum(step.endswith(".generate") for step in outcome.steps)
        choices += sum(step.endswith(".choose") for step in outcome.steps)
        if outcome.problems:
            failures.append(f"seed {seed}: {outcome.problems} steps={outcome.steps} faults={outcome.faults}")
        shutil.rmtree(world.root, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(
        f"\nsync fuzz: {len(seeds)} schedules ({seeds.start}..{seeds.stop - 1}), {steps} steps, "
        f"{faults} injected faults, {conflicts} conflict copies, {portraits} generations, {choices} choices, "
        f"{len(failures)} failures, {elapsed:.1f}s"
    )
    assert not failures, "\n".join(failures[:5])
