"""The moderngl renderer, headless (EGL, llvmpipe): what the user would see in the picture."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from studio.gltf.builder import GltfBuilder
from studio.gltf.limits import Limits
from studio.render.camera import Camera
from studio.render.context import OffscreenTarget, headless_context
from studio.render.renderer import Renderer
from studio.render.scene import build_scene
from studio.render.thumbnail import render_scene, render_thumbnail
from tests.unit.render.doll import build_doll

GREY = (0.5, 0.5, 0.5, 1.0)


def _body_picture(scene, size=160) -> np.ndarray:
    camera = Camera()
    camera.frame_bounds(np.array([-1.0, 0.0, -0.2]), np.array([1.0, 1.9, 0.2]), scene.forward)
    return np.asarray(render_scene(scene, camera, (size, size), background=GREY)).astype(int)


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a[..., :3] - b[..., :3]).max(axis=-1) > 24


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(mask)
    return rows.min(), rows.max(), cols.min(), cols.max()


def _skin(rgba: np.ndarray) -> np.ndarray:
    r, g, b = rgba[..., 0], rgba[..., 1], rgba[..., 2]
    return (rgba[..., 3] > 200) & (r > g) & (g > b) & (r - b > 60)


@pytest.mark.parametrize("version", ["1.0", "0.x"])
def test_thumbnail_is_a_centred_portrait_with_the_face_towards_us(version):
    img = render_thumbnail(build_doll(version), 256)
    assert img.size == (256, 256) and img.mode == "RGBA"
    px = np.asarray(img).astype(int)
    opaque = px[..., 3] > 0
    assert opaque.mean() > 0.3  # a silhouette, not an empty frame
    assert not opaque[:8].any()  # air above the hair line
    cols = np.nonzero(opaque[:128])[1]
    assert abs(cols.mean() - 128) < 8  # the head is centred
    skin = _skin(px)
    top, _, left, right = _box(skin[:160])
    assert 10 < top < 60 and right - left > 90  # the face fills the upper middle
    assert skin[:128, 64:192].mean() > 0.5
    eyes = (px[..., 3] > 200) & (px[..., :3].max(axis=-1) < 40)
    assert eyes[40:128, 64:192].sum() > 100  # we see the eyes: the camera is in front of the face


def test_tint_shows_on_the_shirt_and_nowhere_else():
    scene = build_scene(build_doll())
    before = _body_picture(scene)
    scene.set_material_color("shirt", (0.8, 0.05, 0.05, 1.0))
    after = _body_picture(scene)
    changed = _changed(before, after)
    assert changed.sum() > 500
    assert (after[changed][:, 0] > after[changed][:, 2]).all()  # blue became red
    centre_skin_rows = np.nonzero(_skin(before)[:, 75:85].any(axis=1))[0]  # head and neck
    assert len(centre_skin_rows) > 10
    assert not changed[: centre_skin_rows.max() - 1].any()  # nothing above the collar changed
    legs = before[..., :3].std(axis=-1) < 8  # grey trousers and background
    assert not (changed & legs).any()


def test_scaled_left_arm_changes_only_the_avatars_left_side():
    scene = build_scene(build_doll())
    before = _body_picture(scene)
    scene.set_node_scale(scene.humanoid["leftUpperArm"], (1.3, 1.3, 1.3))
    after = _body_picture(scene)
    changed = _changed(before, after)
    assert changed.sum() > 100
    top, bottom, left, _ = _box(changed)
    assert left > 80  # avatar's left is the picture's right when it faces us
    fg_before = np.abs(before[..., :3] - 128).max(axis=-1) > 10
    fg_after = np.abs(after[..., :3] - 128).max(axis=-1) > 10
    assert _box(fg_after)[3] > _box(fg_before)[3]  # the hand now reaches further out
    assert bottom - top < 30  # only the arm's rows


def test_morph_widens_the_head_in_the_portrait():
    doc = build_doll()
    scene = build_scene(doc)
    camera = Camera()
    camera.frame_head(scene)
    before = np.asarray(render_scene(scene, camera, (200, 200), background=GREY)).astype(int)
    scene.set_morph_weight("body", "wide", 1.0)
    after = np.asarray(render_scene(scene, camera, (200, 200), background=GREY)).astype(int)
    changed = _changed(before, after)
    top, bottom, left, right = _box(changed)
    face_top, _, face_left, face_right = _box(_skin(before)[:150])
    assert left < face_left and right > face_right  # wider on both sides
    assert top >= face_top - 2 and bottom < 150  # at head height only
    assert changed[:, :100].sum() == pytest.approx(changed[:, 100:].sum(), rel=0.15)  # symmetric


def test_expression_drives_its_morph_bind():
    scene = build_scene(build_doll("0.x"))  # 0.x "joy" is mapped to "happy", weight 100 -> 1.0
    scene.set_morph_weight("body", "wide", 1.0)
    by_morph = _body_picture(scene)
    scene.set_morph_weight("body", "wide", 0.0)
    scene.set_expression("happy", 1.0)
    assert np.array_equal(_body_picture(scene), by_morph)


def test_gpu_morph_matches_the_delta_baked_on_the_cpu():
    scene = build_scene(build_doll())
    scene.set_morph_weight("body", "wide", 0.7)
    gpu = _body_picture(scene, 200)
    baked = build_scene(build_doll())
    for prim in baked.meshes[0].primitives:
        if prim.morph_positions[0] is not None:
            prim.positions = prim.positions + 0.7 * prim.morph_positions[0]
    cpu = _body_picture(baked, 200)
    assert _changed(gpu, cpu).sum() < 10  # a few edge pixels may differ by rounding


def _three_morph_grid():
    """A 2 m plane of 40x40 vertices with three bumps as morph targets (the second is all-zero)."""
    b = GltfBuilder()
    g = np.linspace(-1, 1, 40)
    x, y = np.meshgrid(g, g)
    pos = np.stack([x, y, np.zeros_like(x)], -1).reshape(-1, 3).astype(np.float32)
    quads = (np.arange(39)[:, None] * 40 + np.arange(39)[None, :]).reshape(-1)
    tris = np.stack([quads, quads + 1, quads + 40, quads + 1, quads + 41, quads + 40], -1)
    targets = []
    for cx in (-0.5, 0.0, 0.5):
        d = np.zeros_like(pos)
        if cx != 0.0:
            d[:, 1] = 0.4 * np.exp(-((pos[:, 0] - cx) ** 2 + pos[:, 1] ** 2) / 0.05)
        targets.append({"POSITION": b.add_morph_deltas(d)})
    attrs = {"POSITION": b.add_accessor(pos, min_max=True)}
    b.add_mesh({"name": "grid", "primitives": [{"attributes": attrs, "indices": b.add_indices(tris),
                                                "targets": targets}]})
    b.add_node({"mesh": 0})
    b.add_scene([0])
    return b.build()


def test_dragging_one_slider_after_another_matches_the_cpu_result():
    doc = _three_morph_grid()
    ctx = headless_context()
    camera = Camera()
    camera.frame_bounds(np.array([-1.0, -1.0, -0.1]), np.array([1.0, 1.4, 0.1]))
    scene = build_scene(doc)
    renderer = Renderer(ctx)
    target = OffscreenTarget(ctx, (96, 96))
    try:
        renderer.upload(scene)
        for w in (0.2, 0.6, 1.0):  # drag the first slider: it is blended on the GPU
            scene.set_morph_weight("grid", 0, w)
            renderer.update(scene)
        gpu = renderer._prims[(0, 0)][0]
        assert gpu.hot == [0] and gpu.morph_pos is not None
        scene.set_morph_weight("grid", 2, 0.5)  # then the third: the first is folded into the offsets
        renderer.update(scene)
        assert gpu.hot == [2]
        renderer.render(camera, target.framebuffer)
        live = np.asarray(target.read()).astype(int)
    finally:
        target.release()
        renderer.release()
    baked = build_scene(doc)
    prim = baked.meshes[0].primitives[0]
    assert prim.morph_positions[1] is None  # the all-zero target takes no texture slot
    prim.positions = prim.positions + prim.morph_positions[0] + 0.5 * prim.morph_positions[2]
    reference = np.asarray(render_scene(baked, camera, (96, 96))).astype(int)
    assert np.ptp(live[..., 3]) > 0  # something was drawn
    assert _changed(live, reference).sum() < 10


def test_update_only_touches_what_changed():
    ctx = headless_context()
    scene = build_scene(build_doll())
    renderer = Renderer(ctx)
    try:
        renderer.upload(scene)
        prims = {k: list(v) for k, v in renderer._prims.items()}
        gpu = next(iter(prims.values()))
        assert all(g.morph_pos is None for g in gpu)  # no morph texture until a weight is set
        scene.set_material_color("skin", (0.2, 0.6, 0.2, 1.0))
        scene.set_morph_weight("body", "wide", 0.5)
        scene.set_node_scale(scene.humanoid["head"], (1.2, 1.2, 1.2))
        renderer.update(scene)
        assert {k: list(v) for k, v in renderer._prims.items()} == prims  # same buffers
        assert gpu[0].morph_pos is not None and gpu[0].active[1].tolist() == [0.5]
        assert gpu[2].morph_pos is None  # trousers: the morph does not move them
    finally:
        renderer.release()


def test_bones_overlay_and_a_foreign_framebuffer():
    """The preview draws into the widget's framebuffer; any framebuffer of the context works."""
    ctx = headless_context()
    scene = build_scene(build_doll())
    scene.show_bones(True)
    renderer = Renderer(ctx)
    fbo = ctx.simple_framebuffer((120, 120))
    try:
        renderer.upload(scene)
        camera = Camera()
        camera.frame_scene(scene)
        renderer.render(camera, fbo)
        px = np.frombuffer(fbo.read(components=4), np.uint8).reshape(120, 120, 4).astype(int)
        orange = (px[..., 0] > 200) & (px[..., 1] > 100) & (px[..., 1] < 180) & (px[..., 2] < 60)
        assert orange.sum() > 30
    finally:
        fbo.release()
        renderer.release()


