"""The wardrobe (seed 004 Phase 2): a player's saved avatars, one of them active.

Invariant kept in every write: ``users.avatar_url`` equals the active entry's ``glb_url`` (and the
source/thumbnail follow it), or is empty when nothing is active. Activation flips the flags and the
user row in ONE transaction that first locks the user row (``SELECT ... FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so two devices activating different entries at once
end with exactly one active entry, and the partial unique index ``idx_wardrobe_active`` makes any
other outcome impossible. Deleting keeps a tombstone (``deleted_at``) for sync.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from studio.blobs.base import BlobStore
from studio.blobs.content import put_content
from studio.domain.errors import CancelledError, ConflictError, InvalidInputError, NotFoundError, StudioError
from studio.domain.identity import Identity
from studio.domain.metadata import infer_avatar_type, parse_metadata
from studio.gltf.document import Document
from studio.gltf.errors import GltfError
from studio.gltf.io import open_checked
from studio.gltf.limits import DEFAULT_LIMITS, Limits
from studio.gltf.vrm import parse_vrm
from studio.store.engine import read_session, write_session
from studio.store.models import AVATAR_TYPES, User, WardrobeEntry, utcnow
from studio.store.repositories import UserRepository, WardrobeRepository

NAME_MAX = 100
#: progress(fraction or None, message), as the UI's task runner reports it
Progress = Callable[[float | None, str], None]
Cancelled = Callable[[], bool]
_EDITABLE = frozenset({"name", "avatar_type", "glb_url", "source_url", "thumbnail_url", "metadata"})


@dataclass(frozen=True)
class WardrobeEntryView:
    id: uuid.UUID
    name: str
    avatar_type: str
    glb_url: str
    source_url: str | None
    thumbnail_url: str | None
    is_active: bool
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: WardrobeEntry) -> WardrobeEntryView:
        return cls(
            row.id, row.name, row.avatar_type, row.glb_url, row.source_url, row.thumbnail_url,
            row.is_active, dict(row.metadata_ or {}), row.created_at, row.updated_at, row.version,
        )  # fmt: skip

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "name": self.name, "avatarType": self.avatar_type, "glbUrl": self.glb_url,
            "sourceUrl": self.source_url, "thumbnailUrl": self.thumbnail_url, "isActive": self.is_active,
            "metadata": self.metadata, "version": self.version,
        }  # fmt: skip


def parse_entry_id(value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError as exc:
        raise InvalidInputError(f"not a wardrobe entry id: {value!r}") from exc


def _validate(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInputError(f"cannot change {', '.join(sorted(unknown))} on a wardrobe entry")
    if "name" in changes:
        name = str(changes["name"] or "").strip()
        if not name or len(name) > NAME_MAX:
            raise InvalidInputError(f"a wardrobe name needs 1-{NAME_MAX} characters")
        changes["name"] = name
    if "avatar_type" in changes and changes["avatar_type"] not in AVATAR_TYPES:
        raise InvalidInputError(f"avatar type must be one of {', '.join(AVATAR_TYPES)}")
    if "glb_url" in changes and not str(changes["glb_url"] or "").strip():
        raise InvalidInputError("a wardrobe entry needs the URL of its GLB")
    if "metadata" in changes:
        meta = changes["metadata"] if changes["metadata"] is not None else {}
        try:
            if not isinstance(meta, dict):
                raise TypeError
            json.dumps(meta)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError("wardrobe metadata must be a JSON object") from exc
        changes["metadata"] = meta
    return changes


class WardrobeService:
    """Wardrobe rows; with a blob store it also imports avatar files (:meth:`import_avatar`)."""

    def __init__(
        self, engine: Engine, blob_store: BlobStore | None = None, limits: Limits | None = None
    ) -> None:
        self.engine = engine
        self.blob_store = blob_store
        self.limits = limits

    def list(self, me: Identity) -> list[WardrobeEntryView]:
        with read_session(self.engine) as s:
            user = UserRepository(s).get(me.username)
            if user is None:
                return []
            return [WardrobeEntryView.of(e) for e in WardrobeRepository(s).list(user.id)]

    def active(self, me: Identity) -> WardrobeEntryView | None:
        with read_session(self.engine) as s:
            user = UserRepository(s).get(me.username)
            entry = WardrobeRepository(s).active(user.id) if user else None
            return WardrobeEntryView.of(entry) if entry else None

    def add(
        self,
        me: Identity,
        glb_url: str,
        *,
        name: str = "My Avatar",
        avatar_type: str = "vrm",
        source_url: str | None = None,
        thumbnail_url: str | None = None,
        metadata: dict[str, Any] | None = None,
        activate: bool = False,
    ) -> WardrobeEntryView:
        """A row pointing at blobs already stored (keys or URLs); :meth:`import_avatar` stores a file
        first."""
        fields = _validate({
            "glb_url": glb_url, "name": name, "avatar_type": avatar_type, "source_url": source_url,
            "thumbnail_url": thumbnail_url, "metadata": metadata,
        })  # fmt: skip
        with write_session(self.engine) as s:
            user = UserRepository(s).ensure(me.username, me.address, for_update=True)
            meta = fields.pop("metadata")
            entry = WardrobeEntry(id=uuid.uuid4(), user_id=user.id, metadata_=meta, **fields)
            s.add(entry)
            s.flush()
            if activate:
                _activate(s, user, entry)
            return WardrobeEntryView.of(entry)

    def import_avatar(
        self,
        me: Identity,
        source: str | os.PathLike[str] | bytes,
        *,
        name: str | None = None,
        avatar_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        activate: bool = False,
        file_name: str = "",
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> WardrobeEntryView:
        """Add an avatar file (a path, or bytes called ``file_name``) to ``me``'s wardrobe.

        The file is validated first (what ``studio validate`` refuses is refused, with its code);
        ``metadata`` is checked against ``avatar_type`` (inferred from it when None), a bad value
        named by its key. The bytes (and a portrait, skipped where no renderer is available) are
        stored under their content keys (``objects/sha256/...``) BEFORE the row that points at
        them is written; the layout copies ``avatars/{users.id}/{entry}.*`` are made by sync once
        the row is on the server (docs/sync.md, "Keys")."""
        report = progress or (lambda _f, _m: None)
        if self.blob_store is None:
            raise RuntimeError("WardrobeService needs a blob store to import files")
        kind = avatar_type or (infer_avatar_type(metadata) if metadata else "vrm")
        meta = dict(metadata or {})
        parse_metadata(meta, kind)  # refuse bad values (naming the key) before any work
        report(0.0, "Reading the file…")
        data, label = _read_source(source, file_name, self.limits)
        doc, _report = open_checked(data, self.limits, name=label)
        _check_cancel(cancelled)
        vrm = parse_vrm(doc)
        thumbnail = _portrait(doc, report)
        _check_cancel(cancelled)
        report(0.8, "Storing…")
        key = put_content(self.blob_store, data, "model/gltf-binary").key
        thumb_key = put_content(self.blob_store, thumbnail, "image/webp").key if thumbnail else None
        entry = self.add(
            me, key, name=name or _title(vrm.meta.name, label), avatar_type=kind,
            source_url=key if vrm.is_vrm else None, thumbnail_url=thumb_key, metadata=meta, activate=activate,
        )  # fmt: skip
        report(1.0, "Added")
        return entry

    def update(
        self, me: Identity, entry_id: str | uuid.UUID, *, expected_version: int | None = None, **changes: Any
    ) -> WardrobeEntryView:
        """Change name/type/URLs/metadata; an active entry's new GLB reaches ``users`` in the same tx."""
        changes = _validate(dict(changes))
        with write_session(self.engine) as s:
            user, entry = _locked_entry(s, me, entry_id, expected_version)
            if "metadata" in changes:
                entry.metadata_ = changes.pop("metadata")
            for key, value in changes.items():
                setattr(entry, key, value)
            s.flush()
            if entry.is_active:
                _point_user_at(user, entry)
                s.flush()
            return WardrobeEntryView.of(entry)

    def activate(self, me: Identity, entry_id: str | uuid.UUID) -> WardrobeEntryView:
        with write_session(self.engine) as s:
            user, entry = _locked_entry(s, me, entry_id, None)
            _activate(s, user, entry)
            return WardrobeEntryView.of(entry)

    def delete(self, me: Identity, entry_id: str | uuid.UUID, *, expected_version: int | None = None) -> None:
        """Remove from the wardrobe (a tombstone stays for sync); deleting the active one clears it."""
        with write_session(self.engine) as s:
            user, entry = _locked_entry(s, me, entry_id, expected_version)
            was_active = entry.is_active
            entry.is_active = False
            entry.deleted_at = utcnow()
            s.flush()
            if was_active:
                _point_user_at(user, None)
                s.flush()


