"""Put real avatar files into a test studio's wardrobe (what the avatar library does for users)."""

from __future__ import annotations

import uuid
from pathlib import Path

from studio.app import Studio
from studio.blobs.layout import avatar_key
from studio.gltf.glb import pack_glb, read_chunks
from tests.fixtures.paths import DATA_DIR

VRM1 = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
VRM1_TITLE = "VRMC_materials_mtoon UV Animation Test"  # its meta name: what the wardrobe calls it
VRM0_MORPH = DATA_DIR / "vrm" / "addon_simple_morph_vrm0.vrm"


def no_modification(path: Path) -> bytes:
    """The same VRM 1.0 file with its licence switched to "prohibited" modification."""
    import json

    chunks = read_chunks(path.read_bytes())
    tree = json.loads(bytes(chunks.json or b""))
    tree["extensions"]["VRMC_vrm"]["meta"]["modification"] = "prohibited"
    return pack_glb(tree, chunks.bin or b"")


def add_avatar(studio: Studio, data: bytes | Path, name: str, *, active: bool = False):
    data = data.read_bytes() if isinstance(data, Path) else data
    me = studio.identity()
    key = avatar_key(me.username, str(uuid.uuid4()), "vrm")
    studio.blob_store.put(key, data)
    return studio.wardrobe.add(me, key, name=name, source_url=key, activate=active)


def start_on_moss(make_main_window, studio: Studio, **window_options):
    """The main window, started, on ``studio`` whose active avatar is :data:`VRM1` called "Moss"
    (it opens in the editor at start-up)."""
    add_avatar(studio, VRM1, "Moss", active=True)
    window = make_main_window(studio, **window_options)
    window.start()
    return window


def open_new_supermesh(window):
    """Add a new feminine supermesh through the wardrobe pane and open it in the editor."""
    pane = window.wardrobe
    pane.refresh()
    pane.new_supermesh("feminine")
    assert pane.avatars.count() == 1, pane.message.text()
    pane.avatars.setCurrentRow(0)
    pane.open_selected()
    assert pane.session is not None, pane.message.text()
    return pane


def render_headless(scene, camera, size: int):
    """What the preview shows of ``scene`` through ``camera``, drawn by the shared renderer into a
    headless framebuffer (``size``² RGBA pixels)."""
    import numpy as np

    from studio.render.context import OffscreenTarget, headless_context
    from studio.render.renderer import Renderer

    ctx = headless_context()
    target = OffscreenTarget(ctx, (size, size))
    renderer = Renderer(ctx)
    renderer.upload(scene)
    renderer.render(camera, target.framebuffer)
    pixels = np.asarray(target.read())
    target.release()
    renderer.release()
    return pixels


def next_frame(qtbot, window) -> None:
    """Let the preview catch up: edits reach the scene before its next frame, not at once (a
    slider drag sends them faster than frames are drawn; ``PreviewPane.flush``)."""
    qtbot.waitUntil(lambda: not window.preview.stale, timeout=2000)
