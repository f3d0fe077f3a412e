"""A no-op sync with 10,000 wardrobe rows (goal <= 1 s), against the first full pull of those rows.

Starts a throwaway PostgreSQL cluster and a local S3 server, writes 10,000 wardrobe entries on the
server (the change-feed trigger records them), pulls them into a fresh local store once
(reference), then times syncs with nothing to do. A no-op sync reads the outbox (empty) and asks
the server for changes after its cursor (none), so its cost does not grow with the row count.

    .venv/bin/python bench/bench_sync_noop.py [--rows 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from studio.app import make_s3_client
from studio.blobs import LocalBlobStore, S3BlobStore, put_content
from studio.store.engine import make_engine
from studio.store.migrate import upgrade
from studio.store.models import User, WardrobeEntry
from studio.sync.engine import SyncEngine
from studio.sync.outbox import track_changes
from tests.fixtures.postgres import running_cluster
from tests.fixtures.s3 import start_moto


def seed_server(pg_url: str, store: S3BlobStore, rows: int) -> None:
    key = put_content(store, b"glTF shared avatar").key
    engine = make_engine(pg_url)
    user_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(insert(User.__table__).values(id=user_id, cartridge_username="bench"))
        conn.execute(
            insert(WardrobeEntry.__table__),
            [{"id": uuid.uuid4(), "user_id": user_id, "name": f"Avatar {n}", "glb_url": key,
              "metadata": {"tint": f"#{n % 4096:03x}", "hair": "long"}} for n in range(rows)],
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    moto, endpoint = start_moto()
    work = Path(tempfile.mkdtemp(prefix="bench-sync-noop-"))
    try:
        with running_cluster() as cluster:
            pg_url = cluster.create_database("bench_noop")
            upgrade(pg_url)
            client = make_s3_client(endpoint, "bench", "bench-secret", "us-east-1")
            client.create_bucket(Bucket="bench-noop")
            remote_store = S3BlobStore(client, "bench-noop")
            seed_server(pg_url, remote_store, args.rows)
            local = make_engine(f"sqlite:///{work / 'studio.sqlite3'}")
            upgrade(local)
            track_changes(local)
            remote_db = make_engine(pg_url)
            engine = SyncEngine(local, remote_db, LocalBlobStore(work / "blobs"), remote_store, "bench")
            started = time.perf_counter()
            first = engine.sync()
            full = time.perf_counter() - started
            assert first.pulled == args.rows, first
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                report = engine.sync()
                times.append(time.perf_counter() - started)
                assert report.pushed == report.pulled == 0, report
            with local.connect() as conn:
                count = conn.execute(text("SELECT count(*) FROM avatar_wardrobe")).scalar()
            remote_db.dispose()
            local.dispose()
    finally:
        moto.stop()
    noop = statistics.median(times)
    print(f"local wardrobe rows: {count}")
    print(f"first sync, pulls {args.rows} rows (reference): {full * 1000:8.1f} ms")
    print(f"no-op sync, median of {args.repeat}:            {noop * 1000:8.1f} ms  (goal <= 1000 ms)")
    print(f"no-op / full pull: {noop / full:.4f}x; no-op / budget: {noop:.3f}x")


if __name__ == "__main__":
    main()
