"""Validation: references, bounds with huge ints, graph shape, images, URIs, extensions."""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from studio.gltf.glb import pack_glb
from studio.gltf.io import load, open_checked, read_glb
from studio.gltf.limits import Limits
from studio.gltf.validate import validate
from tests.unit.gltf.seeds import make_avatar


def _report(tree: dict[str, Any], bin_data: bytes = b"", limits: Limits | None = None, name: str = ""):
    return validate(read_glb(pack_glb(tree, bin_data), name=name), limits)


def _base(**extra: Any) -> dict[str, Any]:
    return {"asset": {"version": "2.0"}, **extra}


def _with(data: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    doc = read_glb(data)
    edit(doc.json)
    return pack_glb(doc.json, doc.bin)


def test_generated_avatar_is_valid() -> None:
    report = validate(read_glb(make_avatar()))
    assert report.ok and not report.issues


def test_sample_with_non_unit_normals_opens_with_a_warning(samples: Path) -> None:
    doc, report = open_checked(samples / "vrm0" / "sphere.vrm")
    assert report.ok
    assert [w.code for w in report.warnings] == ["ACCESSOR_NON_UNIT"]
    assert doc.json["extensions"]["VRM"]


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[2] / "data" / "samples").rglob("*.*")), ids=lambda p: p.name
)
def test_every_sample_opens(path: Path) -> None:
    if path.suffix not in (".glb", ".vrm"):
        return
    _, report = open_checked(path)
    assert report.ok


def test_accessor_bounds_use_python_ints() -> None:
    tree = _base(
        buffers=[{"byteLength": 16}],
        bufferViews=[{"buffer": 0, "byteLength": 16}],
        accessors=[{"bufferView": 0, "componentType": 5126, "type": "VEC3", "count": 2**62}],
    )
    report = _report(tree, b"\0" * 16)
    assert "ACCESSOR_TOO_LONG" in report.codes


def test_buffer_view_past_buffer() -> None:
    tree = _base(
        buffers=[{"byteLength": 16}], bufferViews=[{"buffer": 0, "byteOffset": 2**70, "byteLength": 4}]
    )
    assert "BUFFER_VIEW_TOO_LONG" in _report(tree, b"\0" * 16).codes


def test_index_out_of_range_found_vectorised() -> None:
    data = make_avatar(vertices=100, morphs=0, textures=0, vrm=None)
    doc = read_glb(data)
    idx = doc.json["meshes"][0]["primitives"][0]["indices"]
    view = doc.json["bufferViews"][doc.json["accessors"][idx]["bufferView"]]
    patched = bytearray(doc.bin)
    struct.pack_into("<I", patched, view["byteOffset"] + 8, 10**6)
    report = validate(read_glb(pack_glb(doc.json, bytes(patched))))
    assert [e.code for e in report.errors] == ["ACCESSOR_INDEX_OOB"]
    assert "1000000" in report.errors[0].message


def test_unresolved_references_everywhere() -> None:
    tree = _base(
        scene=3,
        nodes=[{"mesh": 9, "children": [7], "camera": 1}],
        materials=[{"pbrMetallicRoughness": {"baseColorTexture": {"index": 4}}}],
        textures=[{"source": 2, "sampler": 5}],
    )
    report = _report(tree)
    pointers = {e.pointer for e in report.errors if e.code == "UNRESOLVED_REFERENCE"}
    assert pointers >= {
        "/scene",
        "/nodes/0/mesh",
        "/nodes/0/children/0",
        "/nodes/0/camera",
        "/materials/0/pbrMetallicRoughness/baseColorTexture/index",
        "/textures/0/source",
        "/textures/0/sampler",
    }


def test_node_loop_and_two_parents() -> None:
    tree = _base(nodes=[{"children": [1]}, {"children": [2]}, {"children": [0]}, {"children": [1]}])
    codes = [e.code for e in _report(tree).errors]
    assert "NODE_LOOP" in codes and "NODE_PARENT_OVERRIDE" in codes


def test_scene_root_must_be_root() -> None:
    tree = _base(nodes=[{"children": [1]}, {}], scenes=[{"nodes": [0, 1]}])
    assert [e.code for e in _report(tree).errors] == ["SCENE_NON_ROOT_NODE"]


def test_skin_joints_resolve() -> None:
    data = make_avatar(vrm=None, textures=0)
    report = validate(read_glb(_with(data, lambda t: t["skins"][0]["joints"].append(99))))
    assert "UNRESOLVED_REFERENCE" in report.codes
    assert any(e.pointer.startswith("/skins/0/joints/") for e in report.errors)


