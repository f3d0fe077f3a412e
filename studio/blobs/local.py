"""``LocalBlobStore``: blobs as files in one folder, the embedded default.

Writes go to a temp file in the target folder, are fsynced, then renamed (or hard-linked for
``if_none_match``, which fails atomically when the key exists), so a crash leaves the old blob or
the new one, never half of one. The etag is the SHA-256 of the content; content types come from
the key's extension. One process owns a folder (the studio's data dir).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from studio.blobs.base import (
    CHUNK,
    DEFAULT_CONTENT_TYPE,
    BlobIntegrityError,
    BlobNotFoundError,
    BlobPreconditionError,
    BlobRef,
    CancelFn,
    ProgressFn,
    check_cancel,
    check_put,
    sha256_bytes,
    sha256_file,
    validate_key,
)
from studio.blobs.layout import content_type_for, sha256_of_object_key

_TMP_SUFFIX = ".part"


class LocalBlobStore:
    """A folder of blobs. Safe against crashes; one writer process per folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._hash_cache: dict[str, tuple[int, int, str]] = {}

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def path(self, key: str) -> Path:
        """Where ``key`` lives on disk (whether or not it exists yet)."""
        return self._path(key)

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
        check_put(key, data, if_none_match, if_match)
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp, digest, size = self._write_temp(target, data, progress, cancel)
        try:
            with self._lock:
                self._commit(key, target, tmp, if_none_match, if_match)
        finally:
            tmp.unlink(missing_ok=True)
        self._remember(key, target, digest)
        return BlobRef(key, size, digest, content_type_for(key), digest, _mtime(target))

    def _write_temp(
        self, target: Path, data: bytes | Path, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> tuple[Path, str, int]:
        import hashlib

        digest = hashlib.sha256()
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TMP_SUFFIX, dir=target.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                done = _copy_into(out, data, digest, progress, cancel)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp, digest.hexdigest(), done

    def _commit(self, key: str, target: Path, tmp: Path, if_none_match: bool, if_match: str | None) -> None:
        if if_none_match:
            try:
                os.link(tmp, target)  # atomic create-if-absent
            except FileExistsError:
                raise BlobPreconditionError(f"{key} already exists") from None
            return
        if if_match is not None:
            current = self.head(key)
            if current is None or current.etag != if_match:
                raise BlobPreconditionError(f"{key} changed since it was read")
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def _remember(self, key: str, target: Path, digest: str) -> None:
        stat = target.stat()
        self._hash_cache[key] = (stat.st_mtime_ns, stat.st_size, digest)

    def _digest(self, key: str, path: Path) -> str:
        stat = path.stat()
        cached = self._hash_cache.get(key)
        if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
            return cached[2]
        digest = sha256_file(path)
        self._hash_cache[key] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(f"no blob at {key}") from None
        expected = sha256_of_object_key(key)
        if expected is not None and sha256_bytes(data) != expected:
            raise BlobIntegrityError(f"{key} is corrupt: its content does not match its SHA-256")
        return data

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise BlobNotFoundError(f"no blob at {key}") from None

    def download(
        self, key: str, dest: Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
    ) -> BlobRef:
        src = self._path(key)
        if not src.exists():
            raise BlobNotFoundError(f"no blob at {key}")
        other = LocalBlobStore(Path(dest).parent)
        ref = other.put(Path(dest).name, src, progress=progress, cancel=cancel)
        expected = sha256_of_object_key(key)
        if expected is not None and ref.sha256 != expected:
            Path(dest).unlink(missing_ok=True)
            raise BlobIntegrityError(f"{key} is corrupt: its content does not match its SHA-256")
        return BlobRef(key, ref.size, ref.sha256, content_type_for(key), ref.sha256, ref.last_modified)

    def head(self, key: str) -> BlobRef | None:
        path = self._path(key)
        if not path.is_file():
            return None
        digest = self._digest(key, path)
        return BlobRef(key, path.stat().st_size, digest, content_type_for(key), digest, _mtime(path))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._hash_cache.pop(key, None)

    def list(self, prefix: str = "") -> Iterator[BlobRef]:
        if not self.root.exists():
            return
        keys = []
        for dirpath, _dirs, files in os.walk(self.root):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in files:
                if name.endswith(_TMP_SUFFIX):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        for key in sorted(keys):
            path = self._path(key)
            stat = path.stat()
            yield BlobRef(
                key, stat.st_size, sha256_of_object_key(key), content_type_for(key), None, _mtime(path)
            )

    def copy(self, src: str, dst: str) -> BlobRef:
        source = self._path(src)
        if not source.exists():
            raise BlobNotFoundError(f"no blob at {src}")
        return self.put(dst, source)

    def presigned_url(self, key: str, expires: int | None = None) -> str:
        """A file:// URL: a local folder has no signatures, so ``expires`` does not apply."""
        path = self._path(key)
        if not path.exists():
            raise BlobNotFoundError(f"no blob at {key}")
        return path.resolve().as_uri()


def _copy_into(
    out: BinaryIO, data: bytes | Path, digest, progress: ProgressFn | None, cancel: CancelFn | None
) -> int:
    if isinstance(data, bytes | bytearray):
        check_cancel(cancel)
        out.write(data)
        digest.update(data)
        if progress:
            progress(len(data), len(data))
        return len(data)
    total = Path(data).stat().st_size
    done = 0
    with open(data, "rb") as src:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            check_cancel(cancel)
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return done


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
