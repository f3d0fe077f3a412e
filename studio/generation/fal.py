"""``FalGenerator``: the Fal queue adapter, on fal-client's own ``SyncClient`` code path.

fal-client has no per-client base URL: it builds queue URLs from the module global
``fal_client.client.QUEUE_URL_FORMAT`` (read at call time) and then follows the status, result
and cancel URLs the submit response returns. :func:`point_fal_client` sets those globals once
from :class:`FalConfig` (the real queue, a team proxy, or the local stand-in), and switches
fal-client's own retry loop off (``MAX_ATTEMPTS = 1``) so that one policy here decides retries:
429 and 5xx are retried with exponential backoff honouring ``Retry-After``; connection failures
become :class:`~studio.domain.errors.OfflineError`; 401/403 become :class:`FalKeyRejectedError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import fal_client
import fal_client.client as fal_module
import httpx

from studio.domain.errors import CancelledError, OfflineError, StudioError
from studio.generation.ports import (
    CancelCheck,
    FalKeyRejectedError,
    FalUnavailableError,
    GenerationFailedError,
    GenerationOutput,
    GenerationRequest,
    Progress,
    ProgressCallback,
    RemoteImage,
)

DEFAULT_QUEUE_URL = "https://queue.fal.run/"
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
T = TypeVar("T")
_globals_lock = threading.Lock()


@dataclass(frozen=True)
class FalConfig:
    """Where and how to talk to Fal. The key is passed here, never read from settings."""

    key: str
    queue_url: str = DEFAULT_QUEUE_URL
    model: str = "fal-ai/flux-2/lora"
    request_timeout: float = 30.0  # one HTTP request (submit, status, result, cancel)
    job_timeout: float = 600.0  # a whole job, queue wait included
    poll_interval: float = 0.5
    max_attempts: int = 5  # per HTTP request, for 429/5xx/connection errors
    backoff_base: float = 0.5
    backoff_max: float = 8.0

    def __repr__(self) -> str:  # never print the key
        return f"FalConfig(queue_url={self.queue_url!r}, model={self.model!r})"


def point_fal_client(config: FalConfig) -> None:
    """Point fal-client's module globals at ``config.queue_url`` (plain http is fine).

    Callers that then read ``QUEUE_URL_FORMAT`` (submit, get_handle) hold ``_globals_lock`` so two
    generators with different queue URLs in one process never see each other's.
    """
    base = config.queue_url if config.queue_url.endswith("/") else config.queue_url + "/"
    fal_module.QUEUE_URL_FORMAT = base
    fal_module.MAX_ATTEMPTS = 1  # our retry policy below is the only one
    fal_module.QUEUE_POLL_TIMEOUT = httpx.Timeout(config.request_timeout)


def _retry_after(exc: fal_client.FalClientHTTPError) -> float | None:
    value = {k.lower(): v for k, v in exc.response_headers.items()}.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class FalGenerator:
    """The :class:`~studio.generation.ports.Generator` for Fal's queue API."""

    def __init__(
        self,
        config: FalConfig,
        *,
        client: fal_client.SyncClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        with _globals_lock:
            point_fal_client(config)
        self.config = config
        self.model = config.model
        self._client = client or fal_client.SyncClient(key=config.key, default_timeout=config.request_timeout)
        self._sleep = sleep
        self._clock = clock
        self._handles: dict[str, fal_client.SyncRequestHandle] = {}

    # -- Generator ---------------------------------------------------------------------------
    def submit(self, request: GenerationRequest) -> str:
        def submit() -> fal_client.SyncRequestHandle:
            with _globals_lock:  # submit builds its URL from the module global
                point_fal_client(self.config)
                return self._client.submit(self.model, request.arguments())

        handle = self._call(submit, "submit the job")
        self._handles[handle.request_id] = handle
        return handle.request_id

    def wait(
        self,
        request_id: str,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> GenerationOutput:
        handle = self._handle(request_id)
        deadline = self._clock() + self.config.job_timeout
        seen_logs = 0
        while True:
            if should_cancel is not None and should_cancel() and self.cancel(request_id):
                raise CancelledError("the generation was cancelled")
            status = self._call(lambda: handle.status(with_logs=True), "check the job status")
            if isinstance(status, fal_client.Completed):
                if status.error:
                    raise GenerationFailedError(f"Fal reported an error: {status.error}")
                break
            seen_logs = self._report(status, seen_logs, on_progress)
            if self._clock() > deadline:
                raise FalUnavailableError(
                    f"Fal did not finish the job within {self.config.job_timeout:.0f} s; "
                    "it stays pending and is picked up again on the next resume"
                )
            self._sleep(self.config.poll_interval)
        if on_progress is not None:
            on_progress(Progress("completed"))
        data = self._call(lambda: handle.get(interval=self.config.poll_interval), "fetch the result")
        return parse_output(data)

    def cancel(self, request_id: str) -> bool:
        handle = self._handle(request_id)
        try:
            self._call(handle.cancel, "cancel the job")
        except GenerationFailedError:
            return False  # 400 ALREADY_COMPLETED: nothing left to cancel
        return True

    # -- internals ---------------------------------------------------------------------------
    def _handle(self, request_id: str) -> fal_client.SyncRequestHandle:
        handle = self._handles.get(request_id)
        if handle is None:  # after a restart: re-attach from the stored request id
            with _globals_lock:
                point_fal_client(self.config)
                handle = self._client.get_handle(self.model, request_id)
            self._handles[request_id] = handle
        return handle

    @staticmethod
    def _report(status: Any, seen_logs: int, on_progress: ProgressCallback | None) -> int:
        if isinstance(status, fal_client.Queued):
            if on_progress is not None:
                on_progress(Progress("queued", position=status.position))
            return seen_logs
        logs = [str(entry.get("message", "")) for entry in (status.logs or [])]
        if on_progress is not None:
            on_progress(Progress("running", logs=tuple(logs[seen_logs:])))
        return max(seen_logs, len(logs))

    def _call(self, func: Callable[[], T], what: str) -> T:
        """Run one fal-client call with our retry policy and error translation."""
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                return func()
            except fal_client.FalClientHTTPError as exc:
                if exc.status_code not in RETRY_STATUS or attempt == self.config.max_attempts:
                    raise self._translate_http(exc, what) from exc
                self._sleep(self._delay(attempt, _retry_after(exc)))
            except (httpx.TransportError, fal_client.FalClientTimeoutError) as exc:
                if attempt == self.config.max_attempts:
                    raise self._offline(exc, what) from exc
                self._sleep(self._delay(attempt, None))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.config.backoff_base * 2 ** (attempt - 1), self.config.backoff_max)
        if retry_after is not None:
            delay = min(max(delay, retry_after), self.config.backoff_max)
        return delay

    def _translate_http(self, exc: fal_client.FalClientHTTPError, what: str) -> StudioError:
        code = exc.status_code
        if code in (401, 403):
            return FalKeyRejectedError(
                f"Fal rejected the API key (HTTP {code}) while trying to {what}. The key may be wrong "
                "or revoked: update it (FAL_KEY, or `studio fal-key set`) and try again."
            )
        if code in RETRY_STATUS:
            return FalUnavailableError(
                f"Fal is busy right now and did not {what} (it answered HTTP {code} to "
                f"{self.config.max_attempts} tries). Try again in a few minutes"
            )
        return GenerationFailedError(f"Fal refused to {what} (HTTP {code}): {exc.message}")

    def _offline(self, exc: Exception, what: str) -> OfflineError:
        host = httpx.URL(self.config.queue_url).host
        return OfflineError(
            f"cannot reach Fal at {host} to {what} ({type(exc).__name__}); check the network "
            "connection (the job, if any, is kept and resumed later)"
        )


def parse_output(data: Any) -> GenerationOutput:
    """Read Fal's result JSON (``images``, ``has_nsfw_concepts``, ``seed``); refuse malformed ones."""
    try:
        images = tuple(
            RemoteImage(
                url=str(item["url"]),
                width=item.get("width"),
                height=item.get("height"),
                content_type=item.get("content_type"),
            )
            for item in data["images"]
        )
        nsfw = tuple(bool(flag) for flag in (data.get("has_nsfw_concepts") or ()))
    except (KeyError, TypeError, AttributeError) as exc:
        raise GenerationFailedError(f"Fal returned a result without a usable image list ({exc})") from exc
    seed = data.get("seed")
    return GenerationOutput(images=images, nsfw=nsfw, seed=seed if isinstance(seed, int) else None)
