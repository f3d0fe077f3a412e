"""Buffers and buffer views: lengths, offsets, strides, and where the bytes come from."""

from __future__ import annotations

from typing import Any

from studio.gltf.validate.context import Context

_TARGETS = (34962, 34963)


def check_buffers(ctx: Context) -> None:
    for i, buf in ctx.entries("buffers"):
        pointer = f"/buffers/{i}"
        length = ctx.integer(buf, "byteLength", pointer, required=True, minimum=1)
        uri = buf.get("uri")
        if uri is not None and not isinstance(uri, str):
            ctx.out.error(
                "TYPE_MISMATCH", f"{pointer}/uri", "Type mismatch. Property value is not a 'string'."
            )
        if length is None:
            continue
        if i in ctx.doc.uri_buffers:
            actual = len(ctx.doc.uri_buffers[i])
            if actual != length:
                ctx.out.error(
                    "BUFFER_EMBEDDED_BYTELENGTH_MISMATCH",
                    f"{pointer}/byteLength",
                    f"Actual data byte length ({actual}) is not equal to the declared buffer "
                    f"byteLength ({length}).",
                )
        elif uri is None and ctx.doc.container == "glb":
            _check_glb_buffer(ctx, i, length)


def _check_glb_buffer(ctx: Context, index: int, length: int) -> None:
    pointer = f"/buffers/{index}"
    if index != 0:
        ctx.out.error(
            "BUFFER_NON_FIRST_GLB", pointer, "Buffer referring to GLB binary chunk must be the first."
        )
        return
    if not ctx.doc.bin:
        ctx.out.error("BUFFER_MISSING_GLB_DATA", pointer, "Buffer refers to an unresolved GLB binary chunk.")
        return
    actual = len(ctx.doc.bin)
    if actual < length:
        ctx.out.error(
            "BUFFER_BYTE_LENGTH_MISMATCH",
            pointer,
            f"Actual data byte length ({actual}) is less than the declared buffer byteLength ({length}).",
        )
    elif actual - length > 3:
        ctx.out.warning(
            "BUFFER_GLB_CHUNK_TOO_BIG",
            pointer,
            f"GLB-stored BIN chunk contains {actual - length} extra padding byte(s).",
        )


def buffer_length(ctx: Context, index: int) -> int | None:
    buf = ctx.doc.items("buffers")[index]
    length = buf.get("byteLength") if isinstance(buf, dict) else None
    return length if isinstance(length, int) and not isinstance(length, bool) and length > 0 else None


def check_buffer_views(ctx: Context) -> None:
    for i, view in ctx.entries("bufferViews"):
        pointer = f"/bufferViews/{i}"
        buffer = ctx.ref(view.get("buffer"), "buffers", f"{pointer}/buffer", required=True)
        length = ctx.integer(view, "byteLength", pointer, required=True, minimum=1)
        offset = ctx.integer(view, "byteOffset", pointer, default=0)
        _check_stride(ctx, view, pointer)
        target = view.get("target")
        if target is not None and target not in _TARGETS:
            ctx.out.error(
                "VALUE_NOT_IN_LIST",
                f"{pointer}/target",
                f"Invalid value {target!r}. Valid values are (34962, 34963).",
            )
        if buffer is None or length is None or offset is None:
            ctx.out.broken.add(pointer)
            continue
        total = buffer_length(ctx, buffer)
        if total is not None and offset + length > total:
            ctx.out.error(
                "BUFFER_VIEW_TOO_LONG",
                pointer,
                f"BufferView does not fit buffer ({buffer}) byteLength ({total}).",
            )


def _check_stride(ctx: Context, view: dict[str, Any], pointer: str) -> None:
    if "byteStride" not in view:
        return
    stride = ctx.integer(view, "byteStride", pointer)
    if stride is None:
        return
    if not 4 <= stride <= 252:
        ctx.out.error("VALUE_NOT_IN_RANGE", f"{pointer}/byteStride", f"Value {stride} is out of range.")
    elif stride % 4:
        ctx.out.error(
            "BUFFER_VIEW_INVALID_BYTE_STRIDE",
            f"{pointer}/byteStride",
            f"Only buffer views with raw vertex data can have byteStride ({stride}) not a multiple of 4.",
        )
