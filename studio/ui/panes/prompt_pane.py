"""Prompt pane: describe an avatar, pick a style, generate four portraits, keep one (seed 000)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.domain.errors import StudioError
from studio.ui.messages import local_time
from studio.ui.tasks import Task, TaskContext, TaskRunner
from studio.ui.widgets import ProgressStrip, image_from_bytes, plain_message

RESULT_SLOTS = 4
THUMB = 128
NO_STYLE = "(no style)"
CHOSEN = "✓ chosen"
# The picked portrait: a thick accent frame; the one that is the profile avatar also says so.
RESULT_STYLE = (
    "QToolButton { border: 2px solid transparent; border-radius: 6px; padding: 2px; }"
    "QToolButton:checked { border: 4px solid palette(highlight); background: palette(base); }"
    "QToolButton:hover:!checked { border: 2px solid palette(mid); }"
)
MAX_TIMER_MS = 2**31 - 1


class PromptPane(QWidget):
    """``generated(result)`` after a job; ``avatar_chosen(ref)`` once the profile avatar is set."""

    generated = Signal(object)
    avatar_chosen = Signal(str)

    def __init__(
        self,
        generation: Any,
        me: Callable[[], Any],
        image_bytes: Callable[[str], bytes],
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.me, self.image_bytes, self.runner = generation, me, image_bytes, runner
        self.qsettings = settings  # remembers the prompt and the style between runs
        self.task: Task | None = None
        self.result: Any = None
        self.chosen_index: int | None = None
        self.blocked_until: datetime | None = None  # the generation limit is reached until then
        self._unblock = QTimer(self, singleShot=True)
        self._unblock.timeout.connect(self.refresh_quota)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe your avatar, e.g. a fox ranger with a green hood")
        self.prompt.setMaximumHeight(90)
        self.style_box = QComboBox()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.progress = ProgressStrip()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("promptMessage")
        #: "Generate is available again at …": said in the pane, not only in the disabled button's
        #: tooltip (QA F15: easy to miss, and no tooltips on touch screens)
        self.limit_note = QLabel()
        self.limit_note.setWordWrap(True)
        self.limit_note.setObjectName("limitNote")
        self.limit_note.setVisible(False)
        self.results = QButtonGroup(self)
        self.results.setExclusive(True)
        self.choose_button = QPushButton("Use as my profile avatar")
        self._layout()
        self.generate_button.clicked.connect(self.start_generate)
        self.progress.cancel_requested.connect(self.cancel)
        self.choose_button.clicked.connect(self.choose_selected)
        self.results.idToggled.connect(lambda *_: self._sync_buttons())
        self.prompt.textChanged.connect(self._sync_buttons)
        self._clear_results()  # empty slots cannot be picked
        self.reload_styles()
        self._restore_prompt()
        self.prompt.textChanged.connect(self._remember_prompt)
        self.style_box.currentTextChanged.connect(self._remember_prompt)
        self._sync_buttons()

    def _layout(self) -> None:
        grid = QGridLayout()
        for slot in range(RESULT_SLOTS):
            button = QToolButton()
            button.setCheckable(True)
            button.setIconSize(QSize(THUMB, THUMB))
            button.setFixedSize(THUMB + 12, THUMB + 30)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setStyleSheet(RESULT_STYLE)
            button.setToolTip(f"Result {slot + 1}")
            self.results.addButton(button, slot)
            grid.addWidget(button, slot // 2, slot % 2)
        row = QHBoxLayout()
        row.addWidget(QLabel("Style"))
        row.addWidget(self.style_box, 1)
        row.addWidget(self.generate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Prompt"))
        layout.addWidget(self.prompt)
        layout.addLayout(row)
        layout.addWidget(self.limit_note)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress.label)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        layout.addWidget(self.choose_button)
        layout.addStretch(1)

    # Model -> view ----------------------------------------------------------------------------
    def reload_styles(self) -> None:
        current = self.style_box.currentText()
        self.style_box.clear()
        self.style_box.addItem(NO_STYLE)
        for preset in self.service.styles():
            self.style_box.addItem(preset.name)
        if current:
            self.style_box.setCurrentText(current)

    def set_prompt(self, prompt: str, style: str | None) -> None:
        """Recall a prompt and its preset (from the gallery)."""
        if not self.blocked_until:
            self.message.clear()  # an error about the previous prompt no longer applies
        self.prompt.setPlainText(prompt)
        if style and self.style_box.findText(style) < 0:
            self.style_box.addItem(style)
        self.style_box.setCurrentText(style or NO_STYLE)

    def selected_style(self) -> str | None:
        text = self.style_box.currentText()
        return None if text in ("", NO_STYLE) else text

    def _sync_buttons(self) -> None:
        busy = self.task is not None
        blocked = self.blocked_until is not None
        self.generate_button.setEnabled(not busy and not blocked and bool(self.prompt.toPlainText().strip()))
        limit = (
            f"The generation limit is reached: available again {local_time(self.blocked_until)}."
            if self.blocked_until is not None
            else ""
        )
        self.generate_button.setToolTip(limit or "Paint four portraits from the prompt")
        self.limit_note.setText(limit)
        self.limit_note.setVisible(bool(limit) and not self.message.property("rateLimited"))
        picked = self.results.checkedId()
        self.choose_button.setEnabled(
            not busy and picked >= 0 and self.result is not None and picked != self.chosen_index
        )

    # Generation limit ---------------------------------------------------------------------------
    def refresh_quota(self) -> None:
        """Ask whether a generation is available now (start-up, and when a wait ends); with no
        portraits on show yet (start-up), the last generation's come back too."""

        def work(ctx: TaskContext) -> Any:
            quota = self.service.quota(self.me())
            return quota.next_available_at if quota.remaining <= 0 else None

        self.runner.submit("quota", work, on_done=self.block_until, on_error=lambda _: None, owner=self)
        if self.result is None and self.task is None:
            self.restore_last()

    def restore_last(self) -> None:
        """Show the newest generation's portraits again (after a restart), marking the chosen one."""
        self.runner.submit(
            "last portraits",
            lambda ctx: self._with_thumbs(self.service.latest(self.me())),
            on_done=lambda found: self._restored(*found),
            on_error=lambda _: None,  # nothing to show is not worth a message
            owner=self,
        )

    def _with_thumbs(self, last: Any) -> tuple[Any, list[QImage]]:
        """On the worker: the portraits are decoded there, not on the main thread."""
        return last, self._thumbs(last.log) if last is not None else []

    def _thumbs(self, log: Any) -> list[QImage]:
        return [self._thumb(ref) for ref in list(log.image_urls)[:RESULT_SLOTS]]

    def _thumb(self, ref: str) -> QImage:
        """One portrait, or a grey square when its picture is not on this computer (yet)."""
        try:
            return image_from_bytes(self.image_bytes(ref), THUMB)
        except StudioError:
            missing = QImage(THUMB, THUMB, QImage.Format.Format_RGB32)
            missing.fill(QColor("#3a3f44"))
            return missing

    def _restored(self, last: Any, thumbs: list[QImage]) -> None:
        if last is None or self.result is not None or self.task is not None:
            return  # a generation started or finished meanwhile: it is what the user wants to see
        self._show(last.log, thumbs)
        if last.chosen_index is not None:
            self.results.button(last.chosen_index).setChecked(True)
            self.mark_chosen(last.chosen_index)
            mark = CHOSEN.replace(" ", "\u00a0")  # never split over two lines
            note = f"the one marked “{mark}” is your profile avatar."
        else:
            note = "pick one to keep."
        when = last.log.completed_at or last.log.created_at
        self.progress.idle(f"Your last portraits ({local_time(when)}): {note}")
        self._sync_buttons()

    def block_until(self, when: datetime | None) -> None:
        """Generate is disabled (with the time in its tooltip) until ``when``; ``None`` lifts it."""
        now = datetime.now(UTC)
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self.blocked_until = when if when is not None and when > now else None
        self._unblock.stop()
        if self.blocked_until is not None:
            wait_ms = int((self.blocked_until - now).total_seconds() * 1000) + 1000
            self._unblock.start(min(wait_ms, MAX_TIMER_MS))
        elif self.message.property("rateLimited"):
            self.message.clear()
            self.message.setProperty("rateLimited", False)
        self._sync_buttons()

    # Remembered between runs --------------------------------------------------------------------
    def _restore_prompt(self) -> None:
        if self.qsettings is None:
            return
        prompt, style = self.qsettings.value("prompt/text", ""), self.qsettings.value("prompt/style", "")
        if isinstance(prompt, str) and prompt:
            self.set_prompt(prompt, style if isinstance(style, str) and style != NO_STYLE else None)

    def _remember_prompt(self) -> None:
        if self.qsettings is not None:
            self.qsettings.setValue("prompt/text", self.prompt.toPlainText())
            self.qsettings.setValue("prompt/style", self.style_box.currentText())

    # View -> model ----------------------------------------------------------------------------
    def start_generate(self) -> None:
        prompt, style = self.prompt.toPlainText().strip(), self.selected_style()
        if not prompt or self.task is not None or self.blocked_until is not None:
            return
        self.message.clear()
        self.progress.busy("Sending the prompt…")  # the last results stay until new ones arrive

        def work(ctx: TaskContext) -> Any:
            log = self.service.generate(
                self.me(),
                prompt,
                style,
                on_progress=lambda u: ctx.progress(*describe_progress(u)),
                should_cancel=ctx.cancelled,
            )
            return log, self._thumbs(log)

        self._track(
            self.runner.submit(
                "generate",
                work,
                on_done=self._generated,
                on_error=self._failed,
                on_progress=self.progress.report,
                owner=self,
            )
        )

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.progress.label.setText("Cancelling…")

    def choose_selected(self) -> None:
        index = self.results.checkedId()
        if self.result is None or index < 0:
            return
        log = self.result
        ref = log.image_urls[index]
        self.progress.busy("Setting your profile avatar…")
        self._track(
            self.runner.submit(
                "choose",
                lambda ctx: self.service.choose_avatar(self.me(), log.id, index),
                on_done=lambda _: self._chosen(ref),
                on_error=self._failed,
                owner=self,
            )
        )

    def _track(self, task: Task) -> None:
        # In synchronous mode (tests) the task has already ended by the time submit returns.
        self.task = None if task.done else task
        self._sync_buttons()

    # Outcomes (main thread) -------------------------------------------------------------------
    def _generated(self, found: tuple[Any, list[QImage]]) -> None:
        self.task = None
        result, thumbs = found
        count = self._show(result, thumbs)
        self.progress.idle(
            f"{count} portrait{'' if count == 1 else 's'} ready — pick one to keep."
            if count
            else "No portraits came back."
        )
        self._sync_buttons()
        self.generated.emit(result)
        self.refresh_quota()  # that one may have used the last generation of the window

    def _show(self, log: Any, thumbs: list[QImage]) -> int:
        """Put a generation's portraits in the result slots; returns how many there are."""
        self._clear_results()
        self.result = log
        for slot, image in enumerate(thumbs):
            button = self.results.button(slot)
            button.setIcon(QIcon(QPixmap.fromImage(image)))
            button.setEnabled(True)
        return len(thumbs)

    def _chosen(self, ref: str) -> None:
        self.task = None
        self.mark_chosen(self.results.checkedId())
        self.progress.idle("This portrait is now your profile avatar.")
        self._sync_buttons()
        self.avatar_chosen.emit(str(ref))

    def mark_chosen(self, index: int | None) -> None:
        """The profile avatar's portrait says "✓ chosen" under its picture (and stays framed)."""
        self.chosen_index = index
        for slot, button in enumerate(self.results.buttons()):
            button.setText(CHOSEN if slot == index else "")
            button.setToolTip("Your profile avatar" if slot == index else f"Result {slot + 1}")

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self.progress.idle()
        when = getattr(error, "next_available_at", None)
        if getattr(error, "code", "") == "RATE_LIMITED" and isinstance(when, datetime):
            self.message.setText(
                "You have used all your portrait generations for now. "
                f"The next one is available {local_time(when)}."
            )
            self.message.setProperty("rateLimited", True)
            self.block_until(when)
            return
        self.message.setText(plain_message(error))
        self._sync_buttons()

    def _clear_results(self) -> None:
        self.result = None
        self.mark_chosen(None)
        self.results.setExclusive(False)
        for button in self.results.buttons():
            button.setChecked(False)
            button.setIcon(QIcon())
            button.setEnabled(False)
        self.results.setExclusive(True)


def describe_progress(update: Any) -> tuple[float | None, str]:
    """A Fal queue update in plain words, with a rough fraction for the bar."""
    state = getattr(update, "state", "")
    if state == "queued":
        position = getattr(update, "position", None)
        return None, "Waiting in Fal's queue" + (
            f": position {position + 1}" if position is not None else "…"
        )
    if state == "running":
        logs = getattr(update, "logs", ())
        return None, f"Painting… {logs[-1]}" if logs else "Painting…"
    return {
        "submitted": (0.05, "Sent to Fal."),
        "completed": (0.8, "Done painting, fetching the pictures…"),
        "downloading": (0.85, "Downloading the portraits…"),
        "stored": (1.0, "Portraits saved."),
    }.get(state, (None, getattr(update, "message", "")))
