"""What keeps the live preview smooth, checked on the pictures it draws (headless EGL, llvmpipe):
uploads in slices, placeholder colours, back-face culling, the skinned cache, reduced-size frames."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from studio.gltf.builder import GltfBuilder
from studio.render.camera import Camera
from studio.render.context import OffscreenTarget, headless_context
from studio.render.renderer import Renderer
from studio.render.scaled import ResolutionGovernor, ScaledFrame
from studio.render.scene import build_scene
from tests.unit.render.doll import build_doll


def _quad(*, double_sided: bool = False, textured: bool = True):
    """A 2x2 quad facing +Z; its texture is green on top, red below."""
    b = GltfBuilder()
    pos = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], np.float32)
    uv = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)
    pbr: dict = {}
    if textured:
        tex = Image.new("RGB", (64, 64), (250, 10, 10))
        tex.paste((10, 250, 10), (0, 0, 64, 32))
        buf = io.BytesIO()
        tex.save(buf, "PNG")
        pbr["baseColorTexture"] = {"index": b.add_texture(b.add_image(buf.getvalue(), "image/png"))}
    else:
        pbr["baseColorFactor"] = [0.9, 0.9, 0.1, 1.0]
    m = b.add_material({"pbrMetallicRoughness": pbr, "extensions": {"KHR_materials_unlit": {}},
                        "doubleSided": double_sided})
    attrs = {"POSITION": b.add_accessor(pos, min_max=True), "TEXCOORD_0": b.add_accessor(uv)}
    b.add_mesh({"primitives": [{"attributes": attrs, "indices": b.add_indices(np.array([0, 1, 2, 0, 2, 3])),
                                "material": m}]})
    b.add_node({"mesh": 0})
    b.add_scene([0])
    return build_scene(b.build())


def _picture(renderer: Renderer, camera: Camera, size=(64, 64)) -> np.ndarray:
    target = OffscreenTarget(renderer.ctx, size, samples=0)
    try:
        renderer.render(camera, target.framebuffer)
        return np.asarray(target.read()).astype(int)
    finally:
        target.release()


def _front(yaw: float = 0.0) -> Camera:
    camera = Camera()
    camera.frame_bounds(np.array([-1.0, -1.0, 0.0]), np.array([1.0, 1.0, 0.0]), margin=0.8)
    camera.yaw = yaw
    return camera


@pytest.fixture
def renderer():
    r = Renderer(headless_context())
    r.background = (0.0, 0.0, 0.0, 1.0)
    yield r
    r.release()


def test_upload_in_slices_shows_the_shape_at_once_and_the_texture_when_it_arrives(renderer):
    scene = _quad()
    renderer.begin_upload(scene)
    assert renderer.uploading and not renderer.drawable
    assert (_picture(renderer, _front())[..., :3] == 0).all()  # nothing yet: just the background
    renderer.upload_step()  # one slice within the budget: the geometry (cheap steps go together)
    assert renderer.drawable and renderer.uploading
    first = _picture(renderer, _front())
    middle = first[8:56, 8:56, :3]
    assert np.ptp(middle.reshape(-1, 3), axis=0).max() < 4  # one flat colour, not the stripes
    assert middle[..., 0].mean() > 100 and middle[..., 1].mean() > 100  # the red/green average
    assert not renderer.upload_step(10.0)  # a texture step always starts its own slice: create
    assert renderer.upload_step(10.0)  # build its mipmaps: done
    px = _picture(renderer, _front())
    assert px[5, 32, 1] > 200 and px[5, 32, 0] < 40  # green on top
    assert px[58, 32, 0] > 200 and px[58, 32, 1] < 40  # red below
    at_once = Renderer(renderer.ctx)
    at_once.background = renderer.background
    try:
        at_once.upload(scene)
        assert np.array_equal(_picture(at_once, _front()), px)
    finally:
        at_once.release()


def test_back_faces_of_single_sided_materials_are_not_drawn(renderer):
    behind = _front(yaw=np.pi)
    renderer.upload(_quad(textured=False))
    assert _picture(renderer, _front())[32, 32, :3].max() > 200
    assert _picture(renderer, behind)[..., :3].max() == 0  # culled, as glTF doubleSided=false says
    renderer.upload(_quad(textured=False, double_sided=True))
    assert _picture(renderer, behind)[32, 32, :3].max() > 200


def test_the_skinned_cache_follows_pose_and_morph_changes(renderer):
    """A frame after any mix of bone and morph edits looks like a fresh upload of that state."""
    scene = build_scene(build_doll())
    camera = Camera()
    camera.frame_scene(scene)
    renderer.upload(scene)
    arm = scene.humanoid["leftUpperArm"]
    edits = [
        lambda: scene.set_node_scale(arm, (1.0, 1.6, 1.0)),  # pose: re-skin
        lambda: scene.set_morph_weight("body", "wide", 0.8),  # hot morph through the cache
        lambda: scene.set_material_color("shirt", (0.6, 0.1, 0.1, 1.0)),  # nothing to re-skin
        lambda: scene.set_node_scale(arm, (1.0, 1.0, 1.0)),
    ]
    before = _picture(renderer, camera, (96, 96))
    for edit in edits:
        edit()
        renderer.update(scene)
        shown = _picture(renderer, camera, (96, 96))
        fresh = Renderer(renderer.ctx)
        fresh.background = renderer.background
        try:
            fresh.upload(scene)
            expected = _picture(fresh, camera, (96, 96))
        finally:
            fresh.release()
        assert np.abs(shown - expected).max() <= 2
        assert np.abs(shown - before).max() > 24  # and each edit shows
        before = shown


def test_a_reduced_size_frame_is_the_same_picture_a_little_softer():
    ctx = headless_context()
    scene = build_scene(build_doll())
    camera = Camera()
    camera.frame_scene(scene)
    renderer, scaled = Renderer(ctx), ScaledFrame(ctx)
    renderer.background = (0.5, 0.5, 0.5, 1.0)
    full = OffscreenTarget(ctx, (120, 160), samples=0)
    try:
        renderer.upload(scene)
        renderer.render(camera, full.framebuffer)
        sharp = np.asarray(full.read()).astype(int)
        renderer.render(camera, scaled.target((60, 80)))
        assert scaled.present(full.framebuffer)
        soft = np.asarray(full.read()).astype(int)
    finally:
        full.release()
        scaled.release()
        renderer.release()
    grey = np.array([128, 128, 128])
    sharp_body = np.abs(sharp[..., :3] - grey).max(axis=-1) > 30
    soft_body = np.abs(soft[..., :3] - grey).max(axis=-1) > 30
    overlap = (sharp_body & soft_body).sum() / (sharp_body | soft_body).sum()
    assert overlap > 0.85  # the same silhouette in the same place, not shifted or flipped
    assert np.abs(soft - sharp)[..., :3].mean() < 12


def test_the_governor_picks_the_largest_scale_that_fits_the_budget():
    governor = ResolutionGovernor(budget_ms=26.0, min_scale=0.5, step=0.1)
    assert governor.scale() == 0.5  # nothing measured: be quick
    governor.record(1.0, 18.0)
    assert governor.scale() == 1.0  # full size is affordable
    governor = ResolutionGovernor(budget_ms=26.0)
    governor.record(1.0, 40.0)  # too slow at full size
    governor.record(0.5, 25.0)  # fixed part: (25 - 40/4) / 0.75 = 20 ms, pixels 20 ms at full size
    assert governor.fixed_ms == pytest.approx(20.0)
    assert governor.predict(0.6) == pytest.approx(27.2)
    assert governor.scale() == 0.5
    governor = ResolutionGovernor(budget_ms=26.0)
    governor.record(1.0, 60.0)
    governor.record(0.5, 24.0)  # fixed 12 ms: 0.6 -> 29.3, 0.5 -> 24
    assert governor.scale() == 0.5
    governor.budget_ms = 40.0
    assert governor.scale() == 0.7  # 12 + 48 * 0.49 = 35.5
    vertex_bound = ResolutionGovernor(budget_ms=26.0)
    vertex_bound.record(1.0, 30.0)
    vertex_bound.record(0.5, 28.0)  # fixed ~27 ms: half size would save 8%
    assert vertex_bound.scale() == 1.0  # not worth the blur
