"""The validation report (the shape of the Khronos glTF-Validator's report) and the collector
the checks write into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.gltf.errors import Issue, Severity


@dataclass(frozen=True)
class ValidationReport:
    """Every finding for one document. ``issues`` keeps at most ``Limits.max_issues`` entries;
    ``counts`` stays exact. Warnings and infos never make a report fail."""

    issues: tuple[Issue, ...]
    counts: dict[str, int] = field(default_factory=dict)
    name: str = ""
    truncated: bool = False

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def infos(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "info")

    @property
    def ok(self) -> bool:
        return self.counts.get("error", 0) == 0

    @property
    def codes(self) -> set[str]:
        return {i.code for i in self.issues}

    def to_dict(self) -> dict[str, Any]:
        """Khronos-style: ``{"uri", "issues": {"numErrors", "numWarnings", "numInfos", "numHints",
        "messages": [{"code", "message", "severity", "pointer"|"offset"}], "truncated"}}``.
        Severities are numbers as in the Khronos report: 0 error, 1 warning, 2 info."""
        return {
            "uri": self.name,
            "issues": {
                "numErrors": self.counts.get("error", 0),
                "numWarnings": self.counts.get("warning", 0),
                "numInfos": self.counts.get("info", 0),
                "numHints": 0,
                "messages": [i.to_dict() for i in self.issues],
                "truncated": self.truncated,
            },
        }


class Collector:
    """Where checks put what they find; bounded so a hostile file cannot fill memory with issues."""

    def __init__(self, max_issues: int) -> None:
        self.max_issues = max_issues
        self.issues: list[Issue] = []
        self.counts: dict[str, int] = {"error": 0, "warning": 0, "info": 0}
        #: JSON pointers of objects found structurally broken; data checks skip them
        self.broken: set[str] = set()

    def add(
        self, severity: Severity, code: str, pointer: str, message: str, offset: int | None = None
    ) -> None:
        self.counts[severity] += 1
        if len(self.issues) < self.max_issues:
            self.issues.append(Issue(severity, code, pointer, message, offset))

    def extend(self, issues: list[Issue]) -> None:
        for i in issues:
            self.add(i.severity, i.code, i.pointer, i.message, i.offset)

    def error(self, code: str, pointer: str, message: str) -> None:
        self.add("error", code, pointer, message)
        self.broken.add(pointer)

    def warning(self, code: str, pointer: str, message: str) -> None:
        self.add("warning", code, pointer, message)

    def info(self, code: str, pointer: str, message: str) -> None:
        self.add("info", code, pointer, message)

    def report(self, name: str = "") -> ValidationReport:
        total = sum(self.counts.values())
        return ValidationReport(tuple(self.issues), dict(self.counts), name, total > len(self.issues))
