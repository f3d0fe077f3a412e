"""Fixtures shared by the integration tests: ``world``, two (or more) devices of player "alice"
syncing through the suite's PostgreSQL server and S3 bucket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.store.engine import make_engine
from tests.fixtures.sync_world import World


@pytest.fixture
def world(
    pg_url: str, s3_client: Any, s3_bucket: str, sqlite_template: Path, tmp_path: Path
) -> Iterator[World]:
    engine = make_engine(pg_url)
    yield World(engine, s3_client, s3_bucket, "alice", tmp_path, sqlite_template)
    engine.dispose()
