"""Sync use cases for the UI and the CLI: sync now (or preview it), status, garbage collection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from studio.blobs.base import BlobStore, CancelFn
from studio.blobs.local import LocalBlobStore
from studio.domain.errors import StudioError
from studio.sync.engine import SyncEngine, SyncStatus
from studio.sync.gc import GcReport, collect_local, collect_remote
from studio.sync.report import ProgressCallback, SyncReport


class SyncNotConfiguredError(StudioError):
    code = "SYNC_NOT_CONFIGURED"


class SyncService:
    """Sync one player's records and files. ``remote`` is None until a server is configured."""

    def __init__(
        self,
        local: Engine,
        local_blobs: LocalBlobStore,
        remote: Callable[[], tuple[Any, BlobStore] | None],
        username: Callable[[], str],
        *,
        device_name: str | None = None,
    ) -> None:
        self._local = local
        self._local_blobs = local_blobs
        self._remote = remote
        self._username = username
        self._device_name = device_name

    def _engine(self) -> SyncEngine:
        remote = self._remote()
        if remote is None:
            raise SyncNotConfiguredError(
                "sync is not set up: set remote_database_url and s3_bucket in the settings "
                "(the S3 secret key comes from AWS_SECRET_ACCESS_KEY or the OS keyring)"
            )
        db, blobs = remote
        return SyncEngine(
            self._local, db, self._local_blobs, blobs, self._username(), device_name=self._device_name
        )

    def sync_now(
        self,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
        cancel: CancelFn | None = None,
    ) -> SyncReport:
        engine = self._engine()
        return engine.preview() if dry_run else engine.sync(progress=progress, cancel=cancel)

    def status(self) -> SyncStatus:
        """Pending changes and the cursor; works offline and before sync is configured."""
        return SyncEngine(self._local, None, self._local_blobs, self._local_blobs, "").status()

    def collect_garbage(
        self, *, grace: timedelta, remote: bool = True, cancel: CancelFn | None = None
    ) -> GcReport:
        if not remote:
            return collect_local(self._local, self._local_blobs, grace=grace, cancel=cancel)
        configured = self._remote()
        if configured is None:
            raise SyncNotConfiguredError("sync is not set up: there is no server to collect garbage on")
        db, blobs = configured
        return collect_remote(db, blobs, grace=grace, cancel=cancel)
