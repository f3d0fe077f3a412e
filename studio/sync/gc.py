"""Garbage collection: delete objects no live row points at, once they are older than a grace period.

Remote GC runs under the exclusive PostgreSQL advisory lock that every push holds in shared mode
while it checks its objects exist and commits, so an object cannot vanish between a push's check
and its commit; the grace period protects uploads whose rows are not committed yet. The same pass
repairs layout copies (``avatars/{userId}/{avatarId}.*``): missing or stale ones are re-copied,
ones whose entry is gone are deleted. Local GC clears the local store the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, select, text

from studio.blobs.base import BlobStore, CancelFn, check_cancel
from studio.blobs.layout import LAYOUT_PREFIX, OBJECTS_PREFIX, sha256_of_object_key
from studio.store.models import Prebuilt, User
from studio.sync.blobsync import blob_values, layout_targets
from studio.sync.entities import ENTITIES, WARDROBE, table_of, to_json_row
from studio.sync.remote import GC_LOCK

DEFAULT_GRACE = timedelta(hours=24)
GENERATIONS_PREFIX = "generations/"  # kept portraits; a push moves them into the content area


@dataclass
class GcReport:
    scanned: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    kept_young: int = 0
    layout_repaired: int = 0
    layout_removed: int = 0


def referenced_keys(conn: Connection, *, content_only: bool = True) -> set[str]:
    """Every content key a live row of any synced table, a user or a prebuilt points at (with
    ``content_only=False``: every value of those columns, layout paths included)."""
    keys: set[str] = set()

    def wanted(value: object) -> bool:
        return bool(value) and (not content_only or sha256_of_object_key(str(value)) is not None)

    for spec in ENTITIES.values():
        if not spec.blobs:
            continue
        query = select(*(spec.table.c[c] for c in spec.blobs))
        if spec.tombstone:
            query = query.where(spec.table.c[spec.tombstone].is_(None))
        for row in conn.execute(query):
            keys.update(v for value in row for v in blob_values(value) if wanted(v))
    for table, cols in (
        (User.__table__, ("avatar_url", "avatar_source_url", "thumbnail_url")),
        (table_of(Prebuilt), ("glb_url", "source_url", "thumbnail_url")),
    ):
        for row in conn.execute(select(*(table.c[c] for c in cols))):
            keys.update(str(v) for v in row if wanted(v))
    return keys


def collect_remote(
    engine: Engine,
    store: BlobStore,
    *,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
    cancel: CancelFn | None = None,
) -> GcReport:
    report = GcReport()
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": GC_LOCK})
        live = referenced_keys(conn)
        _sweep(store, live, now - grace, report, cancel)
        wanted = _layout_wanted(conn)
        _repair_layout(store, wanted, report, cancel)
    return report


def collect_local(
    engine: Engine,
    store: BlobStore,
    *,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
    cancel: CancelFn | None = None,
) -> GcReport:
    """Local store: keep what local rows point at. Layout paths an older version wrote locally
    (``avatars/{username}/...``, named by rows until their first push) and kept portraits
    (``generations/...``, named by their log until its push rewrites it to content keys) go the
    same way once no row names them."""
    report = GcReport()
    with engine.connect() as conn:
        live = referenced_keys(conn, content_only=False)
    cutoff = (now or datetime.now(UTC)) - grace
    for prefix in (OBJECTS_PREFIX, LAYOUT_PREFIX, GENERATIONS_PREFIX):
        _sweep(store, live, cutoff, report, cancel, prefix)
    return report


def _sweep(
    store: BlobStore,
    live: set[str],
    cutoff: datetime,
    report: GcReport,
    cancel: CancelFn | None,
    prefix: str = OBJECTS_PREFIX,
) -> None:
    for ref in list(store.list(prefix)):
        check_cancel(cancel)
        report.scanned += 1
        if ref.key in live:
            continue
        if ref.last_modified is not None and ref.last_modified > cutoff:
            report.kept_young += 1
            continue
        store.delete(ref.key)
        report.deleted += 1
        report.deleted_bytes += ref.size


def _layout_wanted(conn: Connection) -> dict[str, str]:
    """Layout path -> content key it should copy; paths a live row names directly (files an
    editor wrote straight to the layout) map to themselves and are kept as they are."""
    wanted: dict[str, str] = {}
    w = WARDROBE.table
    for row in conn.execute(select(w).where(w.c.deleted_at.is_(None))).mappings():
        json_row = to_json_row(w, row)
        wanted.update(layout_targets(json_row))
        for col in WARDROBE.blobs:
            value = str(json_row.get(col) or "")
            if value.startswith(LAYOUT_PREFIX):
                wanted[value] = value
    return wanted


def _repair_layout(
    store: BlobStore, wanted: dict[str, str], report: GcReport, cancel: CancelFn | None
) -> None:
    present = {ref.key for ref in store.list(LAYOUT_PREFIX)}
    for key in sorted(present - set(wanted)):
        check_cancel(cancel)
        store.delete(key)
        report.layout_removed += 1
    for layout, source in sorted(wanted.items()):
        check_cancel(cancel)
        if source == layout:
            continue
        current = store.head(layout) if layout in present else None
        if (current is None or current.sha256 != sha256_of_object_key(source)) and store.exists(source):
            store.copy(source, layout)
            report.layout_repaired += 1
