"""The studio's own error types.

Every failure a user can cause (bad file, bad value, offline network, revoked key, conflicting
edit) is raised as a subclass of :class:`StudioError` with a message written for that user. The
CLI prints ``str(error)`` and exits 1; the UI shows it in a dialog. Anything else escaping is a bug.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base class for every error the studio raises on purpose."""

    code: str = "STUDIO_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidInputError(StudioError):
    """A value given by the user (CLI flag, JSON field, form field) is not acceptable."""

    code = "INVALID_INPUT"


class NotFoundError(StudioError):
    code = "NOT_FOUND"


class ConflictError(StudioError):
    """An optimistic-concurrency check failed: someone else changed the record first."""

    code = "CONFLICT"


class PermissionDeniedError(StudioError):
    """The licence, the row-level security policy or the user's role forbids this."""

    code = "PERMISSION_DENIED"


class OfflineError(StudioError):
    """A remote service (PostgreSQL, S3, Fal) could not be reached."""

    code = "OFFLINE"


class CancelledError(StudioError):
    code = "CANCELLED"
