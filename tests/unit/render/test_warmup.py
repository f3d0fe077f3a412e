"""The warm-up scene draws with every state the renderer uses, and leaves the renderer empty and
ready for the real avatar (whose picture it does not change)."""

from __future__ import annotations

import numpy as np

from studio.render.camera import Camera
from studio.render.context import OffscreenTarget, headless_context
from studio.render.renderer import Renderer
from studio.render.scene import build_scene
from studio.render.warmup import warm_up, warmup_scene
from tests.unit.render.doll import build_doll


def _picture(renderer: Renderer, scene, target: OffscreenTarget) -> np.ndarray:
    camera = Camera()
    camera.frame_scene(scene)
    renderer.upload(scene)
    renderer.render(camera, target.framebuffer)
    return np.asarray(target.read()).astype(int)


def test_warm_up_draws_and_leaves_the_renderer_empty() -> None:
    ctx = headless_context()
    target = OffscreenTarget(ctx, (96, 96), samples=0)
    renderer = Renderer(ctx)
    try:
        warm_up(renderer, target.framebuffer)
        drawn = np.asarray(target.read())
        assert (drawn[..., 3] > 0).sum() > 100  # the quads were really drawn
        assert renderer.scene is None and not renderer.uploading
        scene = warmup_scene()
        kinds = {(m.alpha_mode, m.double_sided, m.texture is not None) for m in scene.materials}
        assert len(kinds) == 4 and len(scene.skins) == 1
        doll = build_scene(build_doll())
        warmed = _picture(renderer, doll, target)
    finally:
        renderer.release()
    fresh_renderer = Renderer(ctx)
    try:
        fresh = _picture(fresh_renderer, build_scene(build_doll()), target)
    finally:
        fresh_renderer.release()
        target.release()
    assert np.abs(warmed - fresh).max() <= 1  # the warm-up leaves nothing behind in the picture
