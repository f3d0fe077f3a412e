"""Moving the files rows point at: upload before a row is pushed, download before a row is applied.

Blob columns hold content keys (``objects/sha256/ab/cdef...``); a column may hold one value or a
JSON list of them (a generation log's ``image_urls``). A value naming a local file path or a key
only the local store holds (an editor's path, a kept portrait under ``generations/``) is imported
into the local content area and rewritten to its content key on push. URLs (``http(s)://``, such as
a portrait still on fal.media) are left alone and never fetched: they point outside our stores.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from studio.blobs.base import BlobNotFoundError, BlobStore, CancelFn, ProgressFn
from studio.blobs.content import put_content
from studio.blobs.layout import AVATAR_KINDS, avatar_key, content_type_for, sha256_of_object_key
from studio.blobs.local import LocalBlobStore
from studio.domain.errors import StudioError
from studio.sync.entities import WARDROBE, EntitySpec, Row

LAYOUT_KIND = {"glb_url": "glb", "source_url": "vrm", "thumbnail_url": "webp"}


class MissingBlobError(Exception):
    """A row refers to an object the remote store does not hold (raised inside a push)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Transfer:
    files: int = 0
    bytes: int = 0


def local_file(value: str) -> Path | None:
    if value.startswith("file://"):
        return Path(unquote(urlparse(value).path))
    path = Path(value)
    return path if path.is_absolute() and path.is_file() else None


def blob_values(value: object) -> list[str]:
    """The refs one blob column holds: a single value or a JSON list of them."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str) and v]
    return [str(value)] if value else []


def content_keys(spec: EntitySpec, row: Row | None) -> list[str]:
    """Content keys a row points at, each once, in column order."""
    if row is None:
        return []
    keys = (v for c in spec.blobs for v in blob_values(row.get(c)))
    return list(dict.fromkeys(k for k in keys if sha256_of_object_key(k)))


def importable(local: LocalBlobStore, value: str) -> Path | None:
    """The local file a non-content value names (a path, or a key only the local store holds);
    None for content keys, URLs and names of files this device does not have."""
    if not value or sha256_of_object_key(value) or ("://" in value and not value.startswith("file://")):
        return None
    return local_file(value) or _stored(local, value)


def import_local_files(local: LocalBlobStore, spec: EntitySpec, row: Row) -> Row:
    """Replace local file paths, and keys of files only the local store holds (an import made
    before sync was set up, a kept generation image), by content keys, copying the files into
    the content area. List columns are rewritten item by item, keeping their order."""
    out = dict(row)
    done: dict[str, str] = {}

    def one(value: str) -> str:
        if value not in done:
            path = importable(local, value)
            done[value] = put_content(local, path, content_type_for(path.name)).key if path else value
        return done[value]

    for col in spec.blobs:
        value = out.get(col)
        if isinstance(value, list):
            out[col] = [one(v) if isinstance(v, str) else v for v in value]
        elif value:
            out[col] = one(str(value))
    return out


def _stored(local: LocalBlobStore, key: str) -> Path | None:
    try:
        path = local.path(key)
    except StudioError:  # not a store key at all
        return None
    return path if path.is_file() else None


def upload_missing(
    local: LocalBlobStore,
    remote: BlobStore,
    keys: list[str],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Transfer:
    """Upload each content key the remote store lacks (written once, never replaced)."""
    moved = Transfer()
    for key in keys:
        if remote.exists(key):
            continue
        source = local.path(key)
        if not source.is_file():
            raise BlobNotFoundError(f"{key} is missing from the local store and the server")
        # If-None-Match: an object, once written, is never replaced (a lost race is the same bytes).
        ref = remote.put(
            key, source, content_type_for(key), if_none_match=True, progress=progress, cancel=cancel
        )
        moved.files += 1
        moved.bytes += ref.size
    return moved


def upload_all(
    local: LocalBlobStore,
    remote: BlobStore,
    keys: list[str],
    *,
    concurrency: int = 8,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Transfer:
    """``upload_missing`` for many keys at once, ``concurrency`` files in flight (big files are
    also split into parallel parts by the store). Progress is in bytes over all files."""
    unique = sorted(set(keys))
    total = sum(local.path(k).stat().st_size for k in unique if local.path(k).is_file())
    done: dict[str, int] = {}
    lock = threading.Lock()
    moved = Transfer()

    def one(key: str) -> None:
        def step(n: int, _t: int) -> None:
            with lock:
                done[key] = n
                if progress:
                    progress(sum(done.values()), total)

        got = upload_missing(local, remote, [key], progress=step, cancel=cancel)
        with lock:
            moved.files += got.files
            moved.bytes += got.bytes

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in [pool.submit(one, k) for k in unique]:
            future.result()
    return moved


def verify_present(remote: BlobStore, keys: list[str]) -> None:
    for key in keys:
        if not remote.exists(key):
            raise MissingBlobError(key)


def download_missing(
    local: LocalBlobStore,
    remote: BlobStore,
    keys: list[str],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Transfer:
    moved = Transfer()
    for key in keys:
        if local.exists(key):
            continue
        ref = remote.download(key, local.path(key), progress=progress, cancel=cancel)
        moved.files += 1
        moved.bytes += ref.size
    return moved


def layout_targets(row: Row) -> dict[str, str]:
    """Layout path -> content key for a live wardrobe row (seed 004: avatars/{user}/{avatar}.ext)."""
    out: dict[str, str] = {}
    for col, kind in LAYOUT_KIND.items():
        value = row.get(col)
        if value and sha256_of_object_key(str(value)) and kind in AVATAR_KINDS:
            out[avatar_key(str(row["user_id"]), str(row["id"]), kind)] = str(value)
    return out


def publish_row(remote: BlobStore, row: Row | None, user_id: str, row_key: str) -> int:
    """Point the layout paths at a wardrobe row's current files, or remove them when it is gone.
    A kind the row no longer has is left to GC's layout repair (it costs a request per kind)."""
    gone = row is None or bool(row.get(WARDROBE.tombstone or ""))
    wanted = {} if gone else layout_targets(row or {})
    count = 0
    for kind in LAYOUT_KIND.values():
        layout = avatar_key(user_id, row_key, kind)
        if layout in wanted:
            source = wanted[layout]
            current = remote.head(layout)
            if current is None or current.sha256 != sha256_of_object_key(source):
                remote.copy(source, layout)
                count += 1
        elif gone:
            remote.delete(layout)
    return count