def _textured_quad(material_extra: dict, size=(64, 64)) -> GltfBuilder:
    b = GltfBuilder()
    pos = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], np.float32)
    uv = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)
    tex = Image.new("RGB", size, (250, 10, 10))
    tex.paste((10, 250, 10), (0, 0, size[0], size[1] // 2))  # top half green
    buf = io.BytesIO()
    tex.save(buf, "PNG")
    t = b.add_texture(b.add_image(buf.getvalue(), "image/png"))
    m = b.add_material({"pbrMetallicRoughness": {"baseColorTexture": {"index": t}},
                        "extensions": {"KHR_materials_unlit": {}}, **material_extra})
    attrs = {"POSITION": b.add_accessor(pos, min_max=True), "TEXCOORD_0": b.add_accessor(uv)}
    b.add_mesh({"primitives": [{"attributes": attrs, "indices": b.add_indices(np.array([0, 1, 2, 0, 2, 3])),
                                "material": m}]})
    b.add_node({"mesh": 0})
    b.add_scene([0])
    return b


def _front(scene) -> np.ndarray:
    camera = Camera()
    camera.frame_bounds(np.array([-1.0, -1.0, 0.0]), np.array([1.0, 1.0, 0.0]), margin=0.8)
    return np.asarray(render_scene(scene, camera, (64, 64), background=(0, 0, 0, 1))).astype(int)


def test_textures_are_drawn_the_right_way_up_and_capped():
    px = _front(build_scene(_textured_quad({}).build()))
    assert px[5, 32, 1] > 200 and px[5, 32, 0] < 40  # top is green
    assert px[58, 32, 0] > 200 and px[58, 32, 1] < 40  # bottom is red
    capped = build_scene(_textured_quad({}).build(), limits=Limits(max_image_pixels=1000))
    assert "drawn untextured" in capped.warnings[0]
    assert np.ptp(_front(capped)[8:56, 8:56, :3]) < 5  # plain, not striped


def test_alpha_mask_cuts_out_transparent_texels():
    b = _textured_quad({"alphaMode": "MASK", "alphaCutoff": 0.5})
    b.json["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"] = [1, 1, 1, 0.2]
    px = _front(build_scene(b.build()))
    assert px[..., :3].max() < 10  # all cut away


def test_offscreen_target_reads_top_row_first():
    ctx = headless_context()
    target = OffscreenTarget(ctx, (8, 4))
    try:
        target.framebuffer.use()
        target.framebuffer.clear(0, 0, 1, 1)
        ctx.scissor = (0, 2, 8, 2)  # the upper half in GL coordinates
        target.framebuffer.clear(1, 0, 0, 1)
        ctx.scissor = None
        px = np.asarray(target.read())
        assert tuple(px[0, 0]) == (255, 0, 0, 255) and tuple(px[3, 0]) == (0, 0, 255, 255)
    finally:
        target.release()


def test_alpha_blend_keeps_a_transparent_background_half_covered():
    b = _textured_quad({"alphaMode": "BLEND"})
    b.json["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"] = [1, 1, 1, 0.5]
    camera = Camera()
    camera.frame_bounds(np.array([-1.0, -1.0, 0.0]), np.array([1.0, 1.0, 0.0]), margin=0.8)
    px = np.asarray(render_scene(build_scene(b.build()), camera, (64, 64))).astype(int)
    assert 100 < px[32, 32, 3] < 160  # half covered, not opaque and not lost


def test_thumbnails_render_from_worker_threads_and_the_main_thread():
    """Exports run on worker threads: they take turns on the one headless context."""
    from concurrent.futures import ThreadPoolExecutor

    doc = build_doll()
    own = headless_context()  # a test's own context stays usable around the shared one
    with ThreadPoolExecutor(max_workers=3) as pool:
        pictures = list(pool.map(lambda _: np.asarray(render_thumbnail(doc, 64)), range(4)))
    pictures.append(np.asarray(render_thumbnail(doc, 64)))
    assert all(np.array_equal(p, pictures[0]) for p in pictures)
    assert (pictures[0][..., 3] > 0).mean() > 0.3
    fbo = own.simple_framebuffer((2, 2))
    fbo.use()
    fbo.clear(1.0, 0.0, 0.0, 1.0)
    assert fbo.read(components=4)[:4] == b"\xff\x00\x00\xff"
    fbo.release()
