"""The blob store interface shared by the local folder and S3, and the types it speaks in.

A blob store holds bytes under string keys (``avatars/{userId}/{avatarId}.glb``). Every stored blob
carries its SHA-256 (as metadata, and in the key itself for content-addressed objects under
``objects/sha256/``), so a reader can verify what it got. See ``docs/sync.md`` for the write rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from studio.domain.errors import CancelledError, ConflictError, NotFoundError, OfflineError, StudioError

# progress(done_bytes, total_bytes); cancel() -> True to stop at the next chunk boundary.
ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]
CHUNK = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class BlobNotFoundError(NotFoundError):
    """The key does not exist in the store."""


class BlobIntegrityError(StudioError):
    """The bytes read back do not match the SHA-256 recorded when they were written."""

    code = "BLOB_INTEGRITY"


class BlobPreconditionError(ConflictError):
    """A conditional write (If-None-Match / If-Match) found the key in another state."""


class BlobUnavailableError(OfflineError):
    """The store could not be reached, even after retries."""


@dataclass(frozen=True)
class BlobRef:
    """What a store knows about one stored blob."""

    key: str
    size: int
    sha256: str | None = None  # hex; None when a listing does not carry it
    content_type: str = DEFAULT_CONTENT_TYPE
    etag: str | None = None
    last_modified: datetime | None = None


@runtime_checkable
class BlobStore(Protocol):
    """Bytes under keys. Implementations: ``LocalBlobStore`` (folder) and ``S3BlobStore``."""

    def put(
        self,
        key: str,
        data: bytes | Path,
        content_type: str = DEFAULT_CONTENT_TYPE,
        *,
        if_none_match: bool = False,
        if_match: str | None = None,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> BlobRef:
        """Store ``data`` (bytes or a file path) atomically; readers see the old or the new blob.

        ``if_none_match`` refuses to overwrite an existing key; ``if_match`` overwrites only when
        the current etag equals it. Both raise :class:`BlobPreconditionError`.
        """
        ...

    def get(self, key: str) -> bytes:
        """The whole blob, verified against its recorded SHA-256."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A stream of the blob (not verified: use :meth:`download` for a checked copy)."""
        ...

    def download(
        self, key: str, dest: Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
    ) -> BlobRef:
        """Copy the blob to ``dest`` atomically, verifying its SHA-256 on the way."""
        ...

    def head(self, key: str) -> BlobRef | None:
        """Size, checksum and etag of the blob, or None when it does not exist."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...

    def list(self, prefix: str = "") -> Iterator[BlobRef]:
        """Every blob whose key starts with ``prefix``, in key order."""
        ...

    def copy(self, src: str, dst: str) -> BlobRef:
        """Copy ``src`` to ``dst`` inside the store (server-side for S3)."""
        ...

    def presigned_url(self, key: str, expires: int | None = None) -> str:
        """A URL that reads the blob; private keys get a time-limited signature."""
        ...


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, cancel: CancelFn | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            check_cancel(cancel)
            digest.update(chunk)
    return digest.hexdigest()


def payload_sha256(data: bytes | Path, cancel: CancelFn | None = None) -> str:
    return (
        sha256_bytes(bytes(data)) if isinstance(data, bytes | bytearray) else sha256_file(Path(data), cancel)
    )


def check_cancel(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("cancelled by the user")


def check_put(key: str, data: object, if_none_match: bool, if_match: str | None) -> int:
    """The argument checks every ``BlobStore.put`` makes before touching storage; the payload's size.

    A bad key or payload is an :class:`InvalidInputError` and a missing source file a
    :class:`BlobNotFoundError`, both naming the key, never a bare ``OSError``."""
    from studio.domain.errors import InvalidInputError

    validate_key(key)
    if if_none_match and if_match is not None:
        raise InvalidInputError(f"writing {key}: if_none_match and if_match cannot be combined")
    if isinstance(data, bytes | bytearray):
        return len(data)
    if not isinstance(data, Path):
        raise InvalidInputError(f"writing {key}: give the bytes or a Path, not {type(data).__name__}")
    try:
        if not data.is_file():
            raise BlobNotFoundError(f"writing {key}: {data} is not a file")
        return data.stat().st_size
    except OSError as exc:
        raise BlobNotFoundError(f"writing {key}: {data} cannot be read ({exc.strerror or exc})") from None


def validate_key(key: str) -> str:
    """Keys are relative, slash-separated, with no empty, '.' or '..' segments."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        from studio.domain.errors import InvalidInputError

        raise InvalidInputError(f"invalid blob key {key!r}: use relative paths like 'avatars/u/a.glb'")
    return key