def _title(meta_name: str, label: str) -> str:
    """An imported avatar's name: the VRM's own title (meta ``name`` / 0.x ``title``), else the
    file name without its extension, cut to the longest name an entry may have."""
    title = " ".join(meta_name.split()) or Path(label).stem.strip() or "My Avatar"
    return title[:NAME_MAX]


def _read_source(
    source: str | os.PathLike[str] | bytes, file_name: str, limits: Limits | None
) -> tuple[bytes, str]:
    """The file's bytes and name, refusing it by size before reading it whole."""
    if isinstance(source, bytes):
        return source, file_name or "avatar.glb"
    return read_avatar_file(source, limits), Path(source).name


def read_avatar_file(source: str | os.PathLike[str], limits: Limits | None = None) -> bytes:
    """A .glb/.vrm file's bytes, refused by its size (``limits``) before it is read whole."""
    path = Path(source)
    cap = (limits or DEFAULT_LIMITS).file_cap(path.name)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > cap:
                raise GltfError("FILE_TOO_LARGE", "", f"{path} is {size} bytes; the limit is {cap} bytes")
            return fh.read(cap + 1)
    except OSError as exc:
        raise GltfError("FILE_UNREADABLE", "", f"{path}: cannot be read ({exc.strerror or exc})") from None


