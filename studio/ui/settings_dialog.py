"""Settings: identity, the Fal key, the servers for sync, and where files live.

Plain settings go to ``config.json`` (``studio.settings.save_settings``, atomic). Secrets — the
Fal key and the S3 secret access key — go to the OS keyring only; their fields start empty and an
empty field keeps the stored secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.domain.errors import InvalidInputError, StudioError
from studio.domain.identity import canonical_address, canonical_username
from studio.settings import Settings, save_settings

S3_SECRET_USER = "s3-secret-key"  # the keyring entry studio.app.s3_secret_key reads
MIN_WIDTH = 580  # addresses, URLs and folder paths are long: below this they are cut off
NO_KEYRING = (
    "This computer has no password store (OS keyring) the studio can use, so secrets cannot be "
    "saved from here — and the studio never writes them to a file. Instead, start the studio with "
    "the secret in an environment variable: <code>FAL_KEY=…</code> for the Fal key, "
    "<code>AWS_SECRET_ACCESS_KEY=…</code> for the S3 secret key."
)
PROXY_HINT = (
    "Leave empty to use fal.ai with your key. For the local stand-in, run <code>studio fake-fal</code> "
    "in a terminal: it prints the URL to paste here (e.g. http://127.0.0.1:8787/)."
)


def keyring_available() -> bool:
    """Whether the OS keyring can store secrets here (not the "fail" or an empty chain backend)."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def fal_key_source() -> str:
    """Where the Fal key currently comes from, in words ("" when there is none)."""
    import os

    from studio.secrets import FAL_KEY_ENV, fal_key

    if (os.environ.get(FAL_KEY_ENV) or "").strip():
        return f"A key is set by the {FAL_KEY_ENV} environment variable."
    return "A key is stored in the OS keyring." if fal_key() else ""


def store_s3_secret(secret: str) -> None:
    import keyring
    import keyring.errors

    from studio.secrets import KEYRING_SERVICE, KeyringUnavailableError, register_secret

    register_secret(secret)
    try:
        keyring.set_password(KEYRING_SERVICE, S3_SECRET_USER, secret)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(
            f"the OS keyring is not available ({type(exc).__name__}); set AWS_SECRET_ACCESS_KEY instead"
        ) from exc


def validated_identity(username: str, address: str) -> tuple[str, str]:
    """Both fields canonicalised, or a message naming what is wrong."""
    return canonical_username(username), canonical_address(address)


class SettingsDialog(QDialog):
    """Edit ``settings``; after ``accept()`` succeeds, :attr:`saved_settings` holds what was saved."""

    TEXT_FIELDS = (
        "username",
        "address",
        "fal_proxy_url",
        "remote_database_url",
        "s3_endpoint_url",
        "s3_bucket",
        "s3_access_key_id",
    )

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(MIN_WIDTH)
        self.settings = settings
        self.saved_settings: Settings | None = None
        self.fields: dict[str, QLineEdit] = {
            name: QLineEdit(str(getattr(settings, name))) for name in self.TEXT_FIELDS
        }
        self.fal_key = QLineEdit()
        self.s3_secret = QLineEdit()
        self.has_keyring = keyring_available()
        for secret in (self.fal_key, self.s3_secret):
            secret.setEchoMode(QLineEdit.EchoMode.Password)
            secret.setPlaceholderText("kept in the OS keyring; leave empty to keep the stored one")
            if not self.has_keyring:
                secret.setEnabled(False)
                secret.setPlaceholderText("cannot be saved here: see the note above")
        self.keyring_note = _note(NO_KEYRING if not self.has_keyring else "")
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setStyleSheet(  # the one thing in this dialog that needs reading first
            "#keyringNote { background: #fff4d6; color: #4a3800; border: 1px solid #e0b84a;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.fal_state = _note(fal_key_source())
        self.proxy_hint = _note(PROXY_HINT)
        self.data_dir = QLineEdit(str(settings.data_dir))
        self.cache_dir = QLineEdit(str(settings.cache_dir))
        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9534f;")
        self._layout()

    def _group(self, title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for label, widget in rows:
            form.addRow(label, widget)
        return box

    def _folder(self, edit: QLineEdit) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(edit))
        layout.addWidget(edit, 1)
        layout.addWidget(browse)
        return row

    def _layout(self) -> None:
        f = self.fields
        self.fields["address"].setPlaceholderText("0x… (Starknet address)")
        address = self.fields["address"]  # 66 characters: shown whole, not cut off
        address.setMinimumWidth(address.fontMetrics().horizontalAdvance("0x" + "0" * 64) + 16)
        self.fields["remote_database_url"].setPlaceholderText("postgresql://user@host:5432/avatars")
        self.fields["fal_proxy_url"].setPlaceholderText("empty: fal.ai")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            self._group(
                "Identity", [("Cartridge username", f["username"]), ("Starknet address", f["address"])]
            )
        )
        layout.addWidget(self.keyring_note)
        layout.addWidget(
            self._group(
                "Portrait generation",
                [
                    ("Fal key", self.fal_key),
                    ("", self.fal_state),
                    ("Fal proxy URL", f["fal_proxy_url"]),
                    ("", self.proxy_hint),
                ],
            )
        )
        layout.addWidget(
            self._group(
                "Sync (optional)",
                [
                    ("PostgreSQL URL", f["remote_database_url"]),
                    ("S3 endpoint", f["s3_endpoint_url"]),
                    ("S3 bucket", f["s3_bucket"]),
                    ("S3 access key id", f["s3_access_key_id"]),
                    ("S3 secret key", self.s3_secret),
                ],
            )
        )
        layout.addWidget(
            self._group(
                "Storage folders",
                [("Data", self._folder(self.data_dir)), ("Cache", self._folder(self.cache_dir))],
            )
        )
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _browse(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if folder:
            edit.setText(folder)

    def collect(self) -> Settings:
        """The settings as typed, validated (raises InvalidInputError with a plain message)."""
        values: dict[str, Any] = {name: edit.text().strip() for name, edit in self.fields.items()}
        if values["username"] or values["address"]:
            values["username"], values["address"] = validated_identity(values["username"], values["address"])
        url = values["remote_database_url"]
        if url and not url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise InvalidInputError("the PostgreSQL URL must start with postgresql://")
        proxy = values["fal_proxy_url"]
        if proxy and not proxy.startswith(("http://", "https://")):
            raise InvalidInputError(
                "the Fal proxy URL must start with http:// or https:// (as `studio fake-fal` prints it)"
            )
        values["data_dir"] = Path(self.data_dir.text().strip() or self.settings.data_dir)
        values["cache_dir"] = Path(self.cache_dir.text().strip() or self.settings.cache_dir)
        try:
            return Settings.model_validate({**self.settings.model_dump(), **values})
        except ValueError as exc:
            raise InvalidInputError(f"invalid setting: {exc}") from exc

    def accept(self) -> None:
        from studio.secrets import store_fal_key

        try:
            settings = self.collect()
            if self.fal_key.text().strip():
                store_fal_key(self.fal_key.text())
            if self.s3_secret.text().strip():
                store_s3_secret(self.s3_secret.text().strip())
            save_settings(settings)
        except StudioError as exc:
            self.error.setText(str(exc))
            return
        self.saved_settings = settings
        super().accept()


def _note(text: str) -> QLabel:
    """A wrapped hint under a field (rich text: commands in <code>)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setStyleSheet("color: palette(placeholder-text);")
    if not text:
        label.hide()  # (never show() a label without a parent: it would open as a window)
    return label
