"""The GLB container and reading: caps, JSON strictness, round trip."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from studio.domain.errors import StudioError
from studio.gltf.errors import GltfError
from studio.gltf.glb import (
    CHUNK_BIN,
    CHUNK_HEADER,
    CHUNK_JSON,
    GLB_MAGIC,
    HEADER,
    pack_glb,
    pad4,
    read_chunks,
)
from studio.gltf.io import load, open_checked, read_glb
from studio.gltf.limits import Limits
from tests.unit.gltf.seeds import make_avatar

MINIMAL = {"asset": {"version": "2.0"}}


def _glb(*chunks: tuple[int, bytes], length: int | None = None, version: int = 2) -> bytes:
    body = b"".join(CHUNK_HEADER.pack(len(data), kind) + data for kind, data in chunks)
    return HEADER.pack(GLB_MAGIC, version, length if length is not None else 12 + len(body)) + body


def _codes(data: bytes) -> list[str]:
    with pytest.raises(GltfError) as info:
        read_glb(data)
    return [i.code for i in info.value.issues]


def test_round_trip_keeps_json_and_bin() -> None:
    tree = {"asset": {"version": "2.0"}, "buffers": [{"byteLength": 5}], "extras": {"ü": [1, 2]}}
    doc = read_glb(pack_glb(tree, b"hello"))
    assert doc.json == tree
    assert bytes(doc.buffer_bytes(0))[:5] == b"hello"
    assert doc.container == "glb"
    assert doc.sizes["bin"] == 8  # padded to 4 bytes


def test_gltf_error_is_a_studio_error() -> None:
    assert issubclass(GltfError, StudioError)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"glTF", "GLB_UNEXPECTED_END_OF_HEADER"),
        (HEADER.pack(0x12345678, 2, 12), "GLB_INVALID_MAGIC"),
        (HEADER.pack(GLB_MAGIC, 1, 12), "GLB_INVALID_VERSION"),
        (HEADER.pack(GLB_MAGIC, 2, 4), "GLB_LENGTH_TOO_SMALL"),
        (_glb((CHUNK_JSON, b"{}  "), length=200), "GLB_LENGTH_MISMATCH"),
        (_glb((CHUNK_JSON, b"{}  ")) + b"\0" * 4, "GLB_LENGTH_MISMATCH"),
        (_glb((CHUNK_JSON, b"{}  "))[:-2], "GLB_UNEXPECTED_END_OF_CHUNK_DATA"),
        (_glb((CHUNK_JSON, b'{"asset":{"version":"2.0"}}  ')) + b"\0\0\0", "GLB_LENGTH_MISMATCH"),
        (_glb((CHUNK_BIN, b"\0" * 4), (CHUNK_JSON, b"{}  ")), "GLB_UNEXPECTED_FIRST_CHUNK"),
        (_glb((CHUNK_JSON, b"[]  ")), "TYPE_MISMATCH"),
        (_glb((CHUNK_JSON, b'{"a":NaN}   ')), "INVALID_JSON"),
        (_glb((CHUNK_JSON, b'{"a":"\xff"}   ')), "INVALID_JSON"),
        (_glb((CHUNK_JSON, b"[" * 5000 + b"]" * 5000)), "INVALID_JSON"),
    ],
)
def test_container_errors_have_validator_codes(data: bytes, code: str) -> None:
    assert code in _codes(data)


def test_header_chunk_layout_reported_with_offsets() -> None:
    chunks = read_chunks(_glb((CHUNK_JSON, b"{}  "), (0x4B4E55, b"\0" * 4), (CHUNK_BIN, b"\0" * 4)))
    assert [(i.code, i.offset) for i in chunks.issues] == [
        ("GLB_UNKNOWN_CHUNK_TYPE", 24),
        ("GLB_UNEXPECTED_BIN_CHUNK", 36),
    ]


def test_unknown_trailing_chunk_is_only_a_warning() -> None:
    doc = read_glb(_glb((CHUNK_JSON, pad4(json.dumps(MINIMAL).encode(), b" ")), (0x4B4E55, b"\0" * 4)))
    assert [i.code for i in doc.load_issues] == ["GLB_UNKNOWN_CHUNK_TYPE"]


def test_json_cap_and_depth_cap() -> None:
    big = pack_glb({"asset": {"version": "2.0"}, "extras": "x" * 5000})
    with pytest.raises(GltfError) as info:
        read_glb(big, Limits(max_json_bytes=1000))
    assert info.value.code == "JSON_TOO_LARGE"
    deep: dict = {"asset": {"version": "2.0"}}
    node = deep
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(GltfError) as info:
        read_glb(pack_glb(deep))
    assert info.value.code == "INVALID_JSON"


def test_gltf_json_text_with_data_uri_buffer() -> None:
    import base64

    text = json.dumps(
        {
            "asset": {"version": "2.0"},
            "buffers": [
                {
                    "byteLength": 4,
                    "uri": "data:application/octet-stream;base64," + base64.b64encode(b"abcd").decode(),
                }
            ],
        }
    ).encode()
    doc, report = open_checked(text, name="x.gltf")
    assert doc.container == "gltf" and bytes(doc.buffer_bytes(0)) == b"abcd" and report.ok


def test_load_refuses_by_size_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.glb"
    with big.open("wb") as fh:  # sparse file: 60 MB on paper, nothing on disk
        fh.truncate(60 * 2**20)
    with pytest.raises(GltfError) as info:
        load(big)
    assert info.value.code == "FILE_TOO_LARGE" and "50 MB" in str(info.value)


def test_vrm_gets_the_larger_cap(tmp_path: Path) -> None:
    limits = Limits(max_glb_bytes=10_000, max_vrm_bytes=10_000_000)
    data = make_avatar(vertices=400, textures=1, texture_size=64)
    assert len(data) > 10_000
    (tmp_path / "a.glb").write_bytes(data)
    (tmp_path / "a.vrm").write_bytes(data)
    with pytest.raises(GltfError, match="FILE_TOO_LARGE"):
        load(tmp_path / "a.glb", limits)
    assert load(tmp_path / "a.vrm", limits).json["asset"]["version"] == "2.0"


def test_missing_file_is_a_gltf_error(tmp_path: Path) -> None:
    with pytest.raises(GltfError) as info:
        load(tmp_path / "nope.glb")
    assert info.value.code == "FILE_UNREADABLE"


def test_open_checked_raises_first_error_code() -> None:
    data = pack_glb({"asset": {"version": "2.0"}, "nodes": [{"children": [0]}]})
    with pytest.raises(GltfError) as info:
        open_checked(data)
    assert info.value.code == "NODE_LOOP"
    assert struct.unpack_from("<I", data, 0)[0] == GLB_MAGIC
