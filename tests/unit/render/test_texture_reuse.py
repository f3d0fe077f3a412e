"""A scene rebuilt from the same file (an equip in the preview) keeps its textures on the GPU: the
first frame of the new scene is fully textured, and it looks like a fresh upload."""

from __future__ import annotations

import numpy as np

from studio.render.camera import Camera
from studio.render.context import OffscreenTarget, headless_context
from studio.render.renderer import Renderer
from studio.render.scene import build_scene
from tests.unit.render.test_renderer import _textured_quad


def _picture(renderer: Renderer, target: OffscreenTarget) -> np.ndarray:
    camera = Camera()
    camera.frame_bounds(np.array([-1.0, -1.0, 0.0]), np.array([1.0, 1.0, 0.0]), margin=0.8)
    renderer.render(camera, target.framebuffer)
    return np.asarray(target.read()).astype(int)


def test_same_image_bytes_keep_their_texture_across_scenes() -> None:
    doc = _textured_quad({}).build()
    first, second = build_scene(doc), build_scene(doc)
    assert first.image_keys and first.image_keys == second.image_keys
    ctx = headless_context()
    target = OffscreenTarget(ctx, (64, 64), samples=0)
    renderer = Renderer(ctx)
    try:
        renderer.upload(first)
        texture = renderer._images[0]
        renderer.begin_upload(second)
        assert renderer._images[0] is texture  # kept, not uploaded again
        assert not any(texture_step for texture_step, _ in renderer._queue)  # geometry only
        renderer.upload_step(None)
        assert renderer._images[0] is texture
        kept = _picture(renderer, target)
        other = build_scene(_textured_quad({}, size=(32, 32)).build())  # other bytes: a new texture
        renderer.begin_upload(other)
        assert renderer.uploading and 0 not in renderer._images
    finally:
        renderer.release()
    fresh_renderer = Renderer(ctx)
    try:
        fresh_renderer.upload(build_scene(doc))
        fresh = _picture(fresh_renderer, target)
    finally:
        fresh_renderer.release()
        target.release()
    assert kept[5, 32, 1] > 200 and kept[58, 32, 0] > 200  # green top, red bottom: textured
    assert np.abs(kept - fresh).max() <= 1
