"""Secrets: the Fal key comes from ``FAL_KEY`` or the OS keyring, and never reaches logs.

The key is never a :class:`~studio.settings.Settings` field, so it cannot be written to
``config.json``; it is never a column, so it cannot reach the database. For logs,
:func:`install_redaction` wraps the log-record factory so every record, from any library, has
registered secrets replaced by ``***`` before any handler or formatter sees it.
:class:`RedactingFilter` does the same for a single handler.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

import keyring
import keyring.errors

from studio.domain.errors import StudioError

FAL_KEY_ENV = "FAL_KEY"
KEYRING_SERVICE = "avatar-studio"
KEYRING_FAL_USER = "fal-key"
REDACTED = "***"
_MIN_SECRET_LEN = 6  # shorter values would redact ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


class FalKeyMissingError(StudioError):
    code = "FAL_KEY_MISSING"


class KeyringUnavailableError(StudioError):
    code = "KEYRING_UNAVAILABLE"


def fal_key(environ: Mapping[str, str] | None = None, *, use_keyring: bool = True) -> str | None:
    """The Fal key from ``FAL_KEY``, else from the OS keyring, else None. Registers it for redaction."""
    environ = os.environ if environ is None else environ
    key = (environ.get(FAL_KEY_ENV) or "").strip() or None
    if key is None and use_keyring:
        try:
            key = keyring.get_password(KEYRING_SERVICE, KEYRING_FAL_USER)
        except keyring.errors.KeyringError:
            key = None  # no usable keyring backend: the environment is the only source
    if key:
        register_secret(key)
    return key


def require_fal_key(environ: Mapping[str, str] | None = None) -> str:
    key = fal_key(environ)
    if not key:
        raise FalKeyMissingError(
            "No Fal API key. Set the FAL_KEY environment variable or store it in the OS keyring "
            "with `studio fal-key set`."
        )
    return key


def store_fal_key(key: str) -> None:
    """Save the key in the OS keyring (the only place the studio itself persists it)."""
    key = key.strip()
    if not key:
        raise StudioError("the Fal key is empty")
    register_secret(key)
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_FAL_USER, key)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(
            f"the OS keyring is not available ({type(exc).__name__}); set FAL_KEY in the environment instead"
        ) from exc


def forget_fal_key() -> bool:
    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_FAL_USER)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(f"the OS keyring is not available ({type(exc).__name__})") from exc
    return True


def register_secret(value: str) -> None:
    """Redact ``value`` from every log record from now on (installs the redaction once)."""
    if len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        _secrets.add(value)
    install_redaction()


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    cleaned = redact(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


class RedactingFilter(logging.Filter):
    """A handler filter that redacts registered secrets (for handlers built before install)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def install_redaction() -> None:
    """Wrap the log-record factory once so every record is redacted when it is created."""
    global _installed
    with _lock:
        if _installed:
            return
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
