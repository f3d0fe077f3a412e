"""The body surface: torso, neck, arms, hands with five fingers, legs and feet as closed lofted tubes.

Shapes follow the joint positions, so the feminine/masculine differences come from the skeleton's
proportions plus a few base-specific cross-sections (waist, hips, chest) defined here.
"""

from __future__ import annotations

import numpy as np

from studio.procedural.geometry import Part, gaussian, loft
from studio.procedural.skeleton import FINGERS, Proportions


def _interp(t: np.ndarray, keys: list[tuple[float, float]]) -> np.ndarray:
    xs, ys = zip(*keys, strict=True)
    return np.interp(t, xs, ys)


#: torso cross-sections from crotch (0) to neck base (1): (t, half-width, half-depth at 1.6 m);
#: a width below 1 is a multiple of the hip half-width ("h") or shoulder half-width ("s") as tagged
_TORSO = {
    True: (
        [
            (0, "h", 1.25),
            (0.16, "h", 1.95),
            (0.45, "h", 1.35),
            (0.68, "h", 1.48),
            (0.8, "s+", 0.012),
            (0.87, "s+", 0.006),
            (0.92, "s", 0.78),
            (0.96, "s", 0.58),
            (1, "m", 0.05),
        ],
        [(0, 0.07), (0.18, 0.095), (0.45, 0.075), (0.7, 0.08), (0.83, 0.08), (0.93, 0.06), (1, 0.042)],
    ),
    False: (
        [
            (0, "h", 1.3),
            (0.16, "h", 1.75),
            (0.45, "h", 1.6),
            (0.68, "s", 1.1),
            (0.8, "s+", 0.018),
            (0.87, "s+", 0.01),
            (0.92, "s", 0.8),
            (0.96, "s", 0.58),
            (1, "m", 0.062),
        ],
        [(0, 0.075), (0.18, 0.095), (0.45, 0.088), (0.7, 0.095), (0.83, 0.093), (0.93, 0.07), (1, 0.05)],
    ),
}


def _torso_width(p: Proportions, keys: list[tuple[float, str, float]], s: float) -> list[tuple[float, float]]:
    unit = {
        "h": lambda v: p.hip_half_width * v,
        "s": lambda v: p.shoulder_half_width * v,
        "s+": lambda v: p.shoulder_half_width + v,
        "m": lambda v: v * s,
    }
    return [(t, unit[kind](v)) for t, kind, v in keys]


def torso(p: Proportions, heads: dict[str, np.ndarray], *, feminine: bool, res: int) -> Part:
    s = p.height / 1.6
    bottom = heads["J_Bip_L_UpperLeg"][1] - 0.05 * s
    # the top rises into the neck, so the shoulders slope down from it (trapezius) to the arms
    top = heads["J_Bip_C_Neck"][1] + 0.045 * s
    t = np.linspace(0.0, 1.0, 12 * res + 1)
    widths, depths = _TORSO[feminine]
    width = _interp(t, _torso_width(p, widths, s))
    depth = _interp(t, [(k, v * s) for k, v in depths])
    zoff = _interp(t, [(0, -0.01), (0.2, -0.012), (0.45, 0.0), (0.8, 0.0), (1, -0.016)])
    path = np.column_stack([np.zeros_like(t), bottom + t * (top - bottom), zoff * s])
    radii = np.column_stack([width, depth])
    part = loft(
        path,
        radii,
        segments=24 * res,
        hint=(0, 0, 1),
        power=2.3,
        cap_rings=3,
        cap_scale=(0.5, 0.2),
        tags={"kind": "torso"},
    )
    _chest(part, heads, feminine=feminine, scale=s)
    return part


def chest_points(heads: dict[str, np.ndarray], scale: float) -> list[np.ndarray]:
    y = heads["J_Bip_C_UpperChest"][1] - 0.045 * scale
    return [np.array([sx * 0.058 * scale, y, 0.09 * scale]) for sx in (1.0, -1.0)]


