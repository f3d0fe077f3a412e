"""Pull: apply the server's changes since our cursor (server-assigned sequence, not clocks).

Each batch downloads the files its rows need first, then applies the rows and advances the cursor
in one local transaction. Rows with unpushed local edits are skipped: their push will merge
against the shadow (the base the edits started from), which must not move under them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from studio.blobs.base import CancelFn, check_cancel
from studio.sync import local as lo
from studio.sync import outbox, remote
from studio.sync.blobsync import content_keys, download_missing
from studio.sync.entities import ENTITIES, EntitySpec, Row, from_json_row, key_value, refresh_user_avatar
from studio.sync.report import ProgressCallback, SyncProgress, SyncReport

if TYPE_CHECKING:
    from studio.sync.engine import Context, SyncEngine


def pull_changes(
    engine: SyncEngine,
    ctx: Context,
    report: SyncReport,
    progress: ProgressCallback | None,
    cancel: CancelFn | None,
) -> None:
    with engine.local.connect() as conn:
        cursor = int(lo.get_state(conn, "cursor", "0") or 0)
    while True:
        check_cancel(cancel)
        with engine.remote_db.connect() as pg:
            changes = remote.changes_since(pg, ctx.owners, cursor, engine.batch)
            rows = _fetch(pg, changes)
        if not changes:
            return
        keys = [k for (_e, _k), row in rows.items() for k in content_keys(ENTITIES[_e], row)]
        moved = download_missing(engine.local_blobs, engine.remote_blobs, sorted(set(keys)), cancel=cancel)
        report.downloaded_blobs += moved.files
        report.downloaded_bytes += moved.bytes
        with engine.local_tx() as conn:
            applied = _apply_batch(conn, ctx, changes, rows)
            cursor = changes[-1].seq
            lo.set_state(conn, "cursor", str(cursor))
        report.pulled += applied
        if progress:
            progress(
                SyncProgress(
                    "pull", report.pulled, report.pulled, report.downloaded_bytes, report.downloaded_bytes
                )
            )


def _fetch(pg: Connection, changes: list[remote.Change]) -> dict[tuple[str, str], Row]:
    by_entity: dict[str, list[str]] = {}
    for ch in changes:
        if ch.entity in ENTITIES:
            by_entity.setdefault(ch.entity, []).append(ch.row_key)
    out: dict[tuple[str, str], Row] = {}
    for name, keys in by_entity.items():
        for key, row in remote.fetch_rows(pg, ENTITIES[name], keys).items():
            out[(name, key)] = row
    return out


def _apply_batch(
    conn: Connection, ctx: Context, changes: list[remote.Change], rows: dict[tuple[str, str], Row]
) -> int:
    dirty = outbox.dirty_keys(conn)
    applied = 0
    # Switch entries off before switching others on: one active entry at every step.
    ordered = sorted(changes, key=lambda ch: bool((rows.get((ch.entity, ch.row_key)) or {}).get("is_active")))
    for ch in ordered:
        spec = ENTITIES.get(ch.entity)
        if spec is None or (ch.entity, ch.row_key) in dirty:
            continue
        row = rows.get((ch.entity, ch.row_key))
        if row is not None and _twin_is_pending(conn, spec, row, dirty):
            continue
        # our own push coming back matches its shadow: applied all the same (a crash may have
        # left the local row behind), but not counted as news from another device
        echo = row is not None and lo.read_shadow(conn, spec, ch.row_key) == row
        lo.place_row(conn, spec, ch.row_key, row, dirty)
        lo.write_shadow(conn, spec, ch.row_key, row)
        applied += 0 if echo else 1
    if ctx.user is not None:
        refresh_user_avatar(conn, str(ctx.user["id"]))
    return applied


def _twin_is_pending(conn: Connection, spec: EntitySpec, row: Row, dirty: set[tuple[str, str]]) -> bool:
    """A local unpushed row for the same item (natural key): its push adopts the server's row."""
    if not spec.natural_key:
        return False
    t = spec.table
    owner = from_json_row(t, {spec.owner: row[spec.owner]})[spec.owner]
    where = [t.c[spec.owner] == owner, t.c[spec.key] != key_value(spec, str(row[spec.key]))]
    where += [t.c[c] == row[c] for c in spec.natural_key]
    twins = conn.execute(select(t.c[spec.key]).where(*where)).scalars().all()
    for twin in twins:
        if (spec.name, str(twin)) in dirty:
            return True
        lo.write_row(conn, spec, str(twin), None)  # a stale local copy of an item the server re-keyed
    return False
