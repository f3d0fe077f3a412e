"""MToon outlines in the preview and thumbnails (VRMC_materials_mtoon ``outlineWidthMode`` and the
VRM 0.x ``_OutlineWidthMode``/``_OutlineWidth``/``_OutlineColor`` properties): a rim of the outline
colour around the silhouette, never over the surface's own front, and none when the mode is "none".
Built in code: a smooth sphere (an inverted-hull outline needs smooth normals, as in MToon)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.gltf.builder import GltfBuilder
from studio.render.camera import Camera
from studio.render.scene import build_scene
from studio.render.thumbnail import render_scene

GREY = (0.5, 0.5, 0.5, 1.0)
SIZE = 200


def _sphere(rings: int = 32, segments: int = 48) -> tuple[np.ndarray, np.ndarray]:
    theta = np.linspace(0, np.pi, rings + 1)[:, None]
    phi = np.linspace(0, 2 * np.pi, segments + 1)[None, :]
    ring = np.sin(theta)
    pos = np.stack([ring * np.cos(phi), np.cos(theta) * np.ones_like(phi), ring * np.sin(phi)], -1)
    pos = (0.5 * pos).reshape(-1, 3).astype(np.float32)
    a = (np.arange(rings)[:, None] * (segments + 1) + np.arange(segments)[None, :]).reshape(-1)
    b = a + segments + 1
    idx = np.stack([a, a + 1, b, a + 1, b + 1, b], -1).reshape(-1).astype(np.uint32)
    return pos, idx


def _doc(version: str, mode: str, width: float):
    """A white sphere whose material has a red outline (lighting mix 0: the outline colour as is)."""
    b = GltfBuilder()
    pos, idx = _sphere()
    attrs = {"POSITION": b.add_accessor(pos, min_max=True), "NORMAL": b.add_accessor(pos * 2.0)}
    if version == "1.0":
        b.use_extension("VRMC_materials_mtoon")
        mtoon = {"specVersion": "1.0", "outlineWidthMode": mode, "outlineWidthFactor": width,
                 "outlineColorFactor": [1.0, 0.0, 0.0], "outlineLightingMixFactor": 0.0}  # fmt: skip
        material = b.add_material({"name": "ball", "extensions": {"VRMC_materials_mtoon": mtoon}})
    else:
        material = b.add_material({"name": "ball"})
        code = {"none": 0, "worldCoordinates": 1, "screenCoordinates": 2}[mode]
        scale = 100.0 if code == 1 else 200.0  # 0.x widths: centimetres / 1/200 of the screen
        b.use_extension("VRM")
        floats = {"_OutlineWidthMode": code, "_OutlineWidth": width * scale, "_OutlineColorMode": 0}
        b.set_extension("VRM", {"materialProperties": [{
            "name": "ball", "shader": "VRM/MToon", "floatProperties": floats,
            "vectorProperties": {"_Color": [1, 1, 1, 1], "_OutlineColor": [1.0, 0.0, 0.0, 1.0]},
        }]})  # fmt: skip
    primitive = {"attributes": attrs, "indices": b.add_indices(idx), "material": material}
    mesh = b.add_mesh({"primitives": [primitive]})
    b.add_scene([b.add_node({"mesh": mesh})])
    return b.build()


def _picture(doc, distance: float = 1.0) -> np.ndarray:
    camera = Camera()
    camera.frame_bounds(np.array([-0.5, -0.5, -0.5]), np.array([0.5, 0.5, 0.5]))
    camera.distance *= distance
    return np.asarray(render_scene(build_scene(doc), camera, (SIZE, SIZE), background=GREY)).astype(int)


def _red(picture: np.ndarray) -> np.ndarray:
    r, g, b = picture[..., 0], picture[..., 1], picture[..., 2]
    return (r > 200) & (g < 60) & (b < 60)


def _figure(picture: np.ndarray) -> np.ndarray:
    return ~(np.abs(picture[..., :3] - 128) <= 3).all(axis=-1)


def _radius(mask: np.ndarray) -> float:
    rows, cols = np.nonzero(mask)
    return max(rows.max() - rows.min(), cols.max() - cols.min()) / 2


WIDTHS = {"worldCoordinates": 0.04, "screenCoordinates": 0.02}


@pytest.mark.parametrize("version", ["1.0", "0.x"])
@pytest.mark.parametrize("mode", ["worldCoordinates", "screenCoordinates"])
def test_an_outline_rims_the_silhouette(version: str, mode: str) -> None:
    plain = _picture(_doc(version, "none", 0.0))
    outlined = _picture(_doc(version, mode, WIDTHS[mode]))
    assert not _red(plain).any()
    red, ball = _red(outlined), _figure(plain)
    assert (red & ball).sum() < 0.02 * red.sum()  # a rim outside the ball, not over its front
    assert (_figure(outlined) & ~red).sum() > 0.97 * ball.sum()  # the ball itself is all still there
    rim = _radius(red) - _radius(ball)  # how far the rim reaches beyond the ball, in pixels
    # world: 4 cm on a ball of radius 0.5 m; screen: 2 % of the picture's height. Antialiased edge
    # pixels count as ball but not as red, so the measured rim is about a pixel short.
    expected = WIDTHS[mode] / 0.5 * _radius(ball) if mode == "worldCoordinates" else WIDTHS[mode] * SIZE
    assert rim == pytest.approx(expected - 1.0, abs=1.0)


def test_a_world_outline_thins_with_distance_and_a_screen_one_does_not() -> None:
    def rim(mode: str, distance: float) -> float:
        plain = _picture(_doc("1.0", "none", 0.0), distance)
        outlined = _picture(_doc("1.0", mode, WIDTHS[mode]), distance)
        return _radius(_red(outlined)) - _radius(_figure(plain))

    assert rim("worldCoordinates", 2.0) < 0.65 * rim("worldCoordinates", 1.0)
    assert rim("screenCoordinates", 2.0) == pytest.approx(rim("screenCoordinates", 1.0), abs=1.0)
