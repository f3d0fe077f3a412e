"""Portrait thumbnails: the face framed on the humanoid head bone, rendered with no display."""

from __future__ import annotations

import moderngl
from PIL import Image

from studio.domain.errors import InvalidInputError
from studio.gltf.document import Document
from studio.render.camera import Camera
from studio.render.context import OffscreenTarget, headless
from studio.render.renderer import Renderer
from studio.render.scene import Scene, build_scene

#: thumbnails never need textures larger than this (the face covers about a quarter of an atlas)
THUMBNAIL_TEXTURE_SIZE = 1024
MIN_SIZE, MAX_SIZE = 16, 2048

_renderers: dict[int, Renderer] = {}


def check_size(size: int) -> None:
    if not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        raise InvalidInputError(
            f"thumbnail size must be between {MIN_SIZE} and {MAX_SIZE} pixels, not {size!r}"
        )


def shared_renderer(ctx: moderngl.Context) -> Renderer:
    """One renderer per context, so shaders compile once per process. Use it inside ``headless()``."""
    renderer = _renderers.get(id(ctx))
    if renderer is None or renderer.ctx is not ctx:
        renderer = _renderers[id(ctx)] = Renderer(ctx)
    return renderer


def render_scene(
    scene: Scene,
    camera: Camera,
    size: tuple[int, int],
    *,
    background: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
) -> Image.Image:
    """Draw ``scene`` seen by ``camera`` into an offscreen RGBA picture of ``size`` (w, h), headless.
    Safe from any thread (threads take turns on the one EGL context)."""
    with headless() as ctx:
        renderer = shared_renderer(ctx)
        target = OffscreenTarget(ctx, size)
        try:
            renderer.background = background
            renderer.upload(scene)
            renderer.render(camera, target.framebuffer)
            return target.read()
        finally:
            renderer.release_scene()
            target.release()


def render_thumbnail(
    source: Document | Scene,
    size: int = 512,
    *,
    background: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
) -> Image.Image:
    """A ``size`` x ``size`` RGBA portrait (transparent background by default)."""
    check_size(size)
    if isinstance(source, Scene):
        scene = source
    else:
        scene = build_scene(source, max_texture_size=THUMBNAIL_TEXTURE_SIZE)
    camera = Camera()
    camera.frame_head(scene)
    return render_scene(scene, camera, (int(size), int(size)), background=background)
