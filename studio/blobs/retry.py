"""Retries with capped exponential backoff and full jitter for S3 calls.

Retried: connection drops, timeouts, HTTP 5xx and 429/SlowDown. Not retried: 4xx answers that
will not change (missing key, failed precondition, bad request). The S3 client is built with
botocore's own retries off (``studio.app``), so the attempts here are the only ones.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError, ReadTimeoutError

from studio.blobs.base import BlobUnavailableError

T = TypeVar("T")
_RETRY_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
        "RequestLimitExceeded",
        "TooManyRequests",
        "ConditionalRequestConflict",
    }
)


def is_transient(exc: BaseException) -> bool:
    """True for failures that another attempt may fix."""
    if isinstance(exc, ConnectionError | ReadTimeoutError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return status >= 500 or status == 429 or code in _RETRY_CODES
    return isinstance(exc, BotoCoreError) and "timeout" in type(exc).__name__.lower()


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def http_status(exc: BaseException) -> int:
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return 0


@dataclass
class RetryPolicy:
    """How often and how patiently to retry. ``sleep`` is injectable so tests do not wait."""

    attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run ``fn``; retry transient failures; raise :class:`BlobUnavailableError` at the end."""
        last: BaseException | None = None
        for attempt in range(self.attempts):
            try:
                return fn()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                last = exc
                if attempt + 1 < self.attempts:
                    self.sleep(self.delay(attempt))
        raise BlobUnavailableError(f"{what} failed after {self.attempts} attempts: {last}") from last
