"""Resumable multipart uploads to S3.

The upload id and every acknowledged part are saved in an :class:`UploadStateStore` (the sync
state database in the studio, memory in a bare ``S3BlobStore``) as soon as S3 acknowledges them.
After an interruption the next attempt reloads that state, asks S3 which parts it holds
(``ListParts``), keeps the ones whose etag matches, and sends only the rest. Each part carries
its SHA-256 (``ChecksumSHA256``), which S3 verifies on receipt.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from studio.blobs.base import CancelFn, ProgressFn, check_cancel
from studio.blobs.retry import RetryPolicy, error_code

MIN_PART = 5 * 1024 * 1024


@dataclass
class UploadState:
    key: str
    sha256: str
    upload_id: str
    part_size: int
    parts: dict[int, tuple[str, str]] = field(default_factory=dict)  # number -> (etag, sha256 b64)


class UploadStateStore(Protocol):
    def load_upload(self, key: str, sha256: str) -> UploadState | None: ...
    def save_upload(self, state: UploadState) -> None: ...
    def clear_upload(self, key: str, sha256: str) -> None: ...


class MemoryUploadStateStore:
    """Keeps upload state for the life of the process."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], UploadState] = {}

    def load_upload(self, key: str, sha256: str) -> UploadState | None:
        return self._states.get((key, sha256))

    def save_upload(self, state: UploadState) -> None:
        self._states[(state.key, state.sha256)] = state

    def clear_upload(self, key: str, sha256: str) -> None:
        self._states.pop((key, sha256), None)


@dataclass
class MultipartJob:
    client: Any
    bucket: str
    key: str
    path: Path
    sha256: str
    content_type: str
    part_size: int
    concurrency: int
    retry: RetryPolicy
    states: UploadStateStore
    if_none_match: bool = False


def upload_multipart(
    job: MultipartJob, progress: ProgressFn | None, cancel: CancelFn | None
) -> dict[str, Any]:
    """Upload ``job.path`` in parts, resuming a saved upload; returns the Complete response."""
    size = job.path.stat().st_size
    state = _resume(job) or _start(job)
    numbers = range(1, max(1, -(-size // state.part_size)) + 1)
    lock = threading.Lock()
    done = [sum(_part_len(n, state.part_size, size) for n in state.parts)]
    if progress:
        progress(done[0], size)

    def send(number: int) -> None:
        check_cancel(cancel)
        etag, checksum = _upload_part(job, state, number, size)
        with lock:
            state.parts[number] = (etag, checksum)
            job.states.save_upload(state)
            done[0] += _part_len(number, state.part_size, size)
            if progress:
                progress(done[0], size)

    todo = [n for n in numbers if n not in state.parts]
    _run_parallel(send, todo, job.concurrency)
    return _complete(job, state, list(numbers))


def _run_parallel(fn: Callable[[int], None], items: list[int], concurrency: int) -> None:
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
        futures = [pool.submit(fn, n) for n in items]
        finished, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for fut in pending:
            fut.cancel()
        for fut in finished:
            fut.result()
        for fut in pending:
            if not fut.cancelled():
                fut.result()


def _start(job: MultipartJob) -> UploadState:
    response = job.retry.call(
        f"start upload of {job.key}",
        lambda: job.client.create_multipart_upload(
            Bucket=job.bucket,
            Key=job.key,
            ContentType=job.content_type,
            Metadata={"sha256": job.sha256},
            ChecksumAlgorithm="SHA256",
        ),
    )
    state = UploadState(job.key, job.sha256, response["UploadId"], max(job.part_size, MIN_PART))
    job.states.save_upload(state)
    return state


def _resume(job: MultipartJob) -> UploadState | None:
    state = job.states.load_upload(job.key, job.sha256)
    if state is None:
        return None
    try:
        listed = _list_parts(job, state.upload_id)
    except Exception as exc:
        if error_code(exc) in ("NoSuchUpload", "404"):
            job.states.clear_upload(job.key, job.sha256)
            return None
        raise
    # Keep only parts S3 still holds with the etag it acknowledged to us.
    state.parts = {n: v for n, v in state.parts.items() if listed.get(n) == v[0]}
    job.states.save_upload(state)
    return state


def _list_parts(job: MultipartJob, upload_id: str) -> dict[int, str]:
    parts: dict[int, str] = {}
    marker = 0
    while True:
        params: dict[str, Any] = {
            "Bucket": job.bucket,
            "Key": job.key,
            "UploadId": upload_id,
            "PartNumberMarker": marker,
        }
        page: dict[str, Any] = job.retry.call(
            f"list parts of {job.key}", partial(job.client.list_parts, **params)
        )
        for part in page.get("Parts", []):
            parts[int(part["PartNumber"])] = part["ETag"]
        if not page.get("IsTruncated"):
            return parts
        marker = int(page["NextPartNumberMarker"])


def _part_len(number: int, part_size: int, size: int) -> int:
    return max(0, min(part_size, size - (number - 1) * part_size))


def _upload_part(job: MultipartJob, state: UploadState, number: int, size: int) -> tuple[str, str]:
    with open(job.path, "rb") as handle:
        handle.seek((number - 1) * state.part_size)
        body = handle.read(_part_len(number, state.part_size, size))
    checksum = base64.b64encode(hashlib.sha256(body).digest()).decode()
    response = job.retry.call(
        f"upload part {number} of {job.key}",
        lambda: job.client.upload_part(
            Bucket=job.bucket,
            Key=job.key,
            UploadId=state.upload_id,
            PartNumber=number,
            Body=body,
            ChecksumSHA256=checksum,
        ),
    )
    return response["ETag"], checksum


def _complete(job: MultipartJob, state: UploadState, numbers: list[int]) -> dict[str, Any]:
    parts = [
        {"PartNumber": n, "ETag": state.parts[n][0], "ChecksumSHA256": state.parts[n][1]} for n in numbers
    ]
    extra = {"IfNoneMatch": "*"} if job.if_none_match else {}
    response: dict[str, Any] = job.retry.call(
        f"finish upload of {job.key}",
        lambda: job.client.complete_multipart_upload(
            Bucket=job.bucket,
            Key=job.key,
            UploadId=state.upload_id,
            MultipartUpload={"Parts": parts},
            **extra,
        ),
    )
    job.states.clear_upload(job.key, job.sha256)
    return response


def abort_multipart(job: MultipartJob) -> None:
    """Forget a saved upload and tell S3 to drop its parts."""
    state = job.states.load_upload(job.key, job.sha256)
    if state is None:
        return
    try:
        job.client.abort_multipart_upload(Bucket=job.bucket, Key=job.key, UploadId=state.upload_id)
    finally:
        job.states.clear_upload(job.key, job.sha256)
