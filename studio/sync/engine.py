"""The sync engine: push the outbox (files first, then rows), publish layout paths, pull changes.

One ``sync()`` call is safe to interrupt anywhere (crash, network drop, cancel): every step is
either one transaction or idempotent, and the outbox, shadows and cursor live in the local SQLite
file, so the next call picks up where this one stopped. See docs/sync.md for the protocol.
"""

from __future__ import annotations

import contextlib
import platform
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from studio.blobs.base import BlobStore, CancelFn, check_cancel
from studio.blobs.local import LocalBlobStore
from studio.domain.errors import ConflictError, OfflineError
from studio.sync import local as lo
from studio.sync import outbox, remote
from studio.sync.backfill import queue_unsent_files
from studio.sync.blobsync import (
    MissingBlobError,
    content_keys,
    import_local_files,
    publish_row,
    upload_all,
    upload_missing,
    verify_present,
)
from studio.sync.entities import (
    ENTITIES,
    WARDROBE,
    EntitySpec,
    Row,
    is_deleted,
    read_row,
    refresh_user_avatar,
    user_by_name,
)
from studio.sync.plan import Resolution, copy_key, rebase, rebase_shadow, resolve
from studio.sync.prebuilts import mirror_prebuilts
from studio.sync.pull import pull_changes
from studio.sync.report import ConflictNote, ProgressCallback, SyncProgress, SyncReport


@dataclass(frozen=True)
class Context:
    username: str
    user: Row | None
    device: str  # "<name>#<id>": unique per local store; the name labels conflict copies

    @property
    def owners(self) -> list[str]:
        return [self.username] + ([str(self.user["id"])] if self.user else [])


@dataclass
class PushResult:
    resolution: Resolution
    final: Row | None
    copy: Row | None = None
    twin: Row | None = None  # the server's row for the same item (natural key) we adopt
    merged: bool = False  # both sides had changed it and the changes were combined


@dataclass(frozen=True)
class SyncStatus:
    device: str
    pending: int
    cursor: int
    last_sync: str | None


def device_label(device: str | None) -> str | None:
    return device.split("#", 1)[0] if device else None


