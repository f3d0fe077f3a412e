"""Answer a modal dialog the code under test opens, the way a user would (a key press, a click).

``answering(qtbot, answer)`` polls for the next modal widget while the code blocks in its
``exec()``, hands it to ``answer`` (which clicks or types), and records what it saw, so a test can
also assert the dialog's wording and default button. A dialog that never appears fails the test
instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

POLL_MS = 20
GIVE_UP_MS = 10_000


@contextmanager
def answering(
    answer: Callable[[Any], None], *, times: int = 1, kind: type[QWidget] = QWidget
) -> Iterator[list[QWidget]]:
    """Within the block, the next ``times`` modal dialogs of type ``kind`` are answered by
    ``answer(dialog)``; the list yielded holds the dialogs seen (check it after the block)."""
    seen: list[QWidget] = []
    waited = [0]
    stopped = [False]

    def poll() -> None:
        if stopped[0]:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog not in seen:
            seen.append(dialog)
            answer(dialog)
        elif waited[0] > GIVE_UP_MS:
            return
        if len(seen) < times:
            waited[0] += POLL_MS
            QTimer.singleShot(POLL_MS, poll)

    QTimer.singleShot(0, poll)
    try:
        yield seen
    finally:
        stopped[0] = True
    assert len(seen) == times, f"expected {times} dialog(s), saw {len(seen)}"
