"""quantize (KHR_mesh_quantization, in the "web" runtime preset): smaller, still valid, still the
same avatar on screen, skinning and expressions included."""

from __future__ import annotations

import numpy as np
import pytest

from studio.domain.supermesh import SupermeshMetadata
from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.export.runtime import export_runtime, repair_normals
from studio.gltf.functions.quantize import drop_unused_attributes, quantize
from studio.gltf.io import load, read_glb
from studio.gltf.validate import validate
from studio.procedural.humanoid import build_avatar
from studio.procedural.spec import AvatarSpec
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from tests.unit.gltf.functions.conftest import VRM0_MTOON, VRM_DIR


@pytest.fixture(scope="module")
def avatar() -> bytes:
    return write_vrm1(build_avatar(AvatarSpec(SupermeshMetadata(base="feminine", hair="fem-long-01"))))


def _runtime(data: bytes, quantized: bool) -> Document:
    glb, _ = export_runtime(read_glb(data, name="a.vrm"), "web", quantize_mesh=quantized)
    return read_glb(glb, name="a.glb")


def _attributes(doc: Document, semantic: str, target: bool = False) -> list[np.ndarray]:
    out = []
    for mesh in doc.items("meshes"):
        for prim in mesh["primitives"]:
            holders = prim.get("targets", []) if target else [prim["attributes"]]
            out += [read_accessor(doc, h[semantic]) for h in holders if semantic in h]
    return out


def test_web_preset_is_smaller_valid_and_close(avatar: bytes) -> None:
    plain, small = _runtime(avatar, False), _runtime(avatar, True)
    assert len(small.bin) < 0.8 * len(plain.bin)
    assert "KHR_mesh_quantization" in small.json["extensionsRequired"]
    assert not validate(small).errors
    for semantic, tolerance in (("NORMAL", 1 / 127 + 1e-6), ("TEXCOORD_0", 1 / 65535 + 1e-6)):
        for before, after in zip(_attributes(plain, semantic), _attributes(small, semantic), strict=True):
            assert np.abs(before - after).max() <= tolerance, semantic
    deltas = zip(_attributes(plain, "POSITION", True), _attributes(small, "POSITION", True), strict=True)
    assert max(float(np.abs(a - b).max()) for a, b in deltas) <= 0.5 / 32767 + 1e-7  # metres
    for weights in _attributes(small, "WEIGHTS_0"):
        assert weights.dtype == np.float32  # read back normalised...
    for mesh in small.items("meshes"):
        for prim in mesh["primitives"]:
            acc = small.items("accessors")[prim["attributes"]["WEIGHTS_0"]]
            raw = read_accessor(small, prim["attributes"]["WEIGHTS_0"], normalize=False)
            assert acc["componentType"] == 5121 and (raw.sum(axis=1) == 255).all()  # ...exactly 1
            assert small.items("accessors")[prim["attributes"]["JOINTS_0"]]["componentType"] == 5121


def test_quantized_avatar_renders_the_same(avatar: bytes) -> None:
    from studio.render.camera import Camera
    from studio.render.scene import build_scene
    from studio.render.thumbnail import render_scene, render_thumbnail

    plain, small = _runtime(avatar, False), _runtime(avatar, True)

    def body(doc: Document) -> np.ndarray:
        scene = build_scene(doc, max_texture_size=512)
        camera = Camera()
        camera.frame_scene(scene)
        return np.asarray(render_scene(scene, camera, (256, 256)), dtype=float)

    def face(doc: Document) -> np.ndarray:
        return np.asarray(render_thumbnail(doc, 256), dtype=float)

    for view in (face, body):
        before, after = view(plain), view(small)
        drawn = (before[..., 3] > 0) | (after[..., 3] > 0)
        assert drawn.mean() > 0.05  # the avatar is in the picture
        # mean over the avatar's own pixels (0..255 per channel): quantization is invisible
        assert np.abs(before - after)[drawn].mean() < 1.0, view.__name__


def test_vrm0_mtoon_texture_coordinates_are_kept() -> None:
    doc = read_glb(write_vrm0(build_avatar(AvatarSpec(SupermeshMetadata(base="masculine")))), name="m.vrm")
    for mesh in doc.items("meshes"):
        for prim in mesh["primitives"]:
            prim.get("attributes", {})
            doc.items("materials")[prim["material"]]["pbrMetallicRoughness"].pop("baseColorTexture", None)
    before = sum("TEXCOORD_0" in p["attributes"] for m in doc.items("meshes") for p in m["primitives"])
    drop_unused_attributes(doc)  # 0.x MToon samples _MainTex through materialProperties
    after = sum("TEXCOORD_0" in p["attributes"] for m in doc.items("meshes") for p in m["primitives"])
    assert before == after > 0


def test_unused_attributes_are_dropped_and_extension_declared() -> None:
    doc = load(VRM_DIR / "sphere.vrm")  # untextured: its TEXCOORD_0 samples nothing
    repair_normals(doc)  # its normals are 100 long; quantizing needs unit normals (runtime order)
    report = quantize(doc)
    assert report.rewritten["NORMAL"] == 1
    assert report.dropped.get("TEXCOORD") == 1
    assert all("TEXCOORD_0" not in p["attributes"] for m in doc.items("meshes") for p in m["primitives"])
    assert doc.json["extensionsUsed"].count("KHR_mesh_quantization") == 1


def test_desktop_preset_stays_float_unless_asked() -> None:
    doc = load(VRM_DIR / VRM0_MTOON)
    plain = read_glb(export_runtime(doc, "desktop")[0])
    assert "KHR_mesh_quantization" not in plain.json.get("extensionsUsed", [])
    forced = read_glb(export_runtime(doc, "desktop", quantize_mesh=True)[0])
    assert "KHR_mesh_quantization" in forced.json["extensionsRequired"]
    assert not validate(forced).errors
