"""Fuzz seeds that once failed, pinned so the bug they found stays fixed.

- seeds 1-5: two devices each made the player's ``users`` row offline (different ids, same
  username); the second push hit the unique username forever. Fix: the server's id wins and the
  device re-keys its rows (``SyncEngine._settle_user``).
- seeds 8, 20, 22, 27, 28: concurrent renames ending in conflict copies (the first runs with
  shared baseline entries); they check copies keep every acknowledged name.
- seed 5102: device B activated a new entry, which switched off device A's active entry X on the
  server as a side effect, recorded under B's device id; B's next push of its own edit to X took
  that as "B has seen X" and overwrote A's rename, metadata and file. Fix: only an earlier push
  of the same row by the same device (its push id) counts as seen.
- seed 559: a device crashed between pushing a rename and applying it locally; pull skipped the
  row coming back because it matched the shadow (a change meant to stop counting one's own push as
  "received"), so the local name stayed behind. Fix: apply it anyway, just do not count it.
- seed 6605 (found by the first 20,000-schedule long run): device A's rename reached the server
  first; device B's different rename of the same entry became a conflict copy, and B renamed the
  entry again while that push was in flight. The rebase kept B's newest name locally but the
  shadow moved to the server's row, so B's next push looked like an edit of A's name and
  overwrote it (A's rename was lost, never shown on B). Fix: the shadow keeps the pushed value
  where that happened (``plan.rebase_shadow``), so the next push merges and keeps both.
- seed 862 (session 3, with portraits in the schedules): device A deleted an entry while its push
  was in flight; the server merged A's edit with device B's changes, and the rebase recorded A's
  delete as if A had seen B's edits, so the next push deleted them without a copy. Fix: a delete
  made during a push is based on the row pushed (``plan.rebase_shadow``), so B's edits survive as
  a conflict copy.

Seeds pinned before session 3 replay with the wardrobe-only action set they were found with
(``WARDROBE_ACTIONS``); later ones with every action. Code changes shift which faults land where,
so a pin is a guard, not an exact replay: each fix also has a unit test of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from studio.store.engine import make_engine
from tests.fixtures.sync_fuzz import ACTIONS, WARDROBE_ACTIONS, run_schedule
from tests.integration.test_sync_fuzz import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


@pytest.fixture(scope="module")
def regress_pg(pg_server: Any, pg_template: str) -> Iterator[Engine]:
    name = f"regress_{uuid.uuid4().hex[:8]}"
    engine = make_engine(pg_server.create_database(name, template=pg_template))
    yield engine
    engine.dispose()
    pg_server.drop_database(name)


@pytest.mark.parametrize(
    ("seed", "actions"),
    [(seed, WARDROBE_ACTIONS) for seed in (1, 2, 3, 4, 5, 8, 20, 22, 27, 28, 559, 5102, 6605)]
    + [(862, ACTIONS)],
)
def test_fixed_seed(
    seed: int, actions: Any, regress_pg: Engine, s3_client: Any, sqlite_template: Path, tmp_path: Path
) -> None:
    world = make_world(regress_pg, s3_client, tmp_path, sqlite_template, seed)
    outcome = run_schedule(world, seed, actions=actions)
    assert outcome.problems == [], f"steps={outcome.steps} faults={outcome.faults}"
