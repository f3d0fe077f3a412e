"""The artists' prebuilt collection as one service for the CLI (`studio prebuilts`) and the app's
Prebuilt collection dialog: build a folder of sources, then publish the built folder to the store
and databases the composition root chose (:attr:`studio.app.Studio.prebuilts`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from studio.blobs.base import BlobStore
from studio.services.prebuilts import BuildReport, build_prebuilts, load_catalogue
from studio.services.publish_prebuilts import PublishReport, publish_prebuilts

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class PublishTarget:
    """Where :meth:`PrebuiltCollection.publish` sends things, in words for the user."""

    store: str  # "S3 bucket 'avatars' (public prefix prebuilts/)" or "this computer's files"
    databases: int  # 1 = the local store only, 2 = also the server
    remote: bool  # True when the files go to S3 (a public URL per item)

    def describe(self) -> str:
        where = f"{self.store} and " + ("the server database" if self.databases > 1 else "the local database")
        if not self.remote:
            where += " (set up sync in Settings to publish to the server)"
        return where


class PrebuiltCollection:
    def __init__(self, store: BlobStore, engines: Callable[[], Sequence[Engine]]) -> None:
        self._store = store
        self._engines = engines

    @staticmethod
    def build(
        src_dir: PathLike,
        out_dir: PathLike,
        *,
        preset: str = "web",
        workers: int | None = None,
        progress: Callable[[Any, int, int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> BuildReport:
        """:func:`studio.services.prebuilts.build_prebuilts` (unchanged sources are skipped). Needs
        no store or database, so the CLI builds without opening a Studio."""
        return build_prebuilts(
            src_dir, out_dir, preset=preset, workers=workers, progress=progress, cancel=cancel
        )

    def publish(
        self,
        out_dir: PathLike,
        *,
        progress: Callable[[str, int, int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> PublishReport:
        """Upload every built item of ``out_dir`` and upsert its rows (the local store first)."""
        return publish_prebuilts(
            out_dir, self._store, list(self._engines()), progress=progress, cancel=cancel
        )

    def target(self) -> PublishTarget:
        bucket = getattr(self._store, "bucket", None)
        if bucket:
            prefix = getattr(self._store, "public_prefix", "prebuilts/")
            return PublishTarget(f"S3 bucket '{bucket}' (public prefix {prefix})", len(self._engines()), True)
        return PublishTarget("this computer's files", len(self._engines()), False)

    @staticmethod
    def built_items(out_dir: PathLike) -> int:
        """How many items a previous build left ready to publish in ``out_dir`` (0: none, or no
        catalogue yet)."""
        if not Path(out_dir).is_dir():
            return 0
        return sum(1 for e in load_catalogue(out_dir).values() if e.get("status") == "built")
