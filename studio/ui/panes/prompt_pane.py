"""Prompt pane: describe an avatar, pick a style, generate four portraits, keep one (seed 000)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QIcon, QPixmap
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

from studio.ui.tasks import Task, TaskContext, TaskRunner
from studio.ui.widgets import ProgressStrip, image_from_bytes, plain_message

RESULT_SLOTS = 4
THUMB = 128
NO_STYLE = "(no style)"


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
    ) -> None:
        super().__init__(parent)
        self.service, self.me, self.image_bytes, self.runner = generation, me, image_bytes, runner
        self.task: Task | None = None
        self.result: Any = None
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
        self.results = QButtonGroup(self)
        self.results.setExclusive(True)
        self.choose_button = QPushButton("Use as my profile avatar")
        self._layout()
        self.generate_button.clicked.connect(self.start_generate)
        self.progress.cancel_requested.connect(self.cancel)
        self.choose_button.clicked.connect(self.choose_selected)
        self.results.idToggled.connect(lambda *_: self._sync_buttons())
        self.prompt.textChanged.connect(self._sync_buttons)
        self.reload_styles()
        self._sync_buttons()

    def _layout(self) -> None:
        grid = QGridLayout()
        for slot in range(RESULT_SLOTS):
            button = QToolButton()
            button.setCheckable(True)
            button.setIconSize(QSize(THUMB, THUMB))
            button.setFixedSize(THUMB + 8, THUMB + 8)
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
        self.prompt.setPlainText(prompt)
        if style and self.style_box.findText(style) < 0:
            self.style_box.addItem(style)
        self.style_box.setCurrentText(style or NO_STYLE)

    def selected_style(self) -> str | None:
        text = self.style_box.currentText()
        return None if text in ("", NO_STYLE) else text

    def _sync_buttons(self) -> None:
        busy = self.task is not None
        self.generate_button.setEnabled(not busy and bool(self.prompt.toPlainText().strip()))
        self.choose_button.setEnabled(not busy and self.results.checkedId() >= 0 and self.result is not None)

    # View -> model ----------------------------------------------------------------------------
    def start_generate(self) -> None:
        prompt, style = self.prompt.toPlainText().strip(), self.selected_style()
        if not prompt or self.task is not None:
            return
        self.message.clear()
        self._clear_results()
        self.progress.busy("Sending the prompt…")

        def work(ctx: TaskContext) -> Any:
            return self.service.generate(
                self.me(),
                prompt,
                style,
                on_progress=lambda u: ctx.progress(*describe_progress(u)),
                should_cancel=ctx.cancelled,
            )

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
    def _generated(self, result: Any) -> None:
        self.task = None
        self.result = result
        images = list(result.image_urls)[:RESULT_SLOTS]
        self.progress.idle(f"{len(images)} portrait(s) ready. Pick one to keep.")
        for slot, ref in enumerate(images):
            button = self.results.button(slot)
            button.setIcon(QIcon(QPixmap.fromImage(image_from_bytes(self.image_bytes(ref), THUMB))))
            button.setEnabled(True)
        self._sync_buttons()
        self.generated.emit(result)

    def _chosen(self, ref: str) -> None:
        self.task = None
        self.progress.idle("This portrait is now your profile avatar.")
        self._sync_buttons()
        self.avatar_chosen.emit(str(ref))

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self.progress.idle()
        self.message.setText(plain_message(error))
        self._sync_buttons()

    def _clear_results(self) -> None:
        self.result = None
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
