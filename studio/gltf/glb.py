"""The GLB container: 12-byte header, a JSON chunk, then at most one BIN chunk (glTF 2.0 §4.4).

https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#binary-gltf-layout
"""

from __future__ import annotations

import json
import struct
from typing import Any

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