def test_wrong_types_are_reported_not_raised() -> None:
    tree = _base(
        nodes=[{"children": "x", "mesh": True, "rotation": [0, 0, 0]}, 5],
        accessors=[{"componentType": "5126", "type": 3, "count": -1}],
        meshes=[{"primitives": [{"attributes": []}]}],
        buffers=[{"byteLength": "big"}],
        extensionsUsed=[1, 2],
    )
    report = _report(tree)
    assert not report.ok
    assert {"TYPE_MISMATCH", "VALUE_NOT_IN_LIST"} <= report.codes


@pytest.mark.parametrize(
    "uri",
    [
        "texture.png",
        "../../etc/passwd",
        "/etc/passwd",
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.bin",
        "C:\\x.png",
    ],
)
def test_external_uris_are_refused_never_opened(
    uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import urllib.request

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the studio tried to fetch a URI")

    monkeypatch.setattr(urllib.request, "urlopen", boom)
    monkeypatch.setattr(socket, "create_connection", boom)
    (tmp_path / "texture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    tree = _base(images=[{"uri": uri}], buffers=[{"byteLength": 4, "uri": uri}])
    path = tmp_path / "m.gltf"
    path.write_text(json.dumps(tree))
    report = validate(load(path))
    refused = [e.pointer for e in report.errors if e.code == "EXTERNAL_URI_REFUSED"]
    assert refused == ["/buffers/0/uri", "/images/0/uri"]


def test_extensions_required_must_be_supported() -> None:
    tree = _base(
        extensionsUsed=["KHR_draco_mesh_compression", "KHR_texture_transform"],
        extensionsRequired=["KHR_draco_mesh_compression", "KHR_texture_transform"],
    )
    errors = _report(tree).errors
    assert [(e.code, e.pointer) for e in errors] == [
        ("UNSUPPORTED_REQUIRED_EXTENSION", "/extensionsRequired/0")
    ]


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def test_image_format_sniffed_not_trusted() -> None:
    gif = b"GIF89a" + b"\0" * 20
    png = _png(4, 4)
    tree = _base(
        buffers=[{"byteLength": len(gif)}],
        bufferViews=[{"buffer": 0, "byteLength": len(gif)}],
        images=[
            {"bufferView": 0, "mimeType": "image/png"},
            {"uri": "data:image/jpeg;base64," + base64.b64encode(png).decode(), "mimeType": "image/jpeg"},
        ],
    )
    report = _report(tree, gif)
    assert [(e.code, e.pointer) for e in report.errors] == [
        ("IMAGE_UNRECOGNIZED_FORMAT", "/images/0"),
        ("IMAGE_MIME_TYPE_INVALID", "/images/1"),
    ]


def test_pixel_cap_from_header_without_decoding() -> None:
    # a PNG header claiming 100000 x 100000 pixels: refused from the header, no allocation
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 100_000, 100_000) + b"\x08\x02\0\0\0"
    tree = _base(images=[{"uri": "data:image/png;base64," + base64.b64encode(header).decode()}])
    report = _report(tree)
    assert [e.code for e in report.errors] == ["IMAGE_TOO_LARGE"]


def test_vrm_references_and_missing_extension() -> None:
    data = make_avatar(vrm="1.0")
    bad = _with(
        data, lambda t: t["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]["hips"].update(node=500)
    )
    report = validate(read_glb(bad))
    assert [e.pointer for e in report.errors] == ["/extensions/VRMC_vrm/humanoid/humanBones/hips/node"]
    plain = make_avatar(vrm=None)
    assert "VRM_EXTENSION_MISSING" in validate(read_glb(plain, name="x.vrm")).codes


def test_report_shape_matches_khronos(invalid_dir: Path) -> None:
    report = validate(load(invalid_dir / "validator" / "accessor__alignment.gltf"))
    out = report.to_dict()
    assert out["issues"]["numErrors"] == len(report.errors) == 7  # 6 glTF + the studio's missing-data error
    first = out["issues"]["messages"][0]
    assert first == {
        "code": "ACCESSOR_OFFSET_ALIGNMENT",
        "message": "Offset 1 is not a multiple of componentType length 4.",
        "severity": 0,
        "pointer": "/accessors/0/byteOffset",
    }


def test_issue_list_is_capped_but_counts_exact() -> None:
    tree = _base(nodes=[{"mesh": i} for i in range(50)])
    report = _report(tree, limits=Limits(max_issues=10))
    assert (
        len(report.issues) == 10 and report.counts["error"] == 50 and report.to_dict()["issues"]["truncated"]
    )
