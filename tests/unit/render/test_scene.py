"""Scene building and overrides (numpy only, no OpenGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from studio.domain.errors import InvalidInputError, StudioError
from studio.gltf.builder import GltfBuilder
from studio.render.bounds import head_bounds, scene_bounds
from studio.render.camera import Camera
from studio.render.meshes import vertex_normals
from studio.render.scene import MATERIALS, MORPHS, POSE, build_scene
from tests.unit.render.doll import SKIN, build_doll


@pytest.fixture(scope="module")
def doll_doc():
    return build_doll("1.0")


def test_build_reads_skeleton_meshes_materials_and_vrm(doll_doc):
    scene = build_scene(doll_doc)
    assert scene.vrm_version == "1.0"
    assert scene.humanoid["head"] == 4 and scene.humanoid["leftUpperArm"] == 5
    assert [m.name for m in scene.materials] == ["skin", "shirt", "trousers", "eyes"]
    assert scene.materials[0].base_color == pytest.approx(SKIN)
    body = scene.meshes[0]
    assert body.name == "body" and body.target_names == ["wide"]
    skin_prim = body.primitives[0]
    assert skin_prim.morph_positions[0] is not None  # the head moves
    assert body.primitives[2].morph_positions[0] is None  # trousers: all-zero target, nothing to upload
    assert len(scene.skins) == 1 and scene.skins[0].inverse_bind.shape == (17, 4, 4)
    assert list(scene.expressions) == ["happy"]
    assert np.allclose(scene.forward, (0, 0, 1))


def test_vrm0_faces_minus_z():
    scene = build_scene(build_doll("0.x"))
    assert scene.vrm_version == "0.x"
    assert np.allclose(scene.forward, (0, 0, -1))
    camera = Camera()
    camera.frame_head(scene)
    assert camera.eye()[2] < scene.world_matrices()[scene.humanoid["head"]][2, 3]


def test_bind_pose_skinning_keeps_the_model_where_it_was(doll_doc):
    scene = build_scene(doll_doc)
    lo, hi = scene_bounds(scene)
    assert lo[1] == pytest.approx(0.06, abs=1e-3) and hi[1] == pytest.approx(1.86, abs=1e-3)
    assert hi[0] == pytest.approx(0.88, abs=1e-3)  # left hand tip


def test_node_scale_moves_the_children(doll_doc):
    scene = build_scene(doll_doc)
    arm = scene.humanoid["leftUpperArm"]
    before = scene.revisions[POSE]
    scene.set_node_scale(arm, (1.5, 1.5, 1.5))
    assert scene.revisions[POSE] == before + 1
    hand = scene.world_matrices()[scene.humanoid["leftHand"]][:3, 3]
    assert hand[0] == pytest.approx(0.2 + 1.5 * 0.53)
    assert scene_bounds(scene)[1][0] > 1.0


def test_node_rotation_turns_the_subtree(doll_doc):
    scene = build_scene(doll_doc)
    down = (0, 0, math.sin(-math.pi / 4), math.cos(-math.pi / 4))  # -90 degrees about Z
    scene.set_node_rotation(scene.humanoid["leftUpperArm"], down)
    hand = scene.world_matrices()[scene.humanoid["leftHand"]][:3, 3]
    assert hand[1] == pytest.approx(1.45 - 0.53, abs=1e-6)  # arm hangs down
    assert hand[0] == pytest.approx(0.2, abs=1e-6)


def test_morph_weight_and_expression_add_up(doll_doc):
    scene = build_scene(doll_doc)
    before = scene.revisions[MORPHS]
    assert scene.set_morph_weight(None, "wide", 0.25) == 1  # every mesh with that target
    scene.set_expression("happy", 0.5)
    assert scene.revisions[MORPHS] == before + 2
    assert scene.morph_weights(0)[0] == pytest.approx(0.75)
    _, hi = head_bounds(scene)
    assert hi[0] == pytest.approx(0.1 * (1 + 0.6 * 0.75), abs=1e-4)


def test_tint_changes_base_and_shade_colour(doll_doc):
    scene = build_scene(doll_doc)
    scene.materials[0].shade_color = (0.4, 0.2, 0.1)
    scene._base_shades[0] = (0.4, 0.2, 0.1)
    assert scene.set_material_color("skin", (0.4, 0.5, 0.35)) == 1
    assert scene.materials[0].base_color == (0.4, 0.5, 0.35, 1.0)
    assert scene.materials[0].shade_color == pytest.approx((0.2, 0.2, 0.1))
    assert scene.revisions[MATERIALS] == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.set_material_color("velvet", (1, 0, 0, 1)), "no material called 'velvet'"),
        (lambda s: s.set_morph_weight("body", "smile", 1.0), "has no morph target 'smile'"),
        (lambda s: s.set_morph_weight("hat", 0, 1.0), "no mesh called 'hat'"),
        (lambda s: s.set_morph_weight(None, "smile", 1.0), "no mesh has a morph target 'smile'"),
        (lambda s: s.set_expression("angry", 1.0), "this avatar has: happy"),
        (lambda s: s.set_node_scale(99, (1, 1, 1)), "no node 99"),
    ],
)
def test_bad_overrides_are_refused_with_a_message(doll_doc, call, message):
    scene = build_scene(doll_doc)
    with pytest.raises(InvalidInputError, match=message):
        call(scene)


def test_a_mesh_reference_out_of_range_is_a_studio_error():
    b = GltfBuilder()
    b.add_node({"mesh": 3})
    b.add_scene([0])
    with pytest.raises(StudioError, match="mesh does not exist"):
        build_scene(b.build())


def test_strips_fans_and_missing_normals():
    b = GltfBuilder()
    pos = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], np.float32)
    acc = b.add_accessor(pos, min_max=True)
    mesh = b.add_mesh({"primitives": [{"attributes": {"POSITION": acc}, "mode": 5},
                                      {"attributes": {"POSITION": acc}, "mode": 6},
                                      {"attributes": {"POSITION": acc}, "mode": 1}]})
    b.add_node({"mesh": mesh})
    b.add_scene([0])
    scene = build_scene(b.build())
    strip, fan = scene.meshes[0].primitives  # the line primitive is skipped
    assert strip.indices.tolist() == [0, 1, 2, 2, 1, 3]
    assert fan.indices.tolist() == [1, 2, 0, 2, 3, 0]
    assert np.allclose(strip.normals, (0, 0, 1))


def test_vertex_normals_point_out_of_a_triangle():
    pos = np.array([[0, 0, 0], [0, 0, 1], [0, 1, 0]], np.float32)
    assert np.allclose(vertex_normals(pos, np.array([0, 1, 2], np.uint32)), (-1, 0, 0))


def test_reset_overrides_restores_the_file(doll_doc):
    scene = build_scene(doll_doc)
    rest = scene.world_matrices()
    scene.set_material_color("skin", (0, 1, 0, 1))
    scene.set_morph_weight("body", "wide", 1.0)
    scene.set_expression("happy", 1.0)
    scene.set_node_scale(scene.humanoid["head"], (2, 2, 2))
    scene.reset_overrides()
    assert scene.materials[0].base_color == pytest.approx(SKIN)
    assert scene.morph_weights(0).tolist() == [0.0]
    assert np.allclose(scene.world_matrices(), rest)


def _damaged_png_doc():
    """A quad textured with a PNG whose header checksum is wrong (Pillow raises SyntaxError)."""
    import io
    import zlib

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    png = bytearray(out.getvalue())
    png[29:33] = (zlib.crc32(b"nonsense") & 0xFFFFFFFF).to_bytes(4, "big")  # IHDR's CRC
    b = GltfBuilder()
    texture = b.add_texture(b.add_image(bytes(png), "image/png"))
    material = {"name": "cloth", "pbrMetallicRoughness": {"baseColorTexture": {"index": texture}}}
    pos = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0]], np.float32)
    uv = np.array([[0, 0], [1, 0], [1, 1]], np.float32)
    attrs = {"POSITION": b.add_accessor(pos, min_max=True), "TEXCOORD_0": b.add_accessor(uv)}
    mesh = b.add_mesh({"primitives": [{"attributes": attrs, "material": b.add_material(material)}]})
    b.add_scene([b.add_node({"mesh": mesh})])
    return b.build()


def test_a_damaged_texture_is_drawn_untextured_with_a_warning():
    scene = build_scene(_damaged_png_doc())
    assert scene.images == {} and any("image 0 is drawn untextured" in w for w in scene.warnings)
