"""First-run onboarding, following seed 000: identity -> create an avatar -> choose the active one -> done.

The wizard calls the same services as the panes, on the same task runner: creating an avatar
(a prebuilt, a new supermesh, or a generated portrait through the prompt pane) never blocks it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from studio.domain.errors import StudioError
from studio.settings import Settings, save_settings
from studio.ui.panes.prompt_pane import PromptPane
from studio.ui.panes.wardrobe_dialogs import blank_icon, load_prebuilt_previews
from studio.ui.screen_fit import fit_on_screen
from studio.ui.settings_dialog import validated_identity
from studio.ui.widgets import ErrorLabel, image_from_bytes, plain_message, scrolling

#: the portraits in the "choose your active avatar" list, and beside the prebuilts' names
ICON = 64
COMBO_ICON = 40
#: the wizard never grows taller than this share of the main window (step 2 holds the prompt pane)
HEIGHT_SHARE = 0.9


class IdentityPage(QWizardPage):
    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window_ = window
        self.setTitle("Who are you?")
        self.setSubTitle("Your Cartridge username and Starknet address tie your avatars to your account.")
        settings = window.studio.settings
        self.username = QLineEdit(settings.username)
        self.address = QLineEdit(settings.address)
        self.address.setPlaceholderText("0x…")
        self.error = ErrorLabel()
        form = QFormLayout(self)
        form.addRow("Cartridge username", self.username)
        form.addRow("Starknet address", self.address)
        form.addRow(self.error)
        self.username.textChanged.connect(self.completeChanged)
        self.address.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.username.text().strip() and self.address.text().strip())

    def validatePage(self) -> bool:
        try:
            username, address = validated_identity(self.username.text(), self.address.text())
            settings = Settings.model_validate(
                {**self.window_.studio.settings.model_dump(), "username": username, "address": address}
            )
            save_settings(settings)
        except StudioError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self.window_.apply_settings(settings)
        return True


class CreatePage(QWizardPage):
    """Make at least one avatar: a prebuilt, a new supermesh, or a generated portrait."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window_ = window
        self.created: list[Any] = []
        self.setTitle("Create an avatar")
        self.setSubTitle(
            "Start from a ready-made avatar, build a new one, or describe one and generate a portrait."
        )
        self.prebuilt = QComboBox()
        self.prebuilt.setIconSize(QSize(COMBO_ICON, COMBO_ICON))
        self.add_prebuilt = QPushButton("Add this prebuilt")
        self.base = QComboBox()
        self.base.addItems(["feminine", "masculine"])
        self.add_supermesh = QPushButton("Build a new avatar")
        self.prompt = PromptPane(window.studio.generation, window.me, window.studio.read_blob, window.runner)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        row1.addWidget(QLabel("Prebuilt"))
        row1.addWidget(self.prebuilt, 1)
        row1.addWidget(self.add_prebuilt)
        row2.addWidget(QLabel("New supermesh"))
        row2.addWidget(self.base, 1)
        row2.addWidget(self.add_supermesh)
        layout = QVBoxLayout(self)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(QLabel("…or generate a portrait:"))
        # scrolls rather than making the wizard taller than the window (its portrait grid is tall)
        layout.addWidget(scrolling(self.prompt), 1)
        layout.addWidget(self.status)
        self.add_prebuilt.clicked.connect(
            lambda: self.create_avatar("prebuilt", str(self.prebuilt.currentData() or ""))
        )
        self.add_supermesh.clicked.connect(lambda: self.create_avatar("supermesh", self.base.currentText()))
        self.prompt.avatar_chosen.connect(lambda _: self._portrait_chosen())

    def initializePage(self) -> None:
        library = getattr(self.window_.studio, "avatars", None)
        for widget in (self.prebuilt, self.add_prebuilt, self.base, self.add_supermesh):
            widget.setEnabled(library is not None)
        self.prebuilt.clear()
        if library is None:
            return
        prebuilts = library.prebuilts()  # built-ins, then the published collection (after a sync)
        for info in prebuilts:
            self.prebuilt.addItem(blank_icon(COMBO_ICON), info.name or info.id, info.id)
        cache = Path(self.window_.studio.settings.cache_dir)
        ids = [p.id for p in prebuilts]
        load_prebuilt_previews(
            self.window_.runner, self, ids, cache, self.show_preview, size=COMBO_ICON,
            published=library.prebuilt_thumbnail,
        )  # fmt: skip

    def show_preview(self, prebuilt_id: str, image: QImage) -> None:
        """A prebuilt's portrait arrived (made on a worker): shown beside its name."""
        index = self.prebuilt.findData(prebuilt_id)
        if index >= 0 and not image.isNull():
            self.prebuilt.setItemIcon(index, QIcon(QPixmap.fromImage(image)))

    def create_avatar(self, kind: str, value: str) -> None:
        actions = self.window_.studio.avatars
        me = self.window_.me()
        self.status.setText("Creating…")

        def work(ctx: Any) -> Any:
            if kind == "prebuilt":
                return actions.add_prebuilt(me, value)
            return actions.new_supermesh(me, {"base": value}, progress=ctx.progress, cancelled=ctx.cancelled)

        self.window_.runner.submit(
            f"create {kind}",
            work,
            on_done=self._created,
            on_error=lambda exc: self.status.setText(plain_message(exc)),
            owner=self,
        )

    def _created(self, entry: Any) -> None:
        self.created.append(entry)
        self.status.setText(f"Added “{entry.name}” to your wardrobe.")
        self.completeChanged.emit()

    def _portrait_chosen(self) -> None:
        self.status.setText("Portrait kept as your profile picture. Add an avatar body too, or go on.")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.created) or bool(self.window_.wardrobe.entries())