def _chest(part: Part, heads: dict[str, np.ndarray], *, feminine: bool, scale: float) -> None:
    """Bake the base's chest: breasts for the feminine base, flatter pectorals for the masculine."""
    amount = 0.045 if feminine else 0.012
    radius = np.array([0.055, 0.05, 0.12]) * scale
    for c in chest_points(heads, scale):
        g = gaussian(part.positions, c, radius) * (part.positions[:, 2] > 0)
        part.positions += np.outer(g * amount * scale, [0.0, -0.12, 1.0])


def neck(p: Proportions, heads: dict[str, np.ndarray], *, feminine: bool, res: int) -> Part:
    s = p.height / 1.6
    a = heads["J_Bip_C_UpperChest"] + np.array([0, 0.05 * s, 0])
    b = heads["J_Bip_C_Head"] + np.array([0, 0.05 * s, 0.0])
    path = a + np.outer(np.linspace(0, 1, 4 * res + 1), b - a)
    r = (0.038 if feminine else 0.05) * s
    return loft(
        path,
        np.tile([r, r * 1.05], (len(path), 1)),
        segments=16 * res,
        hint=(0, 0, 1),
        cap_rings=2,
        cap_scale=(0.5, 0.5),
        tags={"kind": "neck"},
    )


def arm(p: Proportions, heads: dict[str, np.ndarray], side: str, *, feminine: bool, res: int) -> Part:
    s = p.height / 1.6
    sx = 1.0 if side == "L" else -1.0
    shoulder = heads[f"J_Bip_{side}_UpperArm"] - np.array([sx * 0.035 * s, 0.0, 0.0])
    wrist = heads[f"J_Bip_{side}_Hand"] + np.array([sx * 0.01 * s, 0.0, 0.0])
    elbow = heads[f"J_Bip_{side}_LowerArm"]
    t = np.linspace(0.0, 1.0, 8 * res + 1)
    e = float(np.linalg.norm(elbow - shoulder) / np.linalg.norm(wrist - shoulder))
    k = 1.0 if feminine else 1.2
    radius = _interp(t, [(0, 0.048), (0.2, 0.042), (e, 0.031), (e + 0.12, 0.034), (1, 0.022)]) * s * k
    path = shoulder + np.outer(t, wrist - shoulder)
    # slimmer vertically where the arm leaves the shoulder, so the shoulder line slopes into it
    radii = np.column_stack([radius * 0.95, radius * _interp(t, [(0, 0.8), (0.18, 0.95), (0.3, 1.0)])])
    return loft(
        path,
        radii,
        segments=12 * res,
        hint=(0, 1, 0),
        cap_rings=3,
        cap_scale=(0.6, 0.6),
        tags={"kind": "arm", "side": side},
    )


def hand(p: Proportions, heads: dict[str, np.ndarray], side: str, *, feminine: bool, res: int) -> list[Part]:
    s = p.height / 1.6 * (1.0 if feminine else 1.12)
    sx = 1.0 if side == "L" else -1.0
    wrist = heads[f"J_Bip_{side}_Hand"]
    knuckle = heads[f"J_Bip_{side}_Middle1"]
    path = wrist + np.outer(np.linspace(0, 1, 2 * res + 1), knuckle - wrist)
    path[:, 2] += 0.0
    widths = np.linspace(0.02, 0.038, len(path)) * s
    parts = [
        loft(
            path,
            np.column_stack([np.full(len(path), 0.013 * s), widths]),
            segments=8 * res,
            hint=(0, 0, 1),
            power=3.0,
            cap_rings=2,
            cap_scale=(0.3, 0.4),
            tags={"kind": "hand", "side": side},
        )
    ]
    parts[0].positions[:, 2] += 0.0
    for finger in FINGERS:
        joints = [heads[f"J_Bip_{side}_{finger}{k}"] for k in (1, 2, 3)]
        tip = joints[2] + (joints[2] - joints[1]) * 0.85
        start = joints[0] - (joints[1] - joints[0]) * (0.6 if finger == "Thumb" else 0.3)
        pts = np.vstack([start, *joints, tip])
        path = _resample(pts, 3 * res + 2)
        r = (0.0095 if finger == "Thumb" else 0.0078) * s
        radii = np.column_stack([np.linspace(r, r * 0.8, len(path)), np.linspace(r, r * 0.8, len(path))])
        parts.append(
            loft(
                path,
                radii,
                segments=6 * res,
                hint=(0, 1, 0) if finger != "Thumb" else (sx * -0.3, 1, 0),
                cap_rings=2,
                cap_scale=(0.8, 0.9),
                tags={"kind": "finger", "side": side},
            )
        )
    return parts


