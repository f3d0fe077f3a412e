"""Morph targets as displacement fields: body shape, face shape, and the expression building blocks.

Every field is a function of rest position, normal, skin weights (as region masks) and the face
landmarks, so the same definition deforms the body, the clothes fitted over it and the eyes.
Amounts are in metres at 1.6 m height and scale with the avatar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from studio.procedural.geometry import gaussian
from studio.procedural.head import FaceLayout


@dataclass
class Surface:
    """What a displacement field may look at for one primitive."""

    positions: np.ndarray
    normals: np.ndarray
    joints: np.ndarray
    weights: np.ndarray
    joint_names: list[str]
    #: "skin", "cloth", "eye", "iris", "head", "hair" - eyes move with eye morphs only
    kind: str

    def mask(self, *prefixes: str) -> np.ndarray:
        """Sum of the skin weights of joints whose name contains any of ``prefixes``."""
        hit = np.array([any(p in name for p in prefixes) for name in self.joint_names])
        return (self.weights * hit[self.joints]).sum(axis=1)


def _total(items: Iterable[np.ndarray]) -> np.ndarray:
    return np.sum(list(items), axis=0)


def _side(pos: np.ndarray, soft: float) -> np.ndarray:
    """Outwards along x, easing to nothing at the midline over ``soft`` metres: a hard sign() moved
    the two sides of the chin or crotch through each other at -1 and folded the skin there."""
    return np.column_stack([np.tanh(pos[:, 0] / soft), np.zeros(len(pos)), np.zeros(len(pos))])


def _band(y: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-(((y - centre) / width) ** 2))


def _bumps(p: np.ndarray, centres: list[list[float]], radius: list[float], scale: float) -> np.ndarray:
    return _total(gaussian(p, np.asarray(c) * scale, np.asarray(radius) * scale) for c in centres)


def body_fields(s: Surface, heads: dict[str, np.ndarray], scale: float) -> dict[str, np.ndarray]:
    """Body-shape morphs (seed 004 bodyMorphs) at weight 1, for skin and the clothes over it."""
    p, n = s.positions, s.normals.astype(np.float64)
    limbs = s.mask("UpperArm", "LowerArm", "UpperLeg", "LowerLeg")
    torso = s.mask("Hips", "Spine", "Chest")
    hips_y, waist_y = heads["J_Bip_C_Hips"][1], heads["J_Bip_C_Spine"][1] + 0.03 * scale
    chest_y, calf_y = (
        heads["J_Bip_C_UpperChest"][1] - 0.045 * scale,
        heads["J_Bip_L_LowerLeg"][1] - 0.1 * scale,
    )
    front = (p[:, 2] > 0).astype(np.float64)
    chest = (
        _bumps(p, [[sx * 0.058, chest_y / scale, 0.1] for sx in (1, -1)], [0.06, 0.055, 0.12], scale) * front
    )
    belly = _bumps(p, [[0, waist_y / scale - 0.02, 0.09]], [0.1, 0.09, 0.1], scale) * front
    glutes = _bumps(
        p, [[sx * 0.06, hips_y / scale - 0.04, -0.09] for sx in (1, -1)], [0.07, 0.07, 0.08], scale
    )
    sh = heads["J_Bip_L_UpperArm"] / scale
    shoulders = _bumps(p, [[sx * sh[0], sh[1], sh[2]] for sx in (1, -1)], [0.05, 0.05, 0.06], scale)
    hips_band = _band(p[:, 1], hips_y - 0.03 * scale, 0.09 * scale) * s.mask("Hips", "UpperLeg")

    def along_normal(amount: np.ndarray | float) -> np.ndarray:
        return n * np.broadcast_to(amount, (len(p),))[:, None]

    fields = {
        "muscularity": along_normal(0.01 * (limbs + s.mask("Shoulder", "UpperChest"))),
        "chest_size": np.outer(chest * 0.03, [0.0, -0.15, 1.0]),
        "weight": along_normal(0.006 + 0.012 * torso + 0.006 * limbs + 0.015 * belly),
        "calf_size": along_normal(0.01 * s.mask("LowerLeg") * _band(p[:, 1], calf_y, 0.08 * scale)),
        "hip_width": _side(p, 0.04 * scale) * (0.022 * hips_band)[:, None],
        "waist_size": along_normal(0.02 * _band(p[:, 1], waist_y, 0.06 * scale) * torso),
        "shoulder_width": _side(p, 0.03 * scale) * (0.015 * shoulders)[:, None],
        "belly": np.outer(belly * 0.035, [0.0, -0.1, 1.0]),
        "glute_size": np.outer(glutes * (p[:, 2] < 0) * 0.025, [0.0, 0.0, -1.0]),
        "thigh_size": along_normal(0.012 * s.mask("UpperLeg")),
        "arm_size": along_normal(0.008 * s.mask("UpperArm", "LowerArm")),
        "neck_thickness": along_normal(0.008 * s.mask("Neck")),
    }
    return {k: v * scale for k, v in fields.items()}


def face_fields(s: Surface, f: FaceLayout) -> dict[str, np.ndarray]:
    """Face-shape morphs (seed 004 faceMorphs) for the head, ears and eyes."""
    p, n = s.positions, s.normals.astype(np.float64)
    hr = f.radius
    eye = float(s.kind in ("eye", "iris"))
    skin = 1.0 - eye
    rel = p - f.center
    front = np.clip(rel[:, 2] / hr * 2.0, 0, 1)
    below_mouth = np.clip((f.mouth[1] + hr * 0.1 - p[:, 1]) / (hr * 0.3), 0, 1)
    eye_c = np.where(p[:, :1] > 0, f.eyes[0], f.eyes[1])
    corners = [f.mouth + np.array([sx * f.mouth_half_width, 0, -hr * 0.05]) for sx in (1.0, -1.0)]
    mouth_g = gaussian(p, f.mouth, hr * np.array([0.3, 0.12, 0.25]))
    nose_g = gaussian(p, f.nose + np.array([0, hr * 0.06, 0]), hr * np.array([0.15, 0.25, 0.3]))
    fields = {
        "jaw_width": _side(p, 0.15 * hr) * (0.1 * hr * below_mouth * skin)[:, None],
        "lip_fullness": np.outer(mouth_g * 0.06 * hr * front * skin, [0, 0, 1]),
        "eye_size": (p - eye_c) * 0.3 * eye,
        "nose_size": (p - f.nose) * (0.35 * nose_g * skin)[:, None],
        "nose_length": np.outer(
            gaussian(p, f.nose, hr * np.array([0.12, 0.12, 0.3])) * 0.1 * hr * skin, [0, -0.2, 1]
        ),
        "chin_length": np.outer(
            below_mouth * gaussian(p, f.chin, hr * 0.45) * 0.12 * hr * skin, [0, -1, 0.3]
        ),
        "cheek_fullness": n
        * (_total(gaussian(p, c, hr * 0.28) for c in f.cheeks) * 0.06 * hr * skin)[:, None],
        "brow_height": np.outer(
            _total(gaussian(p, b, hr * np.array([0.3, 0.12, 0.3])) for b in f.brows) * 0.06 * hr * skin,
            [0, 1, 0],
        ),
        "eye_spacing": _side(p, 0.02 * hr) * 0.06 * hr * eye,
        "face_width": np.column_stack([rel[:, 0] * 0.08 * front * skin, np.zeros(len(p)), np.zeros(len(p))]),
        "mouth_width": _side(p, 0.05 * hr)
        * (_total(gaussian(p, c, hr * 0.15) for c in corners) * 0.06 * hr * skin)[:, None],
        "forehead_height": np.outer(
            np.clip((rel[:, 1] - hr * 0.3) / (hr * 0.8), 0, 1) * 0.08 * hr * skin, [0, 1, 0]
        ),
    }
    return fields


def expression_atoms(s: Surface, f: FaceLayout) -> dict[str, np.ndarray]:
    """The moving parts expressions are mixed from: mouth, brows, eyelids."""
    eye = float(s.kind in ("eye", "iris"))
    atoms = {
        **_mouth_atoms(s.positions, f, 1.0 - eye),
        **_brow_atoms(s.positions, f, 1.0 - eye),
        **_eye_atoms(s.positions, f, eye),
    }
    # one-sided variants (the avatar's left is +X), blended smoothly across the face's midline
    left = 1.0 / (1.0 + np.exp(-s.positions[:, 0] / (f.radius * 0.08)))
    for name in ("brow_up", "brow_angry", "brow_sad", "mouth_smile", "mouth_frown"):
        atoms[name + "_L"] = atoms[name] * left[:, None]
        atoms[name + "_R"] = atoms[name] * (1.0 - left)[:, None]
    return atoms


def _mouth_atoms(p: np.ndarray, f: FaceLayout, skin: float) -> dict[str, np.ndarray]:
    hr = f.radius
    front = np.clip((p[:, 2] - f.center[2]) / hr * 2.0, 0, 1) * skin
    lower = np.clip((f.mouth[1] - p[:, 1]) / (hr * 0.05), 0, 1)
    jaw = gaussian(p, f.chin + np.array([0, hr * 0.15, 0]), hr * np.array([0.55, 0.45, 0.6])) * lower * front
    radius = hr * np.array([0.14, 0.12, 0.3])
    corners = [
        (gaussian(p, f.mouth + np.array([sx * f.mouth_half_width, 0, 0]), radius) * front, sx)
        for sx in (1.0, -1.0)
    ]
    lips = gaussian(p, f.mouth, hr * np.array([0.28, 0.15, 0.3])) * front

    def corner_move(amount: float, direction: tuple[float, float, float]) -> np.ndarray:
        """Both mouth corners moved; the x component is mirrored (positive = outward)."""
        dx, dy, dz = direction
        return _total(np.outer(c * hr * amount, [sx * dx, dy, dz]) for c, sx in corners)

    return {
        "mouth_open": np.outer(jaw * hr * 0.22, [0, -1, -0.25]),
        "mouth_smile": corner_move(0.08, (-0.3, 1, -0.4)),
        "mouth_frown": corner_move(0.07, (0.1, -1, 0)),
        "mouth_wide": corner_move(0.1, (1, 0.1, -0.2)),
        "mouth_pucker": np.outer(lips * hr * 0.08, [0, 0, 1]) + corner_move(0.09, (-1, 0, 0.3)),
    }


def _brow_atoms(p: np.ndarray, f: FaceLayout, skin: float) -> dict[str, np.ndarray]:
    hr = f.radius
    whole = _total(gaussian(p, b, hr * np.array([0.35, 0.15, 0.3])) for b in f.brows) * hr * skin
    inner = (
        _total(
            gaussian(p, b - np.array([b[0] * 0.5, 0, 0]), hr * np.array([0.2, 0.15, 0.3])) for b in f.brows
        )
        * hr
        * skin
    )
    return {
        "brow_up": np.outer(whole * 0.1, [0, 1, 0]),
        "brow_angry": np.outer(inner * 0.08, [0, -1, 0.2]),
        "brow_sad": np.outer(inner * 0.08, [0, 1, 0]),
    }


def _eye_atoms(p: np.ndarray, f: FaceLayout, eye: float) -> dict[str, np.ndarray]:
    hr = f.radius
    zero = np.zeros(len(p))
    out = {}
    for side, c in zip(("L", "R"), f.eyes, strict=True):
        mask = eye * ((p[:, 0] > 0) if side == "L" else (p[:, 0] <= 0))
        lid_y = c[1] - f.eye_radii[1] * 0.35
        lid = gaussian(p, c + np.array([0, hr * 0.2, 0]), hr * 0.2) * (1.0 - eye) * hr * -0.04
        out[f"eye_close_{side}"] = np.column_stack(
            [zero, (lid_y - p[:, 1]) * 0.93 * mask + lid, (c[2] - p[:, 2]) * 0.3 * mask]
        )
        smile_y = c[1] + f.eye_radii[1] * 0.2
        out[f"eye_smile_{side}"] = np.column_stack(
            [zero, np.maximum(smile_y - p[:, 1], 0) * 0.85 * mask, zero]
        )
        out[f"eye_wide_{side}"] = np.column_stack([zero, (p[:, 1] - c[1]) * 0.18 * mask, zero])
    return out


#: VRM preset -> (morph target name, {atom: weight}); VRoid's Fcl_* names for the targets
EXPRESSIONS: dict[str, tuple[str, dict[str, float]]] = {
    "happy": ("Fcl_ALL_Joy", {"mouth_smile": 1.0, "eye_smile_L": 0.9, "eye_smile_R": 0.9, "brow_up": 0.3}),
    "angry": (
        "Fcl_ALL_Angry",
        {"brow_angry": 1.0, "mouth_frown": 0.6, "eye_smile_L": 0.25, "eye_smile_R": 0.25},
    ),
    "sad": ("Fcl_ALL_Sorrow", {"brow_sad": 1.0, "mouth_frown": 0.9, "eye_close_L": 0.2, "eye_close_R": 0.2}),
    "relaxed": ("Fcl_ALL_Fun", {"mouth_smile": 0.7, "eye_close_L": 0.45, "eye_close_R": 0.45}),
    "surprised": (
        "Fcl_ALL_Surprised",
        {"brow_up": 1.0, "mouth_open": 0.5, "mouth_pucker": 0.3, "eye_wide_L": 1.0, "eye_wide_R": 1.0},
    ),
    "aa": ("Fcl_MTH_A", {"mouth_open": 1.0}),
    "ih": ("Fcl_MTH_I", {"mouth_wide": 1.0, "mouth_open": 0.25}),
    "ou": ("Fcl_MTH_U", {"mouth_pucker": 1.0, "mouth_open": 0.25}),
    "ee": ("Fcl_MTH_E", {"mouth_wide": 0.6, "mouth_open": 0.5}),
    "oh": ("Fcl_MTH_O", {"mouth_open": 0.8, "mouth_pucker": 0.6}),
    "blink": ("Fcl_EYE_Close", {"eye_close_L": 1.0, "eye_close_R": 1.0}),
    "blinkLeft": ("Fcl_EYE_Close_L", {"eye_close_L": 1.0}),
    "blinkRight": ("Fcl_EYE_Close_R", {"eye_close_R": 1.0}),
}
#: every VRM 1.0 preset the avatars declare ("neutral" binds nothing: it is the rest face)
EXPRESSION_PRESETS: tuple[str, ...] = (*EXPRESSIONS, "neutral")

#: extra VRoid-style face targets the heavy avatars carry (real deformations, mixed from atoms)
_HEAVY_PARTS: dict[str, dict[str, dict[str, float]]] = {
    "BRW": {
        "Angry": {"brow_angry": 1},
        "Fun": {"brow_up": 0.4},
        "Joy": {"brow_up": 0.6},
        "Sorrow": {"brow_sad": 1},
        "Surprised": {"brow_up": 1},
        "Up_L": {"brow_up_L": 1},
        "Up_R": {"brow_up_R": 1},
        "Angry_L": {"brow_angry_L": 1},
        "Angry_R": {"brow_angry_R": 1},
        "Sorrow_L": {"brow_sad_L": 1},
        "Sorrow_R": {"brow_sad_R": 1},
    },
    "EYE": {
        "Angry": {"eye_smile_L": 0.4, "eye_smile_R": 0.4},
        "Fun": {"eye_close_L": 0.5, "eye_close_R": 0.5},
        "Joy": {"eye_smile_L": 1, "eye_smile_R": 1},
        "Joy_L": {"eye_smile_L": 1},
        "Joy_R": {"eye_smile_R": 1},
        "Sorrow": {"eye_close_L": 0.3, "eye_close_R": 0.3},
        "Surprised": {"eye_wide_L": 1, "eye_wide_R": 1},
        "Spread": {"eye_wide_L": 0.5, "eye_wide_R": 0.5},
        "Natural": {"eye_close_L": 0.1, "eye_close_R": 0.1},
        "Wide_L": {"eye_wide_L": 1},
        "Wide_R": {"eye_wide_R": 1},
        "Half": {"eye_close_L": 0.5, "eye_close_R": 0.5},
        "Half_L": {"eye_close_L": 0.5},
        "Half_R": {"eye_close_R": 0.5},
        "Sorrow_L": {"eye_close_L": 0.3},
        "Sorrow_R": {"eye_close_R": 0.3},
        "Angry_L": {"eye_smile_L": 0.4},
        "Angry_R": {"eye_smile_R": 0.4},
    },
    "MTH": {
        "Up": {"mouth_smile": 0.5},
        "Down": {"mouth_frown": 1},
        "Angry": {"mouth_frown": 0.7, "mouth_wide": 0.3},
        "Small": {"mouth_pucker": 0.6},
        "Large": {"mouth_open": 0.6, "mouth_wide": 0.6},
        "Neutral": {"mouth_open": 0.05},
        "Fun": {"mouth_smile": 0.8, "mouth_open": 0.2},
        "Joy": {"mouth_smile": 1, "mouth_open": 0.4},
        "Sorrow": {"mouth_frown": 1, "mouth_open": 0.1},
        "Surprised": {"mouth_open": 0.7, "mouth_pucker": 0.4},
        "SkinFung": {"mouth_smile": 0.3, "mouth_wide": 0.2},
        "SkinFung_L": {"mouth_smile_L": 0.3},
        "SkinFung_R": {"mouth_smile_R": 0.3},
        "Up_L": {"mouth_smile_L": 0.5},
        "Up_R": {"mouth_smile_R": 0.5},
        "Down_L": {"mouth_frown_L": 1},
        "Down_R": {"mouth_frown_R": 1},
        "Fun_L": {"mouth_smile_L": 0.8},
        "Fun_R": {"mouth_smile_R": 0.8},
    },
}
HEAVY_FACE: dict[str, dict[str, float]] = {
    f"Fcl_{group}_{name}": mix for group, table in _HEAVY_PARTS.items() for name, mix in table.items()
}


def mix(atoms: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    first = next(iter(atoms.values()))
    out = np.zeros_like(first)
    for name, w in weights.items():
        out += atoms[name] * w
    return out
