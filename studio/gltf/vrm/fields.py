"""Type-safe reads from untrusted extension JSON (any value may be any type)."""

from __future__ import annotations

import math
from typing import Any


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def arr(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def index(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
        return result if math.isfinite(result) else default
    return default


def flag(value: Any, default: bool = False) -> bool:
    return value if isinstance(value, bool) else default


def numbers(value: Any) -> tuple[float, ...]:
    return tuple(number(v) for v in arr(value))