class SyncEngine:
    """Syncs one user's records between the local store and PostgreSQL, files via the blob stores."""

    def __init__(
        self,
        local: Engine,
        remote_db: Any,
        local_blobs: LocalBlobStore,
        remote_blobs: BlobStore,
        username: str,
        *,
        device_name: str | None = None,
        batch: int = 500,
        concurrency: int = 8,
    ) -> None:
        self.local = local
        self.remote_db = remote_db
        self.local_blobs = local_blobs
        self.remote_blobs = remote_blobs
        self.username = username
        self.device_name = (device_name or platform.node() or "device").replace("#", "-")[:40]
        self.batch = batch
        self.concurrency = concurrency

    # -- public ------------------------------------------------------------------------------
    def sync(self, *, progress: ProgressCallback | None = None, cancel: CancelFn | None = None) -> SyncReport:
        """Push local changes, publish layout copies, pull remote changes. Raises OfflineError."""
        report = SyncReport()
        with translate_errors():
            ctx = self._context()
            self._push_all(ctx, report, progress, cancel)
            self._publish(ctx, report, cancel)
            pull_changes(self, ctx, report, progress, cancel)
            check_cancel(cancel)
            mirrored = mirror_prebuilts(self)  # the published catalogue: rows only, the server wins
            report.catalogue += mirrored.written + mirrored.removed
            with self.local_tx() as conn:
                from datetime import UTC, datetime

                lo.set_state(conn, "last_sync", datetime.now(UTC).isoformat())
        return report

    def preview(self) -> SyncReport:
        """What ``sync`` would do (``--dry-run``): nothing is written anywhere."""
        report = SyncReport(dry_run=True)
        with self.local.connect() as conn:
            report.pending_push = len(outbox.pending(conn))
            cursor = int(lo.get_state(conn, "cursor", "0") or 0)
            user = user_by_name(conn, self.username)
        with translate_errors(), self.remote_db.connect() as pg:
            owners = [self.username] + ([str(user["id"])] if user else [])
            report.pending_pull = len(remote.changes_since(pg, owners, cursor, 1_000_000))
        return report

    def status(self) -> SyncStatus:
        with self.local.connect() as conn:
            return SyncStatus(
                lo.get_state(conn, "device") or "(not synced yet)",
                len(outbox.pending(conn)),
                int(lo.get_state(conn, "cursor", "0") or 0),
                lo.get_state(conn, "last_sync"),
            )

    @contextlib.contextmanager
    def local_tx(self) -> Iterator[Connection]:
        with self.local.connect() as conn:
            conn = conn.execution_options(studio_sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    # -- context -----------------------------------------------------------------------------
    def _context(self) -> Context:
        with self.local_tx() as conn:
            device = lo.get_state(conn, "device")
            if device is None:
                device = f"{self.device_name}#{uuid.uuid4().hex[:8]}"
                lo.set_state(conn, "device", device)
            user = user_by_name(conn, self.username)
            settled = lo.get_state(conn, "user_id")
        if user is None or settled != user["id"]:
            user = self._settle_user(user)
            if user is not None:
                with self.local_tx() as conn:
                    lo.set_state(conn, "user_id", str(user["id"]))
        return Context(self.username, user, device)

    def _settle_user(self, user: Row | None) -> Row | None:
        """One users row per player everywhere: the server's id wins over one made offline."""
        with self.remote_db.begin() as pg:
            if user is not None:
                remote.ensure_user(pg, user, by_name=True)
            server = user_by_name(pg, self.username)
        if server is None:
            return user
        if user is None or user["id"] != server["id"]:
            with self.local_tx() as conn:
                if user is not None:
                    lo.rekey_user(conn, user["id"], server["id"])
                lo.ensure_user(conn, server)
        return server

    # -- push --------------------------------------------------------------------------------
    def _push_all(
        self, ctx: Context, report: SyncReport, progress: ProgressCallback | None, cancel: CancelFn | None
    ) -> None:
        with self.local_tx() as conn:
            queue_unsent_files(conn, self.local_blobs, self.username)
            todo = outbox.pending(conn)
        with self.local.connect() as conn:
            keys = [k for item in todo for k in self._fresh_keys(conn, ENTITIES[item.entity], item.row_key)]
        # Files first, all at once (many in flight); each row then finds its files on the server.
        moved = upload_all(
            self.local_blobs,
            self.remote_blobs,
            keys,
            concurrency=self.concurrency,
            cancel=cancel,
            progress=self._bytes_progress(progress, len(todo)),
        )
        report.uploaded_blobs += moved.files
        report.uploaded_bytes += moved.bytes
        for done, item in enumerate(todo):
            check_cancel(cancel)
            self._push_row(ctx, ENTITIES[item.entity], item.row_key, report, cancel)
            if progress:
                progress(
                    SyncProgress("push", done + 1, len(todo), report.uploaded_bytes, report.uploaded_bytes)
                )

    def _fresh_keys(self, conn: Connection, spec: EntitySpec, key: str) -> list[str]:
        """Content keys a pending row points at that its last acknowledged version did not (local
        files it names, such as kept portraits under ``generations/``, imported first)."""
        row, base = read_row(conn, spec, key), lo.read_shadow(conn, spec, key)
        if row is not None:
            row = import_local_files(self.local_blobs, spec, row)
        old = set(content_keys(spec, base))
        return [k for k in content_keys(spec, row) if k not in old]

    @staticmethod
    def _bytes_progress(progress: ProgressCallback | None, rows: int) -> Any:
        if progress is None:
            return None
        return lambda done, total: progress(SyncProgress("upload", 0, rows, done, total))

    def _push_row(
        self, ctx: Context, spec: EntitySpec, key: str, report: SyncReport, cancel: CancelFn | None
    ) -> None:
        for _attempt in range(4):
            with self.local.connect() as conn:
                last = outbox.last_id(conn, spec.name, key)
                row, base = read_row(conn, spec, key), lo.read_shadow(conn, spec, key)
            if last is None:
                return
            if row is not None:
                row = import_local_files(self.local_blobs, spec, row)
            fresh = [k for k in content_keys(spec, row) if k not in content_keys(spec, base)]
            moved = upload_missing(self.local_blobs, self.remote_blobs, fresh, cancel=cancel)
            sent = set(fresh)
            report.uploaded_blobs += moved.files
            report.uploaded_bytes += moved.bytes
            op_id = f"{ctx.device}:{spec.name}:{key}:{last}"
            try:
                with self.remote_db.begin() as pg:
                    result = self._commit_row(pg, ctx, spec, key, row, base, op_id, sent)
            except MissingBlobError as exc:  # GC removed it, or it never arrived: send it again
                upload_missing(self.local_blobs, self.remote_blobs, [exc.key], cancel=cancel)
                continue
            except (ConflictError, IntegrityError):
                continue  # lost a race with another device's commit: re-read and resolve again
            self._acknowledge(ctx, spec, key, last, row, result, report)
            return
        raise ConflictError(f"could not push {spec.name} {key}: it keeps changing; try again")

    def _commit_row(
        self, pg: Connection, ctx: Context, spec: EntitySpec, key: str,
        row: Row | None, base: Row | None, op_id: str, sent: set[str],
    ) -> PushResult:  # fmt: skip
        remote.begin_push(pg, ctx.device, op_id, ctx.username)
        current = remote.read_for_update(pg, spec, key)
        if current.op_id == op_id:  # this very push committed before; its answer was lost
            copy = read_row(pg, spec, copy_key(op_id))
            return PushResult(Resolution("noop"), current.row, copy)
        if current.row is not None and (current.op_id or "").startswith(f"{ctx.device}:{spec.name}:{key}:"):
            base = current.row  # our own earlier push of this row (its answer was lost): we have seen it
        twin = remote.natural_twin(pg, spec, row) if row and current.row is None and base is None else None
        if twin is not None:
            return PushResult(Resolution("noop"), None, twin=read_row(pg, spec, twin))
        res = resolve(spec, base, row, current.row, device=ctx.device.split("#")[0],
                      remote_device=device_label(current.device), op_id=op_id)  # fmt: skip
        if res.copy is not None and read_row(pg, spec, str(res.copy[spec.key])) is not None:
            res = Resolution(res.action, res.row)
        self._check_objects(spec, res, current.row, sent)
        remote.apply(pg, spec, key, res, current.row)
        if spec is WARDROBE and ctx.user is not None:
            refresh_user_avatar(pg, str(ctx.user["id"]))
        final = read_row(pg, spec, key)
        copy = read_row(pg, spec, str(res.copy[spec.key])) if res.copy else None
        concurrent = bool(base and current.row and current.row["version"] != base["version"])
        return PushResult(res, final, copy, merged=res.action == "update" and concurrent)

    def _check_objects(self, spec: EntitySpec, res: Resolution, current: Row | None, sent: set[str]) -> None:
        """Objects the locked live row already points at cannot be collected (GC waits for our
        lock); ones just uploaded are inside GC's grace period. Check that the rest exist."""
        held = sent | set(content_keys(spec, None if is_deleted(spec, current) else current))
        wanted = content_keys(spec, res.row) + content_keys(spec, res.copy)
        verify_present(self.remote_blobs, [k for k in wanted if k not in held])

    def _acknowledge(
        self,
        ctx: Context,
        spec: EntitySpec,
        key: str,
        last: int,
        pushed: Row | None,
        result: PushResult,
        report: SyncReport,
    ) -> None:
        with self.local_tx() as conn:
            dirty = outbox.dirty_keys(conn) - {(spec.name, key)}
            if result.twin is not None:
                twin_key = str(result.twin[spec.key])
                lo.write_row(conn, spec, key, None)
                lo.place_row(conn, spec, twin_key, result.twin, dirty)
                lo.write_shadow(conn, spec, twin_key, result.twin)
            else:
                self._settle(conn, spec, key, last, pushed, result.final, dirty)
            if result.copy is not None:
                copy_id = str(result.copy[spec.key])
                lo.place_row(conn, spec, copy_id, result.copy, dirty)
                lo.write_shadow(conn, spec, copy_id, result.copy)
                self._note_conflict(spec, key, result, report)
            outbox.acknowledge(conn, spec.name, key, last)
            if spec is WARDROBE:
                for k in {key} | ({str(result.copy[spec.key])} if result.copy else set()):
                    outbox.enqueue(conn, spec.name, k, "publish")
                if ctx.user is not None:
                    refresh_user_avatar(conn, str(ctx.user["id"]))
        report.pushed += 1
        report.merged += int(result.merged)

    def _settle(
        self,
        conn: Connection,
        spec: EntitySpec,
        key: str,
        last: int,
        pushed: Row | None,
        final: Row | None,
        dirty: set[tuple[str, str]],
    ) -> None:
        """Local row := the server's, unless the user edited it during the push (then rebase)."""
        current = read_row(conn, spec, key)
        shadow = final
        if outbox.last_id(conn, spec.name, key) == last:
            new = final
        elif is_deleted(spec, final) and not is_deleted(spec, current):
            new = current  # edited again while the server deleted it: the next push keeps a copy
        else:
            new = rebase(pushed, current, final)
            shadow = rebase_shadow(spec, pushed, current, final)
        lo.place_row(conn, spec, key, new, dirty)
        lo.write_shadow(conn, spec, key, shadow)

    def _note_conflict(self, spec: EntitySpec, key: str, result: PushResult, report: SyncReport) -> None:
        copy = result.copy or {}
        report.conflicts.append(
            ConflictNote(
                spec.name,
                key,
                str(copy.get(spec.key)),
                copy.get(spec.label) if spec.label else None,
                result.resolution.copy_from or "local",
                result.resolution.conflicts,
            )
        )

    # -- publish -----------------------------------------------------------------------------
    def _publish(self, ctx: Context, report: SyncReport, cancel: CancelFn | None) -> None:
        if ctx.user is None:
            return
        user_id = str(ctx.user["id"])
        with self.local.connect() as conn:
            jobs = list(outbox.publish_jobs(conn))
        for job_id, row_key in jobs:
            check_cancel(cancel)
            with self.local.connect() as conn:
                row = lo.read_shadow(conn, WARDROBE, row_key)
            report.published += publish_row(self.remote_blobs, row, user_id, row_key)
            with self.local_tx() as conn:
                outbox.finish_publish(conn, job_id)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """A database that cannot be reached is an OfflineError the user can read."""
    try:
        yield
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError):
            raise ConflictError(f"the server refused a change: {exc.orig}") from exc
        raise OfflineError(f"cannot reach the sync database: {exc.orig}") from exc
