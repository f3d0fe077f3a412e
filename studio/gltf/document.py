"""The in-memory glTF document every stage works on: the JSON tree plus buffer 0 (the GLB BIN chunk).

Kept deliberately close to the file: the JSON stays a plain ``dict`` so that extensions and extras
the studio does not understand survive a read -> edit -> write round trip untouched (lossless source
VRM export). Typed views (VRM meta, humanoid, materials) are computed from it on demand.
No file I/O here: bytes come in through ``studio.gltf.io``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.gltf.errors import GltfError, Issue


@dataclass
class Document:
    json: dict[str, Any]
    bin: bytes = b""
    #: where the document came from ("glb" or "gltf"); informational.
    container: str = "glb"
    #: the declared byte sizes of the input, for reports.
    sizes: dict[str, int] = field(default_factory=dict)
    #: buffers given inline as ``data:`` URIs, decoded by ``studio.gltf.io`` (index -> bytes).
    uri_buffers: dict[int, bytes] = field(default_factory=dict)
    #: non-fatal findings made while reading the container (unknown chunk types...); validation
    #: puts them first in its report.
    load_issues: list[Issue] = field(default_factory=list)
    #: file name, for messages only.
    name: str = ""

    def items(self, key: str) -> list[dict[str, Any]]:
        """The top-level array ``key`` (``nodes``, ``meshes``...), or an empty list."""
        value = self.json.get(key)
        return value if isinstance(value, list) else []

    def has_buffer_data(self, index: int) -> bool:
        """Whether the bytes of buffer ``index`` are available (GLB BIN chunk or a data: URI)."""
        if not isinstance(index, int):
            return False
        if index in self.uri_buffers:
            return True
        buffers = self.items("buffers")
        return (
            index == 0
            and self.container == "glb"
            and bool(buffers)
            and isinstance(buffers[0], dict)
            and "uri" not in buffers[0]
            and bool(self.bin)
        )

    def buffer_bytes(self, index: int) -> bytes | memoryview:
        """Bytes of buffer ``index``: the GLB-embedded buffer 0 (no ``uri``) or a decoded ``data:``
        URI. The studio never opens or fetches external URIs."""
        if index in self.uri_buffers:
            return memoryview(self.uri_buffers[index])
        if self.has_buffer_data(index):
            return memoryview(self.bin)
        raise GltfError(
            "BUFFER_EXTERNAL", f"/buffers/{index}", "buffer data outside the file is never loaded"
        )

    def buffer_view_bytes(self, index: int) -> memoryview:
        view = self.items("bufferViews")[index]
        data = memoryview(self.buffer_bytes(int(view["buffer"])))
        start = int(view.get("byteOffset", 0))
        return data[start : start + int(view["byteLength"])]

    def extension(self, name: str) -> dict[str, Any] | None:
        ext = self.json.get("extensions", {})
        value = ext.get(name) if isinstance(ext, dict) else None
        return value if isinstance(value, dict) else None
