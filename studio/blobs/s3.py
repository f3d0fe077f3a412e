"""``S3BlobStore``: blobs in an S3 bucket through an injected boto3 client (AWS, R2, MinIO, moto).

Every object carries ``x-amz-meta-sha256``; uploads send ``ChecksumSHA256`` (S3 verifies it on
receipt, per part for multipart) and reads hash what they receive and compare. Objects are private;
:meth:`presigned_url` signs short-lived GET URLs, and keys under the public prefix (prebuilts) get a
plain URL once :meth:`apply_public_read_policy` has opened that prefix to anonymous reads.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, cast

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
    payload_sha256,
    validate_key,
)
from studio.blobs.layout import PUBLIC_PREFIX, is_public, sha256_of_object_key
from studio.blobs.multipart import MemoryUploadStateStore, MultipartJob, UploadStateStore, upload_multipart
from studio.blobs.retry import RetryPolicy, error_code, http_status

MAX_PRESIGN_SECONDS = 3600
MB = 1024 * 1024


class S3BlobStore:
    """Blobs in one bucket. The boto3 client is built by ``studio.app`` (signature v4, no retries)."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        public_prefix: str = PUBLIC_PREFIX,
        presign_expiry: int = 900,
        retry: RetryPolicy | None = None,
        multipart_threshold: int = 16 * MB,
        part_size: int = 8 * MB,
        concurrency: int = 8,
        upload_states: UploadStateStore | None = None,
        public_base_url: str | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.public_prefix = public_prefix
        self.presign_expiry = min(int(presign_expiry), MAX_PRESIGN_SECONDS)
        self.retry = retry or RetryPolicy()
        self.multipart_threshold = max(multipart_threshold, 5 * MB)
        self.part_size = max(part_size, 5 * MB)
        self.concurrency = max(1, concurrency)
        self.upload_states: UploadStateStore = upload_states or MemoryUploadStateStore()
        self.public_base_url = public_base_url

    # -- writing ---------------------------------------------------------------------------
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
        size = check_put(key, data, if_none_match, if_match)
        digest = payload_sha256(data, cancel)
        check_cancel(cancel)
        try:
            # A conditional overwrite (if_match) is one PUT: multipart completion cannot carry it.
            if isinstance(data, Path) and size > self.multipart_threshold and if_match is None:
                job = MultipartJob(
                    self.client,
                    self.bucket,
                    key,
                    data,
                    digest,
                    content_type,
                    self.part_size,
                    self.concurrency,
                    self.retry,
                    self.upload_states,
                    if_none_match,
                )
                upload_multipart(job, progress, cancel)
            else:
                proven = self._put_single(key, data, digest, content_type, if_none_match, if_match)
                if progress:
                    progress(size, size)
                if proven:
                    return BlobRef(key, size, digest, content_type, proven)
        except Exception as exc:
            return self._after_failed_put(exc, key, digest, if_none_match)
        return self._verify_stored(key, digest, size)

    def _put_single(
        self,
        key: str,
        data: bytes | Path,
        digest: str,
        content_type: str,
        if_none_match: bool,
        if_match: str | None,
    ) -> str | None:
        """PUT in one request; the new etag when S3's answer proves it stored these bytes."""
        body = bytes(data) if isinstance(data, bytes | bytearray) else Path(data).read_bytes()
        checksum = base64.b64encode(bytes.fromhex(digest)).decode()
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": body,
            "ContentType": content_type,
            "Metadata": {"sha256": digest},
            "ChecksumSHA256": checksum,
        }
        if if_none_match:
            params["IfNoneMatch"] = "*"
        if if_match is not None:
            params["IfMatch"] = if_match
        response = self.retry.call(f"upload {key}", lambda: self.client.put_object(**params))
        # S3 echoes the SHA-256 it verified; without it, a single-part ETag is the MD5 it received.
        etag = str(response.get("ETag", ""))
        if response.get("ChecksumSHA256"):
            return etag if response["ChecksumSHA256"] == checksum else None
        return etag if etag.strip('"') == hashlib.md5(body, usedforsecurity=False).hexdigest() else None

    def _after_failed_put(self, exc: Exception, key: str, digest: str, if_none_match: bool) -> BlobRef:
        """A refused create is fine when the key already holds these exact bytes (a retried
        request whose first answer was lost, or the same content written by another device)."""
        if http_status(exc) == 412 or error_code(exc) in ("PreconditionFailed", "NoSuchUpload"):
            current = self.head(key)
            if current is not None and current.sha256 == digest:
                return current
            if if_none_match or http_status(exc) == 412:
                raise BlobPreconditionError(f"{key} was changed by someone else") from exc
        raise exc

    def _verify_stored(self, key: str, digest: str, size: int) -> BlobRef:
        ref = self.head(key)
        if ref is None or ref.size != size or ref.sha256 != digest:
            raise BlobIntegrityError(f"{key} did not arrive intact (size or SHA-256 differs)")
        return ref

    def put_many(
        self,
        items: list[tuple[str, Path, str]],
        *,
        if_none_match: bool = False,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> list[BlobRef]:
        """Upload many files concurrently: ``(key, path, content_type)`` each. Progress in bytes."""
        total = sum(Path(p).stat().st_size for _k, p, _c in items)
        done: dict[str, int] = {}

        def one(item: tuple[str, Path, str]) -> BlobRef:
            key, path, ctype = item

            def step(n: int, _t: int) -> None:
                done[key] = n
                if progress:
                    progress(sum(done.values()), total)

            return self.put(key, Path(path), ctype, if_none_match=if_none_match, progress=step, cancel=cancel)

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(one, items))

    # -- reading ---------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        response = self._get_object(key)
        data = self.retry.call(f"read {key}", response["Body"].read)
        self._check_digest(key, hashlib.sha256(data).hexdigest(), response)
        return bytes(data)

    def _get_object(self, key: str) -> dict[str, Any]:
        validate_key(key)
        try:
            return dict(
                self.retry.call(
                    f"download {key}", lambda: self.client.get_object(Bucket=self.bucket, Key=key)
                )
            )
        except Exception as exc:
            if error_code(exc) in ("NoSuchKey", "404") or http_status(exc) == 404:
                raise BlobNotFoundError(f"no blob at {key}") from exc
            raise

    def _check_digest(self, key: str, actual: str, response: dict[str, Any]) -> None:
        expected = {(response.get("Metadata") or {}).get("sha256"), sha256_of_object_key(key)} - {None}
        if any(actual != e for e in expected):
            raise BlobIntegrityError(f"{key} is corrupt: its content does not match its SHA-256")

    def open(self, key: str) -> BinaryIO:
        body = self._get_object(key)["Body"]
        return cast(BinaryIO, body if hasattr(body, "readable") else io.BufferedReader(body))

    def download(
        self, key: str, dest: Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None
    ) -> BlobRef:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                response, digest, size = self._stream_to(key, out, progress, cancel)
                out.flush()
                os.fsync(out.fileno())
            self._check_digest(key, digest, response)
            os.replace(name, dest)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return BlobRef(
            key, size, digest, response.get("ContentType", DEFAULT_CONTENT_TYPE), response.get("ETag")
        )

    def _stream_to(
        self, key: str, out: BinaryIO, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> tuple[dict[str, Any], str, int]:
        def attempt() -> tuple[dict[str, Any], str, int]:
            out.seek(0)
            out.truncate()
            response = self._get_object(key)
            total = int(response.get("ContentLength") or 0)
            digest, done = hashlib.sha256(), 0
            for chunk in response["Body"].iter_chunks(CHUNK):
                check_cancel(cancel)
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            return response, digest.hexdigest(), done

        return self.retry.call(f"download {key}", attempt)

    def head(self, key: str) -> BlobRef | None:
        validate_key(key)
        try:
            r = self.retry.call(
                f"look up {key}", lambda: self.client.head_object(Bucket=self.bucket, Key=key)
            )
        except Exception as exc:
            if http_status(exc) == 404 or error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return BlobRef(
            key,
            int(r["ContentLength"]),
            (r.get("Metadata") or {}).get("sha256"),
            r.get("ContentType", DEFAULT_CONTENT_TYPE),
            r.get("ETag"),
            r.get("LastModified"),
        )

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def delete(self, key: str) -> None:
        validate_key(key)
        self.retry.call(f"delete {key}", lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    def list(self, prefix: str = "") -> Iterator[BlobRef]:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if token:
                params["ContinuationToken"] = token
            page: dict[str, Any] = self.retry.call(
                f"list {prefix or 'bucket'}", partial(self.client.list_objects_v2, **params)
            )
            for obj in page.get("Contents", []):
                key = obj["Key"]
                yield BlobRef(
                    key,
                    int(obj["Size"]),
                    sha256_of_object_key(key),
                    DEFAULT_CONTENT_TYPE,
                    obj.get("ETag"),
                    obj.get("LastModified"),
                )
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    def copy(self, src: str, dst: str) -> BlobRef:
        validate_key(src)
        validate_key(dst)
        try:
            self.retry.call(
                f"copy {src} to {dst}",
                lambda: self.client.copy_object(
                    Bucket=self.bucket,
                    Key=dst,
                    CopySource={"Bucket": self.bucket, "Key": src},
                    MetadataDirective="COPY",
                ),
            )
        except Exception as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                raise BlobNotFoundError(f"no blob at {src}") from exc
            raise
        ref = self.head(dst)
        if ref is None:
            raise BlobNotFoundError(f"copy of {src} to {dst} vanished")
        return ref

    # -- access ----------------------------------------------------------------------------
    def presigned_url(self, key: str, expires: int | None = None) -> str:
        """A GET URL valid for ``expires`` seconds (default the store's, capped at one hour)."""
        validate_key(key)
        if is_public(key, self.public_prefix):
            return self.public_url(key)
        seconds = max(1, min(int(expires or self.presign_expiry), MAX_PRESIGN_SECONDS))
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
            )
        )

    def public_url(self, key: str) -> str:
        base = self.public_base_url or f"{self.client.meta.endpoint_url.rstrip('/')}/{self.bucket}"
        return f"{base.rstrip('/')}/{key}"

    def apply_public_read_policy(self) -> None:
        """Let anyone GET keys under the public prefix (prebuilts); everything else stays private."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicPrebuilts",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{self.bucket}/{self.public_prefix}*",
                }
            ],
        }
        self.retry.call(
            "set bucket policy",
            lambda: self.client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy)),
        )
