"""Expressions that change materials, not shapes (QA LOW: a texture-atlas face showed no change in
the preview): VRM 1.0 ``textureTransformBinds`` / ``materialColorBinds`` and their VRM 0.x
``materialValues`` (``_MainTex_ST``, ``_Color``) move the drawn picture, and the material's own
``KHR_texture_transform`` is honoured. Built in code: a textured quad (left half of its texture
red, right half green, UVs on the left half) beside a plain white quad."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from studio.gltf.builder import GltfBuilder
from studio.render.camera import Camera
from studio.render.scene import build_scene
from studio.render.thumbnail import render_scene

GREY = (0.5, 0.5, 0.5, 1.0)


def _texture() -> bytes:
    pixels = np.zeros((8, 16, 3), np.uint8)
    pixels[:, :8] = (255, 0, 0)  # left half red
    pixels[:, 8:] = (0, 255, 0)  # right half green
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def _quad(b: GltfBuilder, x0: float, material: int, uv_right: float) -> int:
    pos = np.array([[x0, 0, 0], [x0 + 1, 0, 0], [x0 + 1, 1, 0], [x0, 1, 0]], np.float32)
    uv = np.array([[0, 1], [uv_right, 1], [uv_right, 0], [0, 0]], np.float32)
    attrs = {"POSITION": b.add_accessor(pos, min_max=True), "TEXCOORD_0": b.add_accessor(uv)}
    indices = b.add_indices(np.array([0, 1, 2, 0, 2, 3], np.uint32))
    return b.add_mesh({"primitives": [{"attributes": attrs, "indices": indices, "material": material}]})


def _doc(version: str, static_offset: float = 0.0):
    b = GltfBuilder()
    texture = b.add_texture(b.add_image(_texture(), "image/png"), b.add_sampler({"magFilter": 9728}))
    info: dict = {"index": texture}
    if static_offset:
        b.use_extension("KHR_texture_transform")
        info["extensions"] = {"KHR_texture_transform": {"offset": [static_offset, 0.0]}}
    unlit = {"KHR_materials_unlit": {}}
    b.use_extension("KHR_materials_unlit")
    pbr = {"baseColorTexture": info}
    face = b.add_material({"name": "face", "pbrMetallicRoughness": pbr, "extensions": unlit})
    plain = b.add_material({"name": "plain", "extensions": unlit})
    textured, white = _quad(b, -1.1, face, 0.45), _quad(b, 0.1, plain, 1.0)
    b.add_scene([b.add_node({"mesh": textured}), b.add_node({"mesh": white})])
    if version == "1.0":
        b.use_extension("VRMC_vrm")
        blue = {"material": plain, "type": "color", "targetValue": [0, 0, 1, 1]}
        b.set_extension("VRMC_vrm", {"specVersion": "1.0", "expressions": {"preset": {
            "happy": {"textureTransformBinds": [{"material": face, "offset": [0.5, 0.0]}]},
            "angry": {"materialColorBinds": [blue]},
        }}})  # fmt: skip
    else:
        b.use_extension("VRM")
        b.set_extension("VRM", {"specVersion": "0.0", "blendShapeMaster": {"blendShapeGroups": [
            {"presetName": "joy", "materialValues": [
                {"materialName": "face", "propertyName": "_MainTex_ST", "targetValue": [1, 1, 0.5, 0]}]},
            {"presetName": "angry", "materialValues": [
                {"materialName": "plain", "propertyName": "_Color", "targetValue": [0, 0, 1, 1]}]},
        ]}})  # fmt: skip
    return b.build()


def _picture(scene) -> np.ndarray:
    camera = Camera()
    camera.frame_bounds(np.array([-1.2, -0.1, -0.1]), np.array([1.2, 1.1, 0.1]))
    return np.asarray(render_scene(scene, camera, (120, 60), background=GREY)).astype(int)


def _colour(picture: np.ndarray, left: bool) -> tuple[int, int, int]:
    """The mean colour at the middle of the left (textured) or right (plain) quad."""
    h, w = picture.shape[:2]
    x = round(w * (0.39 if left else 0.61))
    patch = picture[h // 2 - 2 : h // 2 + 2, x - 2 : x + 2, :3]
    return tuple(int(c) for c in patch.reshape(-1, 3).mean(axis=0))


@pytest.mark.parametrize("version", ["1.0", "0.x"])
def test_a_texture_transform_expression_moves_the_texture(version: str) -> None:
    scene = build_scene(_doc(version))
    assert _colour(_picture(scene), left=True) == pytest.approx((255, 0, 0), abs=8)  # red half
    scene.set_expression("happy", 1.0)
    assert _colour(_picture(scene), left=True) == pytest.approx((0, 255, 0), abs=8)  # moved to green
    scene.set_expression("happy", 0.0)
    assert _colour(_picture(scene), left=True) == pytest.approx((255, 0, 0), abs=8)  # and back


@pytest.mark.parametrize("version", ["1.0", "0.x"])
def test_a_colour_expression_recolours_the_material_and_keeps_the_tint(version: str) -> None:
    scene = build_scene(_doc(version))
    assert _colour(_picture(scene), left=False) == pytest.approx((255, 255, 255), abs=8)
    scene.set_expression("angry", 1.0)
    assert _colour(_picture(scene), left=False) == pytest.approx((0, 0, 255), abs=8)
    scene.set_expression("angry", 0.0)
    scene.set_material_color("plain", (1.0, 0.0, 0.0, 1.0))  # the user's tint
    assert _colour(_picture(scene), left=False) == pytest.approx((255, 0, 0), abs=8)
    scene.reset_overrides()
    assert _colour(_picture(scene), left=False) == pytest.approx((255, 255, 255), abs=8)


def test_the_materials_own_texture_transform_is_drawn() -> None:
    scene = build_scene(_doc("1.0", static_offset=0.5))
    assert _colour(_picture(scene), left=True) == pytest.approx((0, 255, 0), abs=8)
