"""An orbit camera: a target point, a distance, yaw and pitch; framing of whole bodies and heads.

Yaw 0 puts the eye on the +Z side looking towards -Z (the front of a glTF / VRM 1.0 avatar);
VRM 0.x avatars face -Z, so framing them turns the camera half way round (``Scene.forward``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from studio.render import mathutil
from studio.render.bounds import head_bounds, scene_bounds
from studio.render.scene import Scene

#: pitch stays just short of straight up/down so the view never flips
PITCH_LIMIT = math.radians(89.0)


@dataclass
class Camera:
    target: np.ndarray = field(default_factory=lambda: np.zeros(3))
    distance: float = 3.0
    yaw: float = 0.0  # radians about +Y
    pitch: float = 0.0  # radians, positive looks down from above
    fov_y: float = math.radians(30.0)

    # -- matrices ---------------------------------------------------------------------------
    def direction(self) -> np.ndarray:
        """Unit vector from the target to the eye."""
        cp = math.cos(self.pitch)
        return np.array([math.sin(self.yaw) * cp, math.sin(self.pitch), math.cos(self.yaw) * cp])

    def eye(self) -> np.ndarray:
        return np.asarray(self.target, dtype=np.float64) + self.distance * self.direction()

    def view_matrix(self) -> np.ndarray:
        return mathutil.look_at(self.eye(), self.target)

    def projection_matrix(self, aspect: float) -> np.ndarray:
        near = max(self.distance * 0.01, 1e-4)
        return mathutil.perspective(self.fov_y, max(aspect, 1e-6), near, self.distance * 100.0)

    # -- interaction ------------------------------------------------------------------------
    def orbit(self, d_yaw: float, d_pitch: float) -> None:
        self.yaw = (self.yaw + d_yaw) % (2 * math.pi)
        self.pitch = float(np.clip(self.pitch + d_pitch, -PITCH_LIMIT, PITCH_LIMIT))

    def zoom(self, factor: float) -> None:
        """``factor`` < 1 moves closer (a wheel step of 0.9 is comfortable)."""
        self.distance = float(np.clip(self.distance * factor, 1e-3, 1e5))

    def pan(self, dx: float, dy: float) -> None:
        """Move the target in the view plane; ``dx``/``dy`` are fractions of the viewport height,
        so a drag across the whole view moves the scene by the visible height."""
        view = self.view_matrix()
        right, up = view[0, :3], view[1, :3]
        visible = 2.0 * self.distance * math.tan(self.fov_y / 2)
        self.target = np.asarray(self.target, dtype=np.float64) - (dx * right + dy * up) * visible

    # -- framing ----------------------------------------------------------------------------
    def frame_bounds(
        self, lo: np.ndarray, hi: np.ndarray, forward: np.ndarray | None = None, *, margin: float = 1.1
    ) -> None:
        """Look at the box [lo, hi] from the side ``forward`` points to (default +Z), all of it in view."""
        lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
        self.target = (lo + hi) / 2
        fwd = np.array([0.0, 0.0, 1.0]) if forward is None else np.asarray(forward, dtype=np.float64)
        self.yaw, self.pitch = math.atan2(fwd[0], fwd[2]), 0.0
        radius = max(float(np.linalg.norm(hi - lo)) / 2, 1e-3)
        self.distance = radius * margin / math.sin(self.fov_y / 2)

    def frame_scene(self, scene: Scene) -> None:
        lo, hi = scene_bounds(scene)
        self.frame_bounds(lo, hi, scene.forward)

    def frame_head(self, scene: Scene) -> None:
        """Portrait: the face from the front, hair top to upper neck, framed on the humanoid head
        bone. Falls back to the top seventh of the body when the file has no humanoid head."""
        world = scene.world_matrices()
        box = head_bounds(scene)
        lo, hi = scene_bounds(scene)
        if box is not None and "head" in scene.humanoid:
            anchor = world[scene.humanoid["head"]][:3, 3]
            top = float(box[1][1])
            head_h = max(top - float(anchor[1]), 1e-3)
        else:  # no humanoid: assume a standing figure, head about 1/7 of its height
            top = float(hi[1])
            head_h = (top - float(lo[1])) / 7.0
            anchor = np.array([(lo[0] + hi[0]) / 2, top - head_h, (lo[2] + hi[2]) / 2])
        bottom = float(anchor[1]) - 0.65 * head_h
        span = top + 0.08 * head_h - bottom
        fwd = scene.forward
        self.target = np.array([anchor[0], bottom + span / 2, anchor[2]])
        self.yaw, self.pitch = math.atan2(fwd[0], fwd[2]), 0.0
        self.distance = (span / 2) / math.tan(self.fov_y / 2) + 0.5 * head_h
