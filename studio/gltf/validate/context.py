"""Shared state and type-safe accessors for the checks. Hostile JSON can hold any type anywhere:
every read goes through these helpers, which report a mismatch instead of raising."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from studio.gltf.document import Document
from studio.gltf.limits import Limits
from studio.gltf.validate.report import Collector


@dataclass(frozen=True)
class AccessorShape:
    """An accessor whose structure and bounds checked out, so its data may be read."""

    component_type: int
    type: str
    count: int
    normalized: bool


@dataclass
class Context:
    doc: Document
    limits: Limits
    out: Collector
    #: accessors safe to read (filled by the accessor checks)
    accessors: dict[int, AccessorShape] = field(default_factory=dict)
    #: (accessor, kind of data check) pairs already done, so shared accessors are read once
    checked: set[tuple[int, str]] = field(default_factory=set)

    def length(self, key: str) -> int:
        return len(self.doc.items(key))

    def entries(self, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """(index, object) for each well-formed entry of a top-level array; the rest are skipped
        (``structure`` has reported them)."""
        for i, item in enumerate(self.doc.items(key)):
            if isinstance(item, dict):
                yield i, item

    def ref(self, value: Any, key: str, pointer: str, *, required: bool = False) -> int | None:
        """Check that ``value`` is an index into top-level array ``key``; return it or None."""
        if value is None:
            if required:
                parent, _, prop = pointer.rpartition("/")
                self.out.error("UNDEFINED_PROPERTY", parent or "/", f"Property '{prop}' must be defined.")
            return None
        index = as_index(value)
        if index is None:
            self.out.error(
                "TYPE_MISMATCH", pointer, f"Type mismatch. Property value {_short(value)} is not a 'integer'."
            )
            return None
        if index >= self.length(key):
            self.out.error("UNRESOLVED_REFERENCE", pointer, f"Unresolved reference: {index}.")
            return None
        return index

    def integer(
        self,
        obj: dict[str, Any],
        prop: str,
        pointer: str,
        *,
        required: bool = False,
        minimum: int = 0,
        default: int | None = None,
    ) -> int | None:
        """An integer property >= ``minimum``; reports and returns None when it is not one."""
        if prop not in obj:
            if required:
                self.out.error("UNDEFINED_PROPERTY", pointer, f"Property '{prop}' must be defined.")
            return default
        value = obj[prop]
        if not is_int(value):
            self.out.error(
                "TYPE_MISMATCH",
                f"{pointer}/{prop}",
                f"Type mismatch. Property value {_short(value)} is not a 'integer'.",
            )
            return None
        if value < minimum:
            self.out.error("VALUE_NOT_IN_RANGE", f"{pointer}/{prop}", f"Value {value} is out of range.")
            return None
        return int(value)

    def mapping(self, obj: dict[str, Any], prop: str, pointer: str) -> dict[str, Any] | None:
        value = obj.get(prop)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.out.error(
                "TYPE_MISMATCH",
                f"{pointer}/{prop}",
                f"Type mismatch. Property value {_short(value)} is not a 'object'.",
            )
            return None
        return value

    def array(
        self, obj: dict[str, Any], prop: str, pointer: str, *, allow_empty: bool = False
    ) -> list[Any] | None:
        value = obj.get(prop)
        if value is None:
            return None
        if not isinstance(value, list):
            self.out.error(
                "TYPE_MISMATCH",
                f"{pointer}/{prop}",
                f"Type mismatch. Property value {_short(value)} is not a 'array'.",
            )
            return None
        if not value and not allow_empty:
            self.out.error("EMPTY_ENTITY", f"{pointer}/{prop}", "Entity cannot be empty.")
        if len(value) > self.limits.max_array_items:
            self.out.error(
                "ARRAY_TOO_LONG",
                f"{pointer}/{prop}",
                f"Array has {len(value)} items; the limit is {self.limits.max_array_items}.",
            )
            return None
        return value


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def indexed(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """(position, object) for the objects of a JSON array, keeping positions for pointers."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def as_index(value: Any) -> int | None:
    return int(value) if is_int(value) and value >= 0 else None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
