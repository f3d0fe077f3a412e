"""GltfBuilder: alignment, targets, exact POSITION bounds, sparse morphs, images, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from studio.gltf.accessors import read_accessor
from studio.gltf.builder import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, GltfBuilder
from studio.gltf.io import read_glb
from studio.gltf.validate import validate


def _triangle(b: GltfBuilder) -> tuple[int, np.ndarray]:
    pos = np.array([[0, 0, 0], [1, 0, 0], [0, 0.1, 0]], np.float32)
    return b.add_accessor(pos, min_max=True), pos


def test_buffer_views_are_four_byte_aligned_with_targets() -> None:
    b = GltfBuilder()
    b.add_buffer_view(b"abc")
    b.add_accessor(np.zeros((3, 3), np.float32))
    b.add_indices(np.array([0, 1, 2]))
    views = b.build().json["bufferViews"]
    assert all(v["byteOffset"] % 4 == 0 for v in views)
    assert "target" not in views[0] and views[1]["target"] == ARRAY_BUFFER
    assert views[2]["target"] == ELEMENT_ARRAY_BUFFER


def test_position_bounds_are_exact_float32() -> None:
    b = GltfBuilder()
    index, _pos = _triangle(b)
    acc = b.build().json["accessors"][index]
    assert acc["min"] == [0.0, 0.0, 0.0] and acc["max"][1] == float(np.float32(0.1))
    assert acc["componentType"] == 5126 and acc["type"] == "VEC3"


def test_component_types_and_normalized() -> None:
    b = GltfBuilder()
    b.add_accessor(np.zeros((2, 4), np.uint16))
    b.add_accessor(np.zeros((2, 4), np.uint8), normalized=True)
    b.add_indices(np.array([0, 70000, 1]))
    a = b.build().json["accessors"]
    assert (a[0]["componentType"], a[0]["type"]) == (5123, "VEC4")
    assert a[1]["normalized"] is True and a[2]["componentType"] == 5125


def test_sparse_morph_when_smaller_and_reads_back() -> None:
    b = GltfBuilder()
    deltas = np.zeros((1000, 3), np.float32)
    deltas[[3, 500]] = [[0.1, 0, 0], [0, -0.2, 0]]
    sparse = b.add_morph_deltas(deltas)
    dense_data = np.ones((10, 3), np.float32)
    dense = b.add_morph_deltas(dense_data)
    zero = b.add_morph_deltas(np.zeros((5, 3), np.float32))
    doc = b.build()
    acc = doc.json["accessors"]
    assert acc[sparse]["sparse"]["count"] == 2 and "bufferView" not in acc[sparse]
    assert acc[sparse]["min"][1] == float(np.float32(-0.2))
    assert "sparse" not in acc[dense] and "bufferView" not in acc[zero] and "sparse" not in acc[zero]
    np.testing.assert_array_equal(read_accessor(doc, sparse), deltas)
    np.testing.assert_array_equal(read_accessor(doc, dense), dense_data)


def test_images_are_embedded_and_webp_needs_its_extension() -> None:
    b = GltfBuilder()
    png = b.add_image(b"\x89PNG\r\n\x1a\nxxxx", "image/png", name="t")
    webp = b.add_image(b"RIFF\0\0\0\0WEBPVP8 ", "image/webp")
    b.add_texture(png)
    b.add_texture(webp, mime_type="image/webp")
    doc = b.build()
    assert doc.json["images"][png]["mimeType"] == "image/png"
    assert bytes(doc.buffer_view_bytes(doc.json["images"][png]["bufferView"])).startswith(b"\x89PNG")
    assert doc.json["textures"][1]["extensions"]["EXT_texture_webp"]["source"] == webp
    assert "EXT_texture_webp" in doc.json["extensionsRequired"]
    with pytest.raises(ValueError):
        b.add_image(b"GIF89a", "image/gif")


def test_a_built_mesh_validates_and_is_deterministic() -> None:
    def build() -> bytes:
        b = GltfBuilder()
        pos, _ = _triangle(b)
        mesh = b.add_mesh(
            {"primitives": [{"attributes": {"POSITION": pos}, "indices": b.add_indices(np.array([0, 1, 2]))}]}
        )
        b.add_scene([b.add_node({"mesh": mesh})])
        b.set_extension("EXT_example", {"a": 1})
        return b.to_glb()

    data = build()
    assert data == build()
    doc = read_glb(data)
    assert doc.json["extensionsUsed"] == ["EXT_example"]
    assert len(data) % 4 == 0 and validate(doc).ok
