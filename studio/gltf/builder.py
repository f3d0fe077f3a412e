"""The GLB writer every exporter uses: append data, get indices back, ``build()`` a Document.

Rules the Khronos validator checks, enforced here once (glTF 2.0 §3.6, §5.11):
- every bufferView starts on a 4-byte boundary (the BIN chunk is padded with zeros);
- vertex-attribute views get ``target`` 34962, index views 34963; sparse and image views get none;
- POSITION accessors (including morph-target deltas) carry exact float32 ``min``/``max``;
- morph-target deltas are written sparse when that is smaller than dense.
Output is deterministic: the same calls give the same bytes (no timestamps, insertion-ordered JSON).

https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#accessors
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.document import Document
from studio.gltf.glb import pack_glb

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963

_COMPONENT_TYPES: dict[str, int] = {
    "int8": 5120,
    "uint8": 5121,
    "int16": 5122,
    "uint16": 5123,
    "uint32": 5125,
    "float32": 5126,
}
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/webp")


class GltfBuilder:
    """Accumulates a glTF JSON tree and its single binary buffer."""

    def __init__(self, generator: str = "Avatar Studio") -> None:
        self.json: dict[str, Any] = {"asset": {"version": "2.0", "generator": generator}}
        self._bin = bytearray()
        self._used: list[str] = []
        self._required: list[str] = []

    # -- raw data -----------------------------------------------------------------------------
    def _append(self, key: str, item: dict[str, Any]) -> int:
        items = self.json.setdefault(key, [])
        items.append(item)
        return len(items) - 1

    def add_buffer_view(
        self,
        data: bytes | bytearray | memoryview,
        *,
        target: int | None = None,
        byte_stride: int | None = None,
    ) -> int:
        """Append ``data`` at the next 4-byte boundary and return the bufferView index."""
        self._bin.extend(b"\0" * (-len(self._bin) % 4))
        view: dict[str, Any] = {"buffer": 0, "byteOffset": len(self._bin), "byteLength": len(data)}
        if byte_stride is not None:
            view["byteStride"] = byte_stride
        if target is not None:
            view["target"] = target
        self._bin.extend(data)
        return self._append("bufferViews", view)

    def add_accessor(
        self,
        array: np.ndarray,
        *,
        target: int | None = ARRAY_BUFFER,
        normalized: bool = False,
        min_max: bool = False,
        matrix: bool = False,
    ) -> int:
        """Write ``array`` (shape (n,) or (n, k)) as an accessor; dtype picks the componentType.

        ``min_max`` adds exact ``min``/``max`` (required for POSITION); ``matrix`` writes (n, 16) as MAT4.
        """
        data = np.ascontiguousarray(array)
        accessor = self._accessor_header(data, normalized=normalized, matrix=matrix)
        accessor["bufferView"] = self.add_buffer_view(data.tobytes(), target=target)
        self._move_to_front(accessor, "bufferView")
        if min_max:
            _set_min_max(accessor, data)
        return self._append("accessors", accessor)

    def add_indices(self, indices: np.ndarray) -> int:
        """Triangle indices as the smallest unsigned type that holds them (never uint8: poorly supported)."""
        flat = np.asarray(indices).reshape(-1)
        dtype = np.uint16 if flat.size == 0 or int(flat.max()) < 65535 else np.uint32
        return self.add_accessor(flat.astype(dtype), target=ELEMENT_ARRAY_BUFFER)

    def add_morph_deltas(self, deltas: np.ndarray, *, min_max: bool = True, eps: float = 0.0) -> int:
        """A morph-target delta accessor (n, 3) float32, written sparse when that is smaller.

        Deltas with every component ``<= eps`` in magnitude count as zero. An all-zero target is an
        accessor with neither bufferView nor sparse (glTF 2.0 §3.6.2.3: initialised to zeros).
        """
        data = np.ascontiguousarray(deltas, dtype=np.float32)
        moved = np.flatnonzero(np.abs(data).max(axis=1) > eps) if len(data) else np.zeros(0, np.int64)
        data = np.where((np.abs(data).max(axis=1) > eps)[:, None], data, np.float32(0)) if len(data) else data
        if moved.size == 0:
            accessor = self._accessor_header(data)
            if min_max:
                _set_min_max(accessor, data)
            return self._append("accessors", accessor)
        index_dtype = np.uint16 if len(data) <= 65536 else np.uint32
        sparse_size = moved.size * (np.dtype(index_dtype).itemsize + 12)
        if sparse_size >= data.nbytes:
            return self.add_accessor(data, min_max=min_max)
        accessor = self._accessor_header(data)
        accessor["sparse"] = {
            "count": int(moved.size),
            "indices": {
                "bufferView": self.add_buffer_view(moved.astype(index_dtype).tobytes()),
                "componentType": _COMPONENT_TYPES[np.dtype(index_dtype).name],
            },
            "values": {"bufferView": self.add_buffer_view(data[moved].tobytes())},
        }
        if min_max:
            _set_min_max(accessor, data)
        return self._append("accessors", accessor)

    @staticmethod
    def _accessor_header(
        data: np.ndarray, *, normalized: bool = False, matrix: bool = False
    ) -> dict[str, Any]:
        name = data.dtype.name
        if name not in _COMPONENT_TYPES:
            raise ValueError(f"unsupported accessor dtype {name}")
        width = 1 if data.ndim == 1 else int(data.shape[1])
        accessor: dict[str, Any] = {
            "componentType": _COMPONENT_TYPES[name],
            "count": int(data.shape[0]),
            "type": "MAT4" if matrix else _TYPES[width],
        }
        if normalized:
            accessor["normalized"] = True
        return accessor

    @staticmethod
    def _move_to_front(accessor: dict[str, Any], key: str) -> None:
        value = accessor.pop(key)
        items = list(accessor.items())
        accessor.clear()
        accessor[key] = value
        accessor.update(items)

    # -- images and materials -----------------------------------------------------------------
    def add_image(self, data: bytes, mime_type: str, name: str | None = None) -> int:
        """Embed an encoded PNG/JPEG/WebP image in the BIN chunk (WebP needs EXT_texture_webp)."""
        if mime_type not in IMAGE_MIME_TYPES:
            raise ValueError(f"unsupported image type {mime_type}")
        image: dict[str, Any] = {}
        if name:
            image["name"] = name
        image["bufferView"] = self.add_buffer_view(data)
        image["mimeType"] = mime_type
        return self._append("images", image)

    def add_sampler(self, sampler: dict[str, Any]) -> int:
        samplers = self.json.setdefault("samplers", [])
        if sampler in samplers:
            return samplers.index(sampler)
        return self._append("samplers", dict(sampler))

    def add_texture(self, image: int, sampler: int | None = None, mime_type: str = "image/png") -> int:
        texture: dict[str, Any] = {}
        if sampler is not None:
            texture["sampler"] = sampler
        if mime_type == "image/webp":
            texture["extensions"] = {"EXT_texture_webp": {"source": image}}
            self.use_extension("EXT_texture_webp", required=True)
        else:
            texture["source"] = image
        return self._append("textures", texture)

    def add_material(self, material: dict[str, Any]) -> int:
        return self._append("materials", material)

    def add_mesh(self, mesh: dict[str, Any]) -> int:
        return self._append("meshes", mesh)

    def add_node(self, node: dict[str, Any]) -> int:
        return self._append("nodes", node)

    def add_skin(self, skin: dict[str, Any]) -> int:
        return self._append("skins", skin)

    def add_scene(self, nodes: list[int], name: str = "Scene") -> int:
        index = self._append("scenes", {"name": name, "nodes": list(nodes)})
        self.json.setdefault("scene", index)
        return index

    def use_extension(self, name: str, *, required: bool = False) -> None:
        if name not in self._used:
            self._used.append(name)
        if required and name not in self._required:
            self._required.append(name)

    def set_extension(self, name: str, value: dict[str, Any]) -> None:
        """Set a top-level extension object and list it in ``extensionsUsed``."""
        self.json.setdefault("extensions", {})[name] = value
        self.use_extension(name)

    # -- output -------------------------------------------------------------------------------
    def build(self) -> Document:
        """The finished document; the builder may keep being used (build() copies nothing big)."""
        out = dict(self.json)
        if self._used:
            out["extensionsUsed"] = list(self._used)
        if self._required:
            out["extensionsRequired"] = list(self._required)
        binary = bytes(self._bin) + b"\0" * (-len(self._bin) % 4)
        if binary:
            out["buffers"] = [{"byteLength": len(binary)}]
        return Document(json=out, bin=binary)

    def to_glb(self) -> bytes:
        doc = self.build()
        return pack_glb(doc.json, doc.bin)


def _set_min_max(accessor: dict[str, Any], data: np.ndarray) -> None:
    if data.shape[0] == 0:
        return
    flat = data.reshape(data.shape[0], -1)
    accessor["min"] = [_json_number(v) for v in flat.min(axis=0)]
    accessor["max"] = [_json_number(v) for v in flat.max(axis=0)]


def _json_number(value: Any) -> float | int:
    """float32 values written as their exact double, so validators comparing either way agree."""
    if isinstance(value, np.floating):
        return float(value)
    return int(value)
