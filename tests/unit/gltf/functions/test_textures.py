"""resize_textures and compress_textures: smaller images, textures still resolvable, VRM thumbnail
never WebP, and a file that still validates."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from studio.gltf.builder import GltfBuilder
from studio.gltf.functions._images import image_bytes
from studio.gltf.functions.compress_textures import compress_textures
from studio.gltf.functions.resize_textures import resize_textures
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.gltf.validate import validate


def _png(size: int, alpha: bool) -> bytes:
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 255, (size, size, 4 if alpha else 3), dtype=np.uint8)
    if alpha:
        pixels[..., 3] = 128
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def _textured_doc(with_thumbnail: bool = False):
    b = GltfBuilder()
    pos = b.add_accessor(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32), min_max=True)
    uv = b.add_accessor(np.array([[0, 0], [1, 0], [0, 1]], np.float32))
    textures = []
    for alpha in (False, True):
        image = b.add_image(_png(2048 if not alpha else 512, alpha), "image/png")
        textures.append(b.add_texture(image, b.add_sampler({"magFilter": 9729})))
    mats = [
        b.add_material({"name": f"m{i}", "pbrMetallicRoughness": {"baseColorTexture": {"index": t}}})
        for i, t in enumerate(textures)
    ]
    mesh = b.add_mesh(
        {"primitives": [{"attributes": {"POSITION": pos, "TEXCOORD_0": uv}, "material": m} for m in mats]}
    )
    b.add_scene([b.add_node({"mesh": mesh})])
    if with_thumbnail:
        b.set_extension("VRMC_vrm", {"specVersion": "1.0", "meta": {"thumbnailImage": 0}})
    return b.build()


def test_webp_compression_resizes_and_uses_ext_texture_webp() -> None:
    doc = _textured_doc()
    before = len(doc.bin)
    assert compress_textures(doc, "webp", max_size=1024) == 2
    for texture in doc.json["textures"]:
        assert "source" not in texture
        source = texture["extensions"]["EXT_texture_webp"]["source"]
        assert doc.json["images"][source]["mimeType"] == "image/webp"
    big = Image.open(io.BytesIO(image_bytes(doc, 0)))
    assert big.size == (1024, 1024)
    assert "EXT_texture_webp" in doc.json["extensionsRequired"]
    from studio.gltf.functions.prune import prune

    prune(doc)
    assert len(doc.bin) < before / 2
    assert validate(read_glb(pack_glb(doc.json, doc.bin))).ok


def test_jpeg_for_opaque_png_for_alpha() -> None:
    doc = _textured_doc()
    compress_textures(doc, "jpeg", max_size=2048)
    assert doc.json["images"][0]["mimeType"] == "image/jpeg"
    assert doc.json["images"][1]["mimeType"] == "image/png"  # has transparency: stays PNG
    assert "EXT_texture_webp" not in doc.json.get("extensionsUsed", [])


def test_vrm_thumbnail_image_is_never_webp() -> None:
    doc = _textured_doc(with_thumbnail=True)
    compress_textures(doc, "webp", max_size=1024)
    assert doc.json["images"][0]["mimeType"] == "image/jpeg"
    assert doc.json["textures"][0]["source"] == 0


def test_resize_keeps_format() -> None:
    doc = _textured_doc()
    assert resize_textures(doc, 256) == {0: (256, 256), 1: (256, 256)}
    assert all(img["mimeType"] == "image/png" for img in doc.json["images"])
