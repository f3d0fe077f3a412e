"""Orbit camera math and automatic framing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from studio.render.camera import PITCH_LIMIT, Camera
from studio.render.scene import build_scene
from tests.unit.render.doll import build_doll


def _project(camera: Camera, point) -> np.ndarray:
    clip = camera.projection_matrix(1.0) @ camera.view_matrix() @ np.append(point, 1.0)
    return clip[:3] / clip[3]


def test_default_camera_looks_at_the_front_from_plus_z():
    camera = Camera(distance=2.0)
    assert np.allclose(camera.eye(), (0, 0, 2))
    assert np.allclose(_project(camera, (0, 0, 0))[:2], 0)


def test_orbit_clamps_pitch_and_wraps_yaw():
    camera = Camera()
    camera.orbit(2 * math.pi + 0.5, 10.0)
    assert camera.yaw == pytest.approx(0.5)
    assert camera.pitch == pytest.approx(PITCH_LIMIT)
    assert np.all(np.isfinite(camera.view_matrix()))


def test_zoom_and_pan():
    camera = Camera(distance=4.0)
    camera.zoom(0.5)
    assert camera.distance == 2.0
    camera.pan(0.5, 0.0)  # drag half a view height to the right: the scene follows the mouse
    visible = 2 * 2.0 * math.tan(camera.fov_y / 2)
    assert camera.target[0] == pytest.approx(-0.5 * visible)
    assert _project(camera, (0, 0, 0))[0] > 0


def test_frame_bounds_keeps_every_corner_in_view():
    camera = Camera()
    lo, hi = np.array([-0.9, 0.0, -0.2]), np.array([0.9, 1.8, 0.2])
    camera.frame_bounds(lo, hi)
    for corner in np.array(np.meshgrid(*zip(lo, hi, strict=True))).T.reshape(-1, 3):
        ndc = _project(camera, corner)
        assert np.all(np.abs(ndc[:2]) <= 1.0)


@pytest.mark.parametrize("version", ["1.0", "0.x"])
def test_frame_head_puts_the_face_in_the_upper_middle(version):
    scene = build_scene(build_doll(version))
    camera = Camera()
    camera.frame_head(scene)
    face = np.array([0.0, 1.77, 0.1 if version == "1.0" else -0.1])  # between the eyes
    x, y, _ = _project(camera, face)
    assert abs(x) < 0.05
    assert 0.0 < y < 0.6  # above the centre line, below the top
    top = _project(camera, (0.0, 1.86, 0.0))[1]
    chin = _project(camera, (0.0, 1.62, 0.0))[1]
    assert top < 1.0 and chin > -1.0  # the whole head is in the picture
    assert top - chin > 0.8  # and it fills at least 40% of its height
