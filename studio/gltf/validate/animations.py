"""Animations: samplers, channel targets, duplicate targets, output formats and counts, and the
keyframe times themselves (non-negative, strictly increasing; read vectorised)."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.validate.context import AccessorShape, Context, as_index
from studio.gltf.validate.reading import read_data

_PATHS = ("translation", "rotation", "scale", "weights")
_INTERPOLATIONS = ("LINEAR", "STEP", "CUBICSPLINE")
_FLOAT, _BYTE, _UBYTE, _SHORT, _USHORT = 5126, 5120, 5121, 5122, 5123
_NORMALIZED = {(c, True) for c in (_BYTE, _UBYTE, _SHORT, _USHORT)}
# (type, {(componentType, normalized)}) allowed per target path (glTF 2.0 §3.11)
_OUTPUT_FORMATS: dict[str, tuple[str, set[tuple[int, bool]]]] = {
    "translation": ("VEC3", {(_FLOAT, False)}),
    "scale": ("VEC3", {(_FLOAT, False)}),
    "rotation": ("VEC4", {(_FLOAT, False)} | _NORMALIZED),
    "weights": ("SCALAR", {(_FLOAT, False)} | _NORMALIZED),
}


def check_animations(ctx: Context) -> None:
    for a, anim in ctx.entries("animations"):
        pointer = f"/animations/{a}"
        for prop in ("channels", "samplers"):
            if prop not in anim:
                ctx.out.error("UNDEFINED_PROPERTY", pointer, f"Property '{prop}' must be defined.")
        samplers = ctx.array(anim, "samplers", pointer) or []
        for s, sampler in enumerate(samplers):
            _check_sampler(ctx, sampler, f"{pointer}/samplers/{s}")
        _check_channels(ctx, ctx.array(anim, "channels", pointer) or [], pointer, samplers)


def _check_sampler(ctx: Context, sampler: Any, pointer: str) -> None:
    if not isinstance(sampler, dict):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Not a 'object'.")
        return
    for prop in ("input", "output"):
        index = ctx.ref(sampler.get(prop), "accessors", f"{pointer}/{prop}", required=True)
        shape = ctx.accessors.get(index) if index is not None else None
        if prop == "input" and shape is not None:
            if shape.type != "SCALAR" or shape.component_type != 5126:
                ctx.out.error(
                    "ANIMATION_SAMPLER_INPUT_ACCESSOR_INVALID_FORMAT",
                    f"{pointer}/input",
                    f"Invalid Animation sampler input accessor format '{shape.type}/{shape.component_type}'.",
                )
            acc = ctx.doc.items("accessors")[index or 0]
            if "min" not in acc or "max" not in acc:
                ctx.out.error(
                    "ANIMATION_SAMPLER_INPUT_ACCESSOR_WITHOUT_BOUNDS",
                    f"{pointer}/input",
                    "accessor.min and accessor.max must be defined for animation input accessor.",
                )
    interpolation = sampler.get("interpolation", "LINEAR")
    if interpolation not in _INTERPOLATIONS:
        ctx.out.error(
            "VALUE_NOT_IN_LIST",
            f"{pointer}/interpolation",
            f"Invalid value {interpolation!r}. Valid values are {_INTERPOLATIONS}.",
        )
    inp = _shape(ctx, sampler.get("input"))
    if interpolation == "CUBICSPLINE" and inp is not None and inp.count < 2:
        ctx.out.error(
            "ANIMATION_SAMPLER_INPUT_ACCESSOR_TOO_FEW_ELEMENTS",
            f"{pointer}/input",
            f"Animation sampler output accessor with 'CUBICSPLINE' interpolation must have at least "
            f"2 elements. Got {inp.count}.",
        )


def _check_channels(ctx: Context, channels: list[Any], pointer: str, samplers: list[Any]) -> None:
    first: dict[tuple[int, str], int] = {}
    for c, channel in enumerate(channels):
        cp = f"{pointer}/channels/{c}"
        if not isinstance(channel, dict):
            ctx.out.error("TYPE_MISMATCH", cp, "Type mismatch. Not a 'object'.")
            continue
        sampler = as_index(channel.get("sampler"))
        if sampler is None:
            ctx.out.error("UNDEFINED_PROPERTY", cp, "Property 'sampler' must be defined.")
        elif sampler >= len(samplers):
            ctx.out.error("UNRESOLVED_REFERENCE", f"{cp}/sampler", f"Unresolved reference: {sampler}.")
            sampler = None
        target = ctx.mapping(channel, "target", cp)
        if target is None:
            ctx.out.error("UNDEFINED_PROPERTY", cp, "Property 'target' must be defined.")
            continue
        path = target.get("path")
        if path not in _PATHS:
            ctx.out.error(
                "VALUE_NOT_IN_LIST",
                f"{cp}/target/path",
                f"Invalid value {path!r}. Valid values are {_PATHS}.",
            )
        node = ctx.ref(target.get("node"), "nodes", f"{cp}/target/node")
        if node is None or not isinstance(path, str):
            continue
        if sampler is not None and path in _PATHS and isinstance(samplers[sampler], dict):
            _check_output(ctx, samplers[sampler], node, path, cp)
        if (node, path) in first:
            earlier = first[(node, path)]
            ctx.out.error(
                "ANIMATION_DUPLICATE_TARGETS",
                f"{pointer}/channels/{earlier}/target",
                f"Animation channel has the same target as channel {c}.",
            )
        else:
            first[(node, path)] = c


def _check_output(ctx: Context, sampler: dict[str, Any], node: int, path: str, pointer: str) -> None:
    """Output format for the target path and output count for the interpolation (the Khronos
    link checks: ``ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_FORMAT`` / ``_INVALID_COUNT``)."""
    inp, out = _shape(ctx, sampler.get("input")), _shape(ctx, sampler.get("output"))
    if out is None:
        return
    type_, formats = _OUTPUT_FORMATS[path]
    used = ctx.doc.json.get("extensionsUsed")
    quantized = isinstance(used, list) and "KHR_mesh_quantization" in used
    if (out.type != type_ or (out.component_type, out.normalized) not in formats) and not (
        quantized and path in ("translation", "scale") and out.type == type_
    ):
        ctx.out.error(
            "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_FORMAT",
            f"{pointer}/sampler",
            f"Invalid animation sampler output accessor format '{out.type}/{out.component_type}' "
            f"for path '{path}'.",
        )
    if inp is None:
        return
    expected = inp.count * (3 if sampler.get("interpolation") == "CUBICSPLINE" else 1)
    if path == "weights":
        expected *= _target_count(ctx, node)
        if not expected:
            ctx.out.error(
                "ANIMATION_CHANNEL_TARGET_NODE_WEIGHTS_NO_MORPHS",
                f"{pointer}/target",
                "Animation channel cannot target WEIGHTS when mesh does not have morph targets.",
            )
    if expected and expected != out.count:
        ctx.out.error(
            "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_COUNT",
            f"{pointer}/sampler",
            f"Animation sampler output accessor of count {expected} expected. Found {out.count}.",
        )


def _shape(ctx: Context, value: Any) -> AccessorShape | None:
    index = as_index(value)
    return ctx.accessors.get(index) if index is not None else None


def _target_count(ctx: Context, node: int) -> int:
    node_obj = ctx.doc.items("nodes")[node]
    mesh = as_index(node_obj.get("mesh")) if isinstance(node_obj, dict) else None
    meshes = ctx.doc.items("meshes")
    if mesh is None or mesh >= len(meshes) or not isinstance(meshes[mesh], dict):
        return 0
    prims = meshes[mesh].get("primitives")
    first = prims[0] if isinstance(prims, list) and prims and isinstance(prims[0], dict) else {}
    targets = first.get("targets")
    return len(targets) if isinstance(targets, list) else 0


def check_animation_data(ctx: Context) -> None:
    """Keyframe times: never negative, strictly increasing (each input accessor read once)."""
    with np.errstate(all="ignore"):
        for a, anim in ctx.entries("animations"):
            samplers = anim.get("samplers")
            for s, sampler in enumerate(samplers if isinstance(samplers, list) else []):
                index = as_index(sampler.get("input")) if isinstance(sampler, dict) else None
                shape = ctx.accessors.get(index) if index is not None else None
                if index is None or shape is None or (index, "times") in ctx.checked:
                    continue
                ctx.checked.add((index, "times"))
                if shape.type == "SCALAR" and shape.component_type == _FLOAT:
                    _check_times(ctx, index, f"/animations/{a}/samplers/{s}/input")


def _check_times(ctx: Context, index: int, pointer: str) -> None:
    """Findings point at the (first) sampler ``input`` using the accessor, as in the Khronos report."""
    times = read_data(ctx, index)
    if times is None or not times.size:
        return
    negative = times < 0
    if negative.any():
        at = int(np.argmax(negative))
        ctx.out.error(
            "ACCESSOR_ANIMATION_INPUT_NEGATIVE",
            pointer,
            f"Animation input accessor element at index {at} is negative: {float(times[at]):g}.",
        )
    steps = np.diff(times)
    bad = ~(steps > 0) & np.isfinite(steps)  # NaN is ACCESSOR_INVALID_FLOAT, reported elsewhere
    if bad.any():
        at = int(np.argmax(bad)) + 1
        ctx.out.error(
            "ACCESSOR_ANIMATION_INPUT_NON_INCREASING",
            pointer,
            f"Animation input accessor element at index {at} is less than or equal to previous: "
            f"{float(times[at]):g} <= {float(times[at - 1]):g}.",
        )