def _portrait(doc: Document, report: Progress) -> bytes | None:
    """The webp portrait, or None where it cannot be made (no renderer on this machine, nothing to
    frame): the portrait is a convenience, the validated file is what the entry is for."""
    from studio.services.thumbnail import thumbnail_webp

    report(0.4, "Rendering the portrait…")
    try:
        return thumbnail_webp(doc, 256)
    except CancelledError:
        raise
    except StudioError:
        return None


def _check_cancel(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise CancelledError("adding the avatar was cancelled")


def _locked_entry(
    s: Session, me: Identity, entry_id: str | uuid.UUID, expected_version: int | None
) -> tuple[User, WardrobeEntry]:
    key = parse_entry_id(entry_id)
    user = UserRepository(s).get(me.username, for_update=True)
    entry = WardrobeRepository(s).get(user.id, key) if user else None
    if user is None or entry is None:
        raise NotFoundError(f"no wardrobe entry {key} for {me.username}")
    if expected_version is not None and entry.version != expected_version:
        raise ConflictError(f"wardrobe entry {entry.name!r} changed elsewhere; reload it and try again")
    return user, entry


def _activate(s: Session, user: User, entry: WardrobeEntry) -> None:
    """Make ``entry`` the only active one and point ``users`` at it. The caller holds the user lock."""
    if not entry.is_active:
        current = WardrobeRepository(s).active(user.id)
        if current is not None:
            current.is_active = False
            s.flush()  # the old flag must be cleared before the partial unique index sees the new one
        entry.is_active = True
        s.flush()
    _point_user_at(user, entry)
    s.flush()


def _point_user_at(user: User, entry: WardrobeEntry | None) -> None:
    user.avatar_url = entry.glb_url if entry else None
    user.avatar_source_url = entry.source_url if entry else None
    user.thumbnail_url = entry.thumbnail_url if entry else None
