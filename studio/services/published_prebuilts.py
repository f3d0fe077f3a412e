"""The published prebuilt catalogue as a player sees it: rows sync mirrors into the local store
(:mod:`studio.sync.prebuilts`), files fetched only when needed.

A row points at content-addressed objects (``objects/sha256/...``) and names its public copies
(``prebuilts/{id}.vrm|.glb|.webp``) in ``metadata.prebuilt.public``. A file is read from the
local blob folder when it is there, else from the remote store (S3) by its content key, then by
its public key; what arrives is checked against the SHA-256 the row records and kept in the local
folder under its content key (the local garbage collector keeps objects ``prebuilts`` rows point
at), so each file crosses the network once. See docs/prebuilts.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from studio.blobs.base import BlobIntegrityError, BlobNotFoundError, BlobStore, sha256_bytes
from studio.blobs.content import put_content
from studio.blobs.layout import content_type_for, sha256_of_object_key
from studio.domain.errors import NotFoundError, OfflineError
from studio.domain.metadata import ITEM_SLOTS
from studio.store.engine import read_session
from studio.store.models import Prebuilt

RemoteStore = Callable[[], BlobStore | None]
COLUMNS = {"vrm": "source_url", "glb": "glb_url", "webp": "thumbnail_url"}


@dataclass(frozen=True)
class PublishedItem:
    id: str
    name: str
    kind: str
    keys: dict[str, str]  # "vrm" | "glb" | "webp" -> content key the row points at
    public: dict[str, str]  # the same kinds -> public layout key
    sha256: dict[str, str]  # the same kinds -> SHA-256 the publish recorded
    metadata: dict[str, Any]

    @classmethod
    def of(cls, row: Prebuilt) -> PublishedItem:
        meta = dict(row.metadata_ or {})
        info = meta.pop("prebuilt", None) or {}
        keys = {kind: str(getattr(row, col)) for kind, col in COLUMNS.items() if getattr(row, col)}
        files = info.get("files") or {}
        sha = {k: str(f["sha256"]) for k, f in files.items() if isinstance(f, dict) and f.get("sha256")}
        for kind, key in keys.items():
            digest = sha256_of_object_key(key)
            if digest and kind not in sha:
                sha[kind] = digest
        return cls(row.id, row.name, row.kind, keys, dict(info.get("public") or {}), sha, meta)

    @property
    def worn(self) -> dict[str, Any]:
        return {k: self.metadata[k] for k in ITEM_SLOTS if k in self.metadata}


class PublishedCatalogue:
    """Published rows in the local store; their files from ``local`` or ``remote()``."""

    def __init__(self, engine: Engine, local: BlobStore | None, remote: RemoteStore | None) -> None:
        self.engine = engine
        self.local = local
        self.remote = remote

    def items(self, kind: str | None = "avatar") -> list[PublishedItem]:
        with read_session(self.engine) as s:
            stmt = select(Prebuilt).order_by(Prebuilt.name, Prebuilt.id)
            if kind:
                stmt = stmt.where(Prebuilt.kind == kind)
            return [PublishedItem.of(row) for row in s.scalars(stmt)]

    def get(self, prebuilt_id: str) -> PublishedItem | None:
        with read_session(self.engine) as s:
            row = s.get(Prebuilt, prebuilt_id)
            return PublishedItem.of(row) if row is not None else None

    def file(self, item: PublishedItem, kind: str) -> bytes:
        """``item``'s file of ``kind`` (local first, else the remote store, then kept locally).
        OfflineError when it is not here and no server is set or reachable; NotFoundError when
        the server no longer has it."""
        key = item.keys.get(kind)
        if key and self.local is not None and self.local.exists(key):
            return self.local.get(key)
        remote = self.remote() if self.remote is not None else None
        if remote is None:
            raise OfflineError(
                f"connect to the server to add {item.name!r}: its files are not on this computer"
            )
        data = self._download(remote, item, kind)
        if self.local is not None:
            put_content(self.local, data, content_type_for(f"x.{kind}"))
        return data

    def _download(self, remote: BlobStore, item: PublishedItem, kind: str) -> bytes:
        candidates = [k for k in (item.keys.get(kind), item.public.get(kind)) if k]
        for key in candidates:
            try:
                data = remote.get(key)
            except BlobNotFoundError:
                continue
            except OfflineError as exc:
                raise OfflineError(f"connect to the server to add {item.name!r}: {exc}") from exc
            want = item.sha256.get(kind)
            if want and sha256_bytes(data) != want:
                raise BlobIntegrityError(f"{key}: the server's copy of {item.name!r} is damaged")
            return data
        raise NotFoundError(f"{item.name!r} ({kind}) is no longer on the server; sync to refresh the list")
