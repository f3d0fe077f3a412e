"""Declared ``accessor.min``/``max`` against the data (ACCESSOR_MIN_MISMATCH / ACCESSOR_MAX_MISMATCH,
ACCESSOR_ELEMENT_OUT_OF_*_BOUND), and NaN/Infinity in any float accessor that declares bounds.

Like the Khronos validator, a float bound is compared after rounding the JSON number to float32
(``0.1`` matches the float32 nearest 0.1), exactly otherwise; integer bounds are raw values, not
normalised. One vectorised min and max per accessor."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.accessors import TYPE_SIZES
from studio.gltf.validate.context import Context, is_number
from studio.gltf.validate.reading import has_data, read_data


def check_bounds(ctx: Context) -> None:
    with np.errstate(all="ignore"):
        for i, acc in ctx.entries("accessors"):
            if i not in ctx.accessors or not has_data(ctx, i):
                continue
            ncomp = TYPE_SIZES[ctx.accessors[i].type]
            declared = {p: v for p in ("min", "max") if (v := _bound(acc, p, ncomp)) is not None}
            if declared:
                _check_accessor(ctx, i, declared)


def _bound(acc: dict[str, Any], prop: str, ncomp: int) -> list[float] | None:
    value = acc.get(prop)
    if isinstance(value, list) and len(value) == ncomp and all(is_number(v) for v in value):
        return value  # anything else was reported by the accessor checks
    return None


def _check_accessor(ctx: Context, index: int, declared: dict[str, list[float]]) -> None:
    data = read_data(ctx, index)
    if data is None or not data.size:
        return
    data = data.reshape(len(data), -1)
    pointer = f"/accessors/{index}"
    is_float = ctx.accessors[index].component_type == 5126
    # one transposed copy, then contiguous row reductions: numpy's axis-0 reduction over 3 or 4
    # columns is ~10x slower than this
    columns = np.ascontiguousarray(data.T)
    actual = {"min": np.array([c.min() for c in columns]), "max": np.array([c.max() for c in columns])}
    if is_float and not all(np.isfinite(a).all() for a in actual.values()):
        _report_non_finite(ctx, data, pointer)
        return
    for prop, values in declared.items():
        want = np.asarray(values, dtype=np.float32 if is_float else np.float64)
        got = actual[prop].astype(want.dtype)
        for c in np.flatnonzero(want != got):
            _report(ctx, columns[c], prop, f"{pointer}/{prop}/{c}", float(want[c]), float(got[c]))


def _report(ctx: Context, column: np.ndarray, prop: str, pointer: str, want: float, got: float) -> None:
    word = "minimum" if prop == "min" else "maximum"
    ctx.out.error(
        f"ACCESSOR_{prop.upper()}_MISMATCH",
        pointer,
        f"Declared {word} value for this component ({want:.9g}) does not match actual {word} ({got:.9g}).",
    )
    outside = int(np.count_nonzero(column < want if prop == "min" else column > want))
    if outside:
        side = "less" if prop == "min" else "greater"
        ctx.out.error(
            f"ACCESSOR_ELEMENT_OUT_OF_{prop.upper()}_BOUND",
            pointer,
            f"Accessor contains {outside} element(s) {side} than declared {word} value {want:.9g}.",
        )


def _report_non_finite(ctx: Context, data: np.ndarray, pointer: str) -> None:
    key = (int(pointer.rsplit("/", 1)[1]), "finite")
    if key in ctx.checked:
        return  # the POSITION check has read this accessor for NaN already
    ctx.checked.add(key)
    bad = int(np.argmin(np.isfinite(data).all(axis=1)))
    ctx.out.error("ACCESSOR_INVALID_FLOAT", pointer, f"Accessor element at index {bad} is NaN or Infinity.")
