"""Compile llvmpipe's shader variants before the first avatar, not while it is shown.

llvmpipe turns a program into machine code on its first draw with a given state (blending, depth
writes, culling, texture formats and filters, the framebuffer's formats): 60-70 ms on the GUI
thread for the first avatar's first frame, and again for its first texture's mipmaps.
:func:`warm_up` draws a tiny scene that uses every state the renderer draws with (skinned and
unskinned, textured and not, culled and double-sided, opaque, masked and blended, a mipmapped
power-of-two RGBA8 texture, morph textures bound) into the caller's framebuffer, so the first real
frame finds the variants compiled. The caller draws its background over it afterwards.
"""

from __future__ import annotations

import numpy as np

from studio.render.camera import Camera
from studio.render.model import ALPHA_BLEND, ALPHA_MASK, ALPHA_OPAQUE, Material, Mesh, Node, Primitive, Skin
from studio.render.scene import Scene

#: edge of the stand-in texture: power of two, big enough for a few mipmap levels
TEXTURE_SIZE = 64


def warmup_scene() -> Scene:
    """Two triangles per material state, one mesh skinned to a single joint and one not."""
    materials = [
        Material("opaque", texture=0, toon=True),
        Material("mask", texture=0, alpha_mode=ALPHA_MASK, double_sided=True),
        Material("blend", texture=0, alpha_mode=ALPHA_BLEND, unlit=True),
        Material("plain", alpha_mode=ALPHA_OPAQUE),
    ]
    nodes = [
        Node("root", None, [1, 2, 3]),
        Node("joint", 0, []),
        Node("skinned", 0, [], mesh=0, skin=0),
        Node("rigid", 0, [], mesh=1),
    ]
    skin = Skin(joints=[1], inverse_bind=np.eye(4)[None])
    image = np.full((TEXTURE_SIZE, TEXTURE_SIZE, 4), 200, np.uint8)
    return Scene(
        nodes=nodes,
        roots=[0],
        meshes=[Mesh("skinned", [_quad(m, skinned=True) for m in range(4)], ["t"], np.zeros(1, np.float32)),
                Mesh("rigid", [_quad(m, skinned=False) for m in range(4)], ["t"], np.zeros(1, np.float32))],
        materials=materials,
        skins=[skin],
        images={0: image},
    )


def _quad(material: int, *, skinned: bool) -> Primitive:
    x = material * 0.5 - 1.0
    positions = np.array([[x, 0, 0], [x + 0.4, 0, 0], [x + 0.4, 0.4, 0], [x, 0.4, 0]], np.float32)
    prim = Primitive(
        positions=positions,
        normals=np.tile(np.array([0, 0, 1], np.float32), (4, 1)),
        indices=np.array([0, 1, 2, 0, 2, 3], np.uint32),
        material=material,
        uvs=positions[:, :2].copy(),
        joints=np.zeros((4, 4), np.int32) if skinned else None,
        weights=np.tile(np.array([1, 0, 0, 0], np.float32), (4, 1)) if skinned else None,
    )
    prim.morph_positions.append(np.full((4, 3), 0.01, np.float32))
    prim.morph_normals.append(None)
    return prim


def warm_up(renderer: object, framebuffer: object) -> None:
    """Draw :func:`warmup_scene` with ``renderer`` (a :class:`~studio.render.renderer.Renderer`)
    into ``framebuffer``, once still and once with a morph being dragged (the hot-morph path),
    then drop it again. The framebuffer holds the warm-up picture afterwards: clear it."""
    scene = warmup_scene()
    camera = Camera()
    camera.frame_scene(scene)
    upload, render, update = (getattr(renderer, n) for n in ("upload", "render", "update"))
    upload(scene)
    render(camera, framebuffer)
    scene.set_morph_weight(None, "t", 0.5)  # a drag: hot morphs, their delta textures
    update(scene)
    render(camera, framebuffer)
    renderer.release_scene()  # type: ignore[attr-defined]
