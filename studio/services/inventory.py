"""The avatar inventory (seed 004 Phase 3): items a player owns, one row per (player, item)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from studio.blobs.base import BlobStore, sha256_bytes
from studio.blobs.layout import object_key
from studio.domain.errors import CancelledError, ConflictError, InvalidInputError, NotFoundError
from studio.domain.identity import Identity
from studio.gltf.io import open_checked
from studio.gltf.limits import Limits
from studio.services.item_library import TYPE_FOLDERS, BuiltinItems, builtin_item_ids, check_builtin, slot_of
from studio.services.wardrobe import read_avatar_file
from studio.store.engine import read_session, write_session
from studio.store.models import ITEM_SOURCES, ITEM_TYPES, InventoryItem
from studio.store.repositories import InventoryRepository, UserRepository

ITEM_ID_MAX = 100


@dataclass(frozen=True)
class InventoryItemView:
    id: uuid.UUID
    item_type: str
    item_id: str
    glb_url: str
    thumbnail_url: str | None
    acquired_at: datetime
    source: str
    version: int

    @classmethod
    def of(cls, row: InventoryItem) -> InventoryItemView:
        return cls(
            row.id, row.item_type, row.item_id, row.glb_url, row.thumbnail_url, row.acquired_at, row.source,
            row.version,
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "itemType": self.item_type,
            "itemId": self.item_id,
            "glbUrl": self.glb_url,
            "thumbnailUrl": self.thumbnail_url,
            "acquiredAt": self.acquired_at.isoformat(),
            "source": self.source,
        }


def _check_item_id(item_id: str) -> str:
    text = (item_id or "").strip()
    if not text or len(text) > ITEM_ID_MAX:
        raise InvalidInputError(f"an item id needs 1-{ITEM_ID_MAX} characters")
    return text


class InventoryService:
    """Inventory rows; with a blob store and item library it also grants known items
    (:meth:`acquire`)."""

    def __init__(
        self,
        engine: Engine,
        blob_store: BlobStore | None = None,
        items: BuiltinItems | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.engine = engine
        self.blob_store = blob_store
        self.items = items
        self.limits = limits

    def acquire(
        self,
        me: Identity,
        item_type: str,
        item_id: str,
        file: str | os.PathLike[str] | None = None,
        *,
        source: str = "default",
    ) -> InventoryItemView:
        """Grant an item that exists: with no ``file``, a built-in library item (its GLB is put in
        the blob store under ``<folder>/<id>.glb``); with a ``file``, a GLB that validates (stored
        content-addressed under ``objects/sha256/``). The blob is written before the row."""
        if self.blob_store is None or self.items is None:
            raise RuntimeError("InventoryService needs a blob store and an item library to acquire items")
        if item_type not in ITEM_TYPES:
            raise InvalidInputError(f"item type must be one of {', '.join(ITEM_TYPES)}")
        key = _check_item_id(item_id)
        folder = TYPE_FOLDERS.get(item_type)
        if file is None:
            if folder is None:
                raise InvalidInputError(f"there are no built-in {item_type} items; give the item's GLB file")
            check_builtin(folder, key)
            glb_url = f"{folder}/{key}.glb"
            if not self.blob_store.exists(glb_url):
                self.blob_store.put(glb_url, self.items(folder, key), "model/gltf-binary")
        else:
            if slot_of(key) is not None:
                raise InvalidInputError(f"{key!r} is a built-in item: leave out the file, or use another id")
            data = read_avatar_file(file, self.limits)
            open_checked(data, self.limits, name=Path(file).name)  # invalid: GltfError with its code
            glb_url = object_key(sha256_bytes(data))
            self.blob_store.put(glb_url, data, "model/gltf-binary")
        return self.grant(me, item_type, key, glb_url, source=source)

    def grant_defaults(
        self, me: Identity, *, cancelled: Callable[[], bool] | None = None
    ) -> list[InventoryItemView]:
        """Give ``me`` every built-in item (source ``default``) they do not own yet; returns the new
        rows. Idempotent: a second call grants nothing. The GLBs go to the blob store first
        (``<folder>/<id>.glb``, generated on first use: a few seconds the very first time), then
        all rows in one transaction, so a crash leaves either every default item or none."""
        if self.blob_store is None or self.items is None:
            raise RuntimeError("InventoryService needs a blob store and an item library to grant items")
        owned = {item.item_id for item in self.list(me)}
        wanted = [
            (item_type, item_id, f"{folder}/{item_id}.glb")
            for item_type, folder in TYPE_FOLDERS.items()
            for item_id in builtin_item_ids().get(folder, ())
            if item_id not in owned
        ]
        for item_type, item_id, key in wanted:
            if cancelled is not None and cancelled():
                raise CancelledError("cancelled")
            if not self.blob_store.exists(key):
                self.blob_store.put(key, self.items(TYPE_FOLDERS[item_type], item_id), "model/gltf-binary")
        with write_session(self.engine) as s:
            user = UserRepository(s).ensure(me.username, me.address, for_update=True)
            repo = InventoryRepository(s)
            rows = [
                InventoryItem(user_id=user.id, item_type=t, item_id=i, glb_url=key, source="default")
                for t, i, key in wanted
                if repo.get(user.id, i) is None  # granted meanwhile by another call: keep that one
            ]
            s.add_all(rows)
            s.flush()
            return [InventoryItemView.of(r) for r in rows]

    def grant(
        self,
        me: Identity,
        item_type: str,
        item_id: str,
        glb_url: str,
        *,
        thumbnail_url: str | None = None,
        source: str = "default",
    ) -> InventoryItemView:
        """Give ``me`` an item. Owning it already is a :class:`ConflictError` (unique per player and item)."""
        if item_type not in ITEM_TYPES:
            raise InvalidInputError(f"item type must be one of {', '.join(ITEM_TYPES)}")
        if source not in ITEM_SOURCES:
            raise InvalidInputError(f"item source must be one of {', '.join(ITEM_SOURCES)}")
        if not (glb_url or "").strip():
            raise InvalidInputError("an inventory item needs the URL of its GLB")
        key = _check_item_id(item_id)
        with write_session(self.engine) as s:
            user = UserRepository(s).ensure(me.username, me.address, for_update=True)
            if InventoryRepository(s).get(user.id, key) is not None:
                raise ConflictError(f"{me.username} already owns {key}")
            row = InventoryItem(
                user_id=user.id, item_type=item_type, item_id=key, glb_url=glb_url.strip(),
                thumbnail_url=thumbnail_url, source=source,
            )  # fmt: skip
            s.add(row)
            s.flush()
            return InventoryItemView.of(row)

    def list(self, me: Identity, item_type: str | None = None) -> list[InventoryItemView]:
        if item_type is not None and item_type not in ITEM_TYPES:
            raise InvalidInputError(f"item type must be one of {', '.join(ITEM_TYPES)}")
        with read_session(self.engine) as s:
            user = UserRepository(s).get(me.username)
            if user is None:
                return []
            return [InventoryItemView.of(r) for r in InventoryRepository(s).list(user.id, item_type)]

    def owns(self, me: Identity, item_id: str) -> bool:
        with read_session(self.engine) as s:
            user = UserRepository(s).get(me.username)
            return bool(user and InventoryRepository(s).get(user.id, _check_item_id(item_id)))

    def revoke(self, me: Identity, item_id: str) -> None:
        key = _check_item_id(item_id)
        with write_session(self.engine) as s:
            user = UserRepository(s).get(me.username, for_update=True)
            row = InventoryRepository(s).get(user.id, key) if user else None
            if row is None:
                raise NotFoundError(f"{me.username} does not own {key}")
            s.delete(row)