def leg(p: Proportions, heads: dict[str, np.ndarray], side: str, *, feminine: bool, res: int) -> Part:
    s = p.height / 1.6
    hip = heads[f"J_Bip_{side}_UpperLeg"] + np.array([0.0, 0.06 * s, 0.0])
    knee = heads[f"J_Bip_{side}_LowerLeg"]
    ankle = heads[f"J_Bip_{side}_Foot"] + np.array([0.0, -0.01 * s, 0.0])
    path = np.vstack(
        [
            _resample(np.vstack([hip, knee]), 5 * res + 1)[:-1],
            _resample(np.vstack([knee, ankle]), 5 * res + 1),
        ]
    )
    t = np.linspace(0, 1, len(path))
    if feminine:
        radius = _interp(
            t, [(0, 0.092), (0.15, 0.085), (0.47, 0.05), (0.62, 0.055), (0.95, 0.031), (1, 0.03)]
        )
    else:
        radius = _interp(
            t, [(0, 0.088), (0.15, 0.08), (0.47, 0.052), (0.62, 0.058), (0.95, 0.034), (1, 0.033)]
        )
    radius = radius * s
    return loft(
        path,
        np.column_stack([radius, radius * 1.02]),
        segments=12 * res,
        hint=(0, 0, 1),
        cap_rings=3,
        cap_scale=(0.5, 0.6),
        tags={"kind": "leg", "side": side},
    )


def foot(p: Proportions, heads: dict[str, np.ndarray], side: str, *, feminine: bool, res: int) -> Part:
    s = p.height / 1.6 * (1.0 if feminine else 1.1)
    ankle = heads[f"J_Bip_{side}_Foot"]
    toe = heads[f"J_Bip_{side}_ToeBase"]
    heel = np.array([ankle[0], 0.032 * s, ankle[2] - 0.055 * s])
    tip = np.array([toe[0], 0.018 * s, toe[2] + 0.06 * s])
    path = _resample(
        np.vstack(
            [heel, np.array([ankle[0], 0.038 * s, ankle[2] + 0.01]), toe + np.array([0, 0.008, 0]), tip]
        ),
        6 * res + 1,
    )
    t = np.linspace(0, 1, len(path))
    width = _interp(t, [(0, 0.03), (0.5, 0.036), (0.8, 0.042), (1, 0.036)]) * s
    height = _interp(t, [(0, 0.032), (0.35, 0.04), (0.7, 0.024), (1, 0.016)]) * s
    part = loft(
        path,
        np.column_stack([width, height]),
        segments=10 * res,
        hint=(0, 1, 0),
        power=2.6,
        cap_rings=3,
        cap_scale=(0.7, 0.9),
        tags={"kind": "foot", "side": side},
    )
    part.positions[:, 1] = np.maximum(part.positions[:, 1], 0.0)
    return part


def _resample(points: np.ndarray, count: int) -> np.ndarray:
    """``count`` points evenly spaced by arc length along a polyline."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    target = np.linspace(0.0, dist[-1], count)
    return np.column_stack([np.interp(target, dist, points[:, k]) for k in range(3)])


def body_parts(p: Proportions, heads: dict[str, np.ndarray], *, feminine: bool, res: int) -> list[Part]:
    parts = [torso(p, heads, feminine=feminine, res=res), neck(p, heads, feminine=feminine, res=res)]
    for side in ("L", "R"):
        parts.append(arm(p, heads, side, feminine=feminine, res=res))
        parts += hand(p, heads, side, feminine=feminine, res=res)
        parts.append(leg(p, heads, side, feminine=feminine, res=res))
        parts.append(foot(p, heads, side, feminine=feminine, res=res))
    return parts
