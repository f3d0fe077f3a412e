"""The Fal key: from FAL_KEY or the keyring, never in logs."""

from __future__ import annotations

import logging

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from studio import secrets
from studio.settings import Settings


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend (keyring's documented extension point)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("missing")
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_env_wins_then_keyring(memory_keyring: MemoryKeyring) -> None:
    assert secrets.fal_key({}) is None
    secrets.store_fal_key("keyring-key-123456")
    assert secrets.fal_key({}) == "keyring-key-123456"
    assert secrets.fal_key({"FAL_KEY": "env-key-abcdef"}) == "env-key-abcdef"
    assert secrets.forget_fal_key() is True
    assert secrets.forget_fal_key() is False
    with pytest.raises(secrets.FalKeyMissingError, match="FAL_KEY"):
        secrets.require_fal_key({})


def test_registered_secrets_never_reach_log_output(caplog: pytest.LogCaptureFixture) -> None:
    key = "fal-secret-key-abcdef-0123"
    secrets.register_secret(key)
    log = logging.getLogger("studio.test")
    with caplog.at_level(logging.DEBUG):
        log.warning("sending Authorization: Key %s to fal", key)
        try:
            raise RuntimeError(f"boom with {key}")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text
    assert key not in text
    assert "Key ***" in text and "boom with ***" in text


def test_the_key_is_not_a_setting() -> None:
    fields = Settings.model_fields
    assert not any("key" in name and "id" not in name for name in fields), fields