class ChoosePage(QWizardPage):
    """Pick the active avatar from the wardrobe, each shown with its portrait (read on workers)."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window_ = window
        self.setTitle("Choose your active avatar")
        self.setSubTitle("The active avatar is the one game worlds load for you.")
        self.list = QListWidget()
        self.list.setIconSize(QSize(ICON, ICON))
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)
        self.list.currentItemChanged.connect(lambda *_: self.completeChanged.emit())

    def initializePage(self) -> None:
        self.list.clear()
        placeholder = blank_icon(ICON)
        for entry in self.window_.studio.wardrobe.list(self.window_.me()):
            item = QListWidgetItem(placeholder, f"{entry.name} · {entry.avatar_type}")
            item.setData(Qt.ItemDataRole.UserRole, entry)
            self.list.addItem(item)
            if entry.thumbnail_url:
                self._load_portrait(entry)
        if self.list.count():
            self.list.setCurrentRow(self.list.count() - 1)

    def _load_portrait(self, entry: Any) -> None:
        read_blob = self.window_.studio.read_blob
        self.window_.runner.submit(
            f"portrait of {entry.name}",
            lambda ctx: image_from_bytes(read_blob(entry.thumbnail_url), ICON),
            on_done=lambda image: self.show_portrait(entry.id, image),
            on_error=lambda _exc: None,  # no portrait: the name alone says which one it is
            owner=self,
        )

    def show_portrait(self, entry_id: Any, image: QImage) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole).id == entry_id and not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    def isComplete(self) -> bool:
        return self.list.currentItem() is not None

    def validatePage(self) -> bool:
        entry = self.list.currentItem().data(Qt.ItemDataRole.UserRole)
        try:
            self.window_.studio.wardrobe.activate(self.window_.me(), entry.id)
        except StudioError as exc:
            self.error.setText(str(exc))
            return False
        return True


class DonePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("You're set")
        label = QLabel(
            "Your avatar is ready. Edit it in the Wardrobe, preview it in 3D, and sync it when you "
            "add a server in Settings."
        )
        label.setWordWrap(True)
        QVBoxLayout(self).addWidget(label)


class OnboardingWizard(QWizard):
    """Seed 000's flow. Finishing refreshes the main window's wardrobe and opens the active avatar."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.setWindowTitle("Welcome to Avatar Studio")
        self.window_ = window
        self.identity = IdentityPage(window)
        self.create_page = CreatePage(window)
        self.choose = ChoosePage(window)
        for page in (self.identity, self.create_page, self.choose, DonePage()):
            self.addPage(page)
        self.currentIdChanged.connect(lambda _: self.fit_to_window())
        # a taller page moves the wizard up rather than hang its buttons below a small screen
        # (QA3 F21: 1024×700); after the page's layout has settled
        self.currentIdChanged.connect(lambda _: QTimer.singleShot(0, self, lambda: fit_on_screen(self)))
        # then the editor and the preview show the avatar just chosen as the active one
        self.finished.connect(lambda _: window.wardrobe.refresh(open_active=True))

    def fit_to_window(self) -> None:
        """As tall as the page wants but no taller than the main window (QA: step 2 grew past
        it): the pages scroll instead."""
        limit = max(int(self.window_.height() * HEIGHT_SHARE), 360)
        self.setMaximumHeight(limit)
        height = min(max(self.height(), self.sizeHint().height()), limit)
        if height != self.height():
            self.resize(self.width(), height)

    def showEvent(self, event: Any) -> None:
        self.fit_to_window()
        super().showEvent(event)
