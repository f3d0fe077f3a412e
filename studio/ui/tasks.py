"""Background work: a function runs on a ``QThreadPool`` worker, its result comes back by signal.

The pattern is Picard's (a ``QRunnable`` whose outcome is posted to the main thread), without its
coupling: the work function is plain Python that receives a :class:`TaskContext` for progress and
cancel, so the services it calls stay Qt-free. Workers never touch widgets; every signal of
:class:`Task` is emitted from the worker thread and delivered, queued, on the main thread because
the ``Task`` object lives there.

Tests build the runner with ``synchronous=True``: the work runs inline at ``submit`` and the
signals fire before ``submit`` returns, so a test reads the outcome without waiting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QElapsedTimer, QObject, QRunnable, QThreadPool, QTimer, Signal

from studio.domain.errors import CancelledError, StudioError

log = logging.getLogger(__name__)
UNKNOWN = -1.0


class TaskContext:
    """Handed to the work function; safe to call from the worker thread."""

    def __init__(self, task: Task) -> None:
        self._task = task

    def progress(self, fraction: float | None = None, message: str = "") -> None:
        """Report progress: ``fraction`` in 0..1 (``None`` when unknown) and a line for the user."""
        self._task.progressed.emit(UNKNOWN if fraction is None else float(fraction), str(message))

    def cancelled(self) -> bool:
        return self._task.cancel_requested

    def check_cancelled(self) -> None:
        """Raise :class:`CancelledError` once the user asked to stop."""
        if self._task.cancel_requested:
            raise CancelledError("cancelled")


class Task(QObject):
    """One piece of background work. Signals are emitted from the worker thread (queued to main)."""

    # Typed plainly so the queued copy is cheap: an unknown fraction travels as UNKNOWN, results
    # in a _Box (the callbacks get the bare value back). PySide6 6.12.0 is excluded in
    # pyproject.toml: under Python 3.11 its Signal.emit() loses a reference to True per call.
    progressed = Signal(float, str)  # fraction (UNKNOWN when unknown), message
    succeeded = Signal(object)  # _Box holding the work function's return value
    failed = Signal(object)  # the exception (CancelledError when cancelled)
    ended = Signal()  # always, after succeeded or failed

    def __init__(self, name: str, fn: Callable[[TaskContext], Any]) -> None:
        super().__init__()
        self.name = name
        self._fn = fn
        self._cancel = threading.Event()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop; it does so at its next cancel check."""
        self._cancel.set()

    def execute(self) -> None:
        try:
            result = self._fn(TaskContext(self))
            if self._cancel.is_set():
                raise CancelledError("cancelled")
        except Exception as exc:
            if not isinstance(exc, StudioError):  # a bug, not a user error: keep the traceback
                log.error("task %s failed", self.name, exc_info=exc)
            self.error = exc
            self.done = True
            self.failed.emit(exc)
        else:
            self.result = result
            self.done = True
            self.succeeded.emit(_Box(result))
        self.ended.emit()


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self._task.execute()


class TaskRunner(QObject):
    """Submits work to a thread pool (or runs it inline in synchronous mode) and tracks it."""

    activity = Signal(int)  # number of tasks still running; emitted on the main thread
    finished = Signal(str)  # a task's name once it has ended (done, failed or cancelled)

    def __init__(self, pool: QThreadPool | None = None, *, synchronous: bool = False) -> None:
        super().__init__()
        self.synchronous = synchronous
        self._pool = pool or QThreadPool.globalInstance()
        self._tasks: set[Task] = set()

    def submit(
        self,
        name: str,
        fn: Callable[[TaskContext], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float | None, str], None] | None = None,
        owner: QObject | None = None,
    ) -> Task:
        """Run ``fn(context)`` in the background. With ``owner``, the callbacks are skipped once
        that widget or model has been deleted (a pane closed while its work was still running)."""
        task = Task(name, fn)
        # Connected before start, so no outcome can be missed; slots run on the main thread.
        if on_progress is not None:
            report = on_progress
            task.progressed.connect(_guarded(owner, lambda f, m: report(None if f < 0 else f, m)))
        if on_done is not None:
            done = on_done
            task.succeeded.connect(_guarded(owner, lambda box: done(box.value)))
        if on_error is not None:
            task.failed.connect(_guarded(owner, on_error))
        task.ended.connect(lambda: self._forget(task))
        self._tasks.add(task)
        self.activity.emit(len(self._tasks))
        if self.synchronous:
            task.execute()
        else:
            self._pool.start(_Runnable(task))
        return task

    @property
    def running(self) -> int:
        return len(self._tasks)

    def _forget(self, task: Task) -> None:
        self._tasks.discard(task)
        self.activity.emit(len(self._tasks))
        self.finished.emit(task.name)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the workers (window close, test teardown)."""
        self.cancel_all()
        return bool(self._pool.waitForDone(timeout_ms))


class _Box:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _guarded(owner: QObject | None, callback: Callable[..., None]) -> Callable[..., None]:
    def call(*args: Any) -> None:
        if owner is None or shiboken6.isValid(owner):
            callback(*args)

    return call


class StallMeter(QObject):
    """A heartbeat on the main thread that records the longest gap between two ticks.

    A tick is due every ``interval_ms``; anything longer means the event loop was blocked for
    that long. Used by the benchmark and by tests that promise the window never freezes.
    """

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.longest_ms = 0.0
        self.ticks = 0
        self._clock = QElapsedTimer()
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.longest_ms = 0.0
        self.ticks = 0
        self._clock.start()
        self._last = self._now()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        self._tick()
        return self.longest_ms

    def _now(self) -> float:
        return self._clock.nsecsElapsed() / 1e6

    def _tick(self) -> None:
        now = self._now()
        self.longest_ms = max(self.longest_ms, now - self._last)
        self._last = now
        self.ticks += 1
