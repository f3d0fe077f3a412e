"""The one error type raised for unreadable glTF/GLB/VRM input, and the issue record reports hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from studio.domain.errors import StudioError

Severity = Literal["error", "warning", "info"]
#: the Khronos validator writes severities as numbers (0 error, 1 warning, 2 info, 3 hint)
SEVERITY_NUMBERS: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Issue:
    """One finding. ``pointer`` is a JSON pointer into the document ("" for the file itself);
    ``offset`` is a byte offset for container (GLB) findings, as the Khronos validator reports them."""

    severity: Severity
    code: str
    pointer: str
    message: str
    offset: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "severity": SEVERITY_NUMBERS[self.severity],
        }
        if self.offset is not None:
            out["offset"] = self.offset
        else:
            out["pointer"] = self.pointer
        return out

    def __str__(self) -> str:
        where = f"byte {self.offset}" if self.offset is not None else (self.pointer or "/")
        return f"{self.severity}: {self.code} at {where}: {self.message}"


class GltfError(StudioError):
    """The file cannot be read. ``code`` follows the Khronos validator's naming where one exists
    (``GLB_INVALID_MAGIC``, ``ACCESSOR_TOTAL_OFFSET_ALIGNMENT``...); ``pointer`` is a JSON pointer.
    ``issues`` holds every finding that led to the refusal when more than one is known."""

    def __init__(self, code: str, pointer: str, message: str, *, issues: Sequence[Issue] = ()) -> None:
        super().__init__(f"{message} [{code} at {pointer or '/'}]", code=code)
        self.pointer = pointer
        self.detail = message
        self.issues: tuple[Issue, ...] = tuple(issues) or (Issue("error", code, pointer, message),)

    @classmethod
    def from_issues(cls, issues: Sequence[Issue], *, name: str = "") -> GltfError:
        """The error for a list of findings: code and message of the first error among them."""
        first = next(i for i in issues if i.severity == "error")
        where = first.pointer if first.offset is None else f"byte {first.offset}"
        prefix = f"{name}: " if name else ""
        return cls(first.code, where, prefix + first.message, issues=issues)
