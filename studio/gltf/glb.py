"""The GLB container: 12-byte header, a JSON chunk, then at most one BIN chunk (glTF 2.0 §4.4).

https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#binary-gltf-layout
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

from studio.gltf.errors import Issue, Severity

GLB_MAGIC = 0x46546C67  # "glTF"
CHUNK_JSON = 0x4E4F534A  # "JSON"
CHUNK_BIN = 0x004E4942  # "BIN\0"
HEADER = struct.Struct("<III")
CHUNK_HEADER = struct.Struct("<II")


def dump_json(obj: dict[str, Any]) -> bytes:
    """Deterministic compact JSON (key order as built, no NaN)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def pad4(data: bytes, fill: bytes) -> bytes:
    return data + fill * (-len(data) % 4)


def pack_glb(json_obj: dict[str, Any], bin_data: bytes | bytearray | memoryview = b"") -> bytes:
    """Serialise a document to GLB bytes. ``buffers[0].byteLength`` must already match ``bin_data``."""
    json_chunk = pad4(dump_json(json_obj), b" ")
    parts = [CHUNK_HEADER.pack(len(json_chunk), CHUNK_JSON), json_chunk]
    if len(bin_data):
        bin_chunk = pad4(bytes(bin_data), b"\0")
        parts += [CHUNK_HEADER.pack(len(bin_chunk), CHUNK_BIN), bin_chunk]
    body = b"".join(parts)
    return HEADER.pack(GLB_MAGIC, 2, HEADER.size + len(body)) + body


# --- reading ------------------------------------------------------------------------------------

_CHUNK_NAMES = {CHUNK_JSON: "JSON", CHUNK_BIN: "BIN"}


@dataclass
class GlbChunks:
    """What the container holds. ``json`` is None when no usable JSON chunk was found; ``issues``
    lists container findings with byte offsets (codes from the Khronos validator)."""

    json: bytes | None = None
    bin: bytes | None = None
    declared_length: int = 0
    issues: list[Issue] = field(default_factory=list)

    def add(self, severity: Severity, code: str, offset: int, message: str) -> None:
        self.issues.append(Issue(severity, code, "", message, offset))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


def read_chunks(data: bytes | memoryview) -> GlbChunks:
    """Split GLB bytes into chunks, reporting every container problem the way the Khronos
    validator does (all of them, not just the first), never raising."""
    out = GlbChunks()
    view = memoryview(data)
    if len(view) < HEADER.size:
        out.add("error", "GLB_UNEXPECTED_END_OF_HEADER", 0, "Unexpected end of header.")
        return out
    magic, version, length = HEADER.unpack_from(view, 0)
    if magic != GLB_MAGIC:
        out.add("error", "GLB_INVALID_MAGIC", 0, f"Invalid GLB magic value ({magic:#010x}).")
        return out
    if version != 2:
        out.add("error", "GLB_INVALID_VERSION", 4, f"Invalid GLB version value {version}.")
        return out
    out.declared_length = length
    if length < HEADER.size:
        out.add("error", "GLB_LENGTH_TOO_SMALL", 8, f"Declared length ({length}) is too small.")
        return out
    end = _read_all_chunks(view, min(length, len(view)), out)
    if end < len(view) or (length > len(view) and not out.has_errors):
        out.add(
            "error",
            "GLB_LENGTH_MISMATCH",
            8,
            f"Declared length ({length}) does not match GLB length ({len(view)}).",
        )
    return out


def _read_all_chunks(view: memoryview, end: int, out: GlbChunks) -> int:
    offset, index = HEADER.size, 0
    seen: set[int] = set()
    while offset < end:
        if end - offset < CHUNK_HEADER.size:
            out.add("error", "GLB_UNEXPECTED_END_OF_CHUNK_HEADER", offset, "Unexpected end of chunk header.")
            return end
        size, ctype = CHUNK_HEADER.unpack_from(view, offset)
        _check_chunk_header(out, offset, index, size, ctype, seen)
        start = offset + CHUNK_HEADER.size
        if size > end - start:
            out.add("error", "GLB_UNEXPECTED_END_OF_CHUNK_DATA", end, "Unexpected end of chunk data.")
            return end
        payload = bytes(view[start : start + size])
        if ctype == CHUNK_JSON and out.json is None:
            out.json = payload
        elif ctype == CHUNK_BIN and out.bin is None:
            out.bin = payload
        seen.add(ctype)
        offset, index = start + size, index + 1
    return offset


def _check_chunk_header(
    out: GlbChunks, offset: int, index: int, size: int, ctype: int, seen: set[int]
) -> None:
    name = f"{ctype:#010x}"
    if size % 4:
        out.add(
            "error",
            "GLB_CHUNK_LENGTH_UNALIGNED",
            offset,
            f"Length of {name} chunk is not aligned to 4-byte boundaries.",
        )
    if size == 0 and ctype in _CHUNK_NAMES:
        out.add("error", "GLB_EMPTY_CHUNK", offset, f"Chunk ({name}) cannot have zero length.")
    if ctype in seen and ctype in _CHUNK_NAMES:
        out.add("error", "GLB_DUPLICATE_CHUNK", offset, f"Chunk of type {name} has already been used.")
    if index == 0 and ctype != CHUNK_JSON:
        out.add(
            "error",
            "GLB_UNEXPECTED_FIRST_CHUNK",
            offset,
            f"First chunk must be of JSON type. Found {name} instead.",
        )
    elif ctype == CHUNK_BIN and index != 1 and CHUNK_BIN not in seen:
        out.add("error", "GLB_UNEXPECTED_BIN_CHUNK", offset, "BIN chunk must be the second chunk.")
    if ctype not in _CHUNK_NAMES:
        out.add("warning", "GLB_UNKNOWN_CHUNK_TYPE", offset, f"Unknown GLB chunk type: {name}.")
