"""Content-addressed writes: immutable objects under ``objects/sha256/`` and layout copies.

Rows point at content-addressed keys. An object is written once (If-None-Match: *, after an
exists check that also deduplicates), so a retry or a second device can never replace the bytes a
row already points at. Layout paths (``avatars/{userId}/{avatarId}.glb``) are copies made last,
after the row is committed, so a URL handed to a game world always serves a complete file.
"""

from __future__ import annotations

from pathlib import Path

from studio.blobs.base import (
    DEFAULT_CONTENT_TYPE,
    BlobRef,
    BlobStore,
    CancelFn,
    ProgressFn,
    payload_sha256,
)
from studio.blobs.layout import object_key


def put_content(
    store: BlobStore,
    data: bytes | Path,
    content_type: str = DEFAULT_CONTENT_TYPE,
    *,
    sha256: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> BlobRef:
    """Store ``data`` under its content address (skipping the upload when it is already there)."""
    digest = sha256 or payload_sha256(data, cancel)
    key = object_key(digest)
    existing = store.head(key)
    if existing is not None and existing.sha256 in (digest, None):
        return existing
    return store.put(key, data, content_type, if_none_match=True, progress=progress, cancel=cancel)


def publish(store: BlobStore, source_key: str, layout_key: str) -> BlobRef:
    """Make ``layout_key`` a copy of ``source_key`` unless it already holds the same bytes."""
    want = store.head(source_key)
    current = store.head(layout_key)
    if want is not None and current is not None and current.sha256 == want.sha256 and current.sha256:
        return current
    return store.copy(source_key, layout_key)
