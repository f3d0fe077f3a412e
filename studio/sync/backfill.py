"""Rows acknowledged before their images travelled: queue them so the next push sends the bytes.

Before generation logs and profiles declared their image columns, a push sent a log's
``generations/{username}/{logId}-{n}.png`` keys without the files, so another device had a row
naming images it could never get. ``queue_unsent_files`` finds this player's clean log and
profile rows that name a file only this device holds and queues them (an outbox ``upsert``); the
push then imports each file into the content area, uploads it and rewrites the row to its content
key. A device without the bytes queues nothing, so the scan settles after one push.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from studio.blobs.local import LocalBlobStore
from studio.sync import outbox
from studio.sync.blobsync import blob_values, importable
from studio.sync.entities import LOGS, PROFILES


def queue_unsent_files(conn: Connection, local: LocalBlobStore, username: str) -> int:
    """Queue this player's clean log and profile rows that name local-only files; how many."""
    dirty = outbox.dirty_keys(conn)
    queued = 0
    for spec in (PROFILES, LOGS):
        t = spec.table
        query = select(t.c[spec.key], *(t.c[c] for c in spec.blobs)).where(t.c[spec.owner] == username)
        for key, *values in conn.execute(query):
            if (spec.name, str(key)) in dirty:
                continue
            if any(importable(local, ref) for value in values for ref in blob_values(value)):
                outbox.enqueue(conn, spec.name, str(key), "upsert")
                queued += 1
    return queued
