"""The humanoid skeleton: VRoid-style joint names, T-pose rest positions, VRM 1.0 / 0.x bone maps.

Built facing +Z with +Y up (VRM 1.0's rest pose); the avatar's left is +X. The VRM 0.x writer turns
the finished model 180° about Y. Every node has an identity rotation, so a joint's translation is its
head position minus its parent's (what VRM 0.x requires of a T-pose and what VRM 1.0 recommends).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
_FINGER_1 = {"Thumb": "thumb", "Index": "index", "Middle": "middle", "Ring": "ring", "Little": "little"}
_SEGMENTS_1 = ("Proximal", "Intermediate", "Distal")
_THUMB_1 = ("Metacarpal", "Proximal", "Distal")  # VRM 1.0 renamed the thumb's joints
_THUMB_0 = ("Proximal", "Intermediate", "Distal")


@dataclass(frozen=True)
class Bone:
    name: str
    parent: str | None
    head: tuple[float, float, float]


@dataclass(frozen=True)
class Proportions:
    """Body measurements in metres for one base (feminine / masculine)."""

    height: float
    hip_half_width: float
    shoulder_half_width: float
    head_radius: float
    leg_fraction: float
    arm_length: float
    hand_length: float


FEMININE = Proportions(
    height=1.58,
    hip_half_width=0.082,
    shoulder_half_width=0.105,
    head_radius=0.105,
    leg_fraction=0.50,
    arm_length=0.50,
    hand_length=0.15,
)
MASCULINE = Proportions(
    height=1.72,
    hip_half_width=0.088,
    shoulder_half_width=0.135,
    head_radius=0.108,
    leg_fraction=0.49,
    arm_length=0.56,
    hand_length=0.17,
)


def build_bones(p: Proportions) -> list[Bone]:
    """All humanoid joints (hips first, parents before children)."""
    h = p.height
    hip_y = h * p.leg_fraction + 0.03 * h
    bones = [
        Bone("J_Bip_C_Hips", None, (0.0, hip_y, 0.0)),
        Bone("J_Bip_C_Spine", "J_Bip_C_Hips", (0.0, hip_y + 0.055 * h, -0.005)),
        Bone("J_Bip_C_Chest", "J_Bip_C_Spine", (0.0, hip_y + 0.13 * h, -0.008)),
        Bone("J_Bip_C_UpperChest", "J_Bip_C_Chest", (0.0, hip_y + 0.19 * h, -0.01)),
        Bone("J_Bip_C_Neck", "J_Bip_C_UpperChest", (0.0, 0.835 * h, -0.012)),
        Bone("J_Bip_C_Head", "J_Bip_C_Neck", (0.0, 0.875 * h, -0.005)),
    ]
    eye_y = 0.875 * h + p.head_radius * 0.78
    for side, sx in (("L", 1.0), ("R", -1.0)):
        bones.append(Bone(f"J_Adj_{side}_FaceEye", "J_Bip_C_Head", (sx * 0.034, eye_y, 0.06)))
        bones += _arm(p, side, sx)
        bones += _leg(p, side, sx, hip_y)
    return bones


def _arm(p: Proportions, side: str, sx: float) -> list[Bone]:
    h = p.height
    y = 0.815 * h
    sw = p.shoulder_half_width
    upper = 0.53 * p.arm_length
    hand_x = sw + p.arm_length
    out = [
        Bone(f"J_Bip_{side}_Shoulder", "J_Bip_C_UpperChest", (sx * 0.022, y - 0.005, -0.01)),
        Bone(f"J_Bip_{side}_UpperArm", f"J_Bip_{side}_Shoulder", (sx * sw, y, -0.015)),
        Bone(f"J_Bip_{side}_LowerArm", f"J_Bip_{side}_UpperArm", (sx * (sw + upper), y, -0.02)),
        Bone(f"J_Bip_{side}_Hand", f"J_Bip_{side}_LowerArm", (sx * hand_x, y, -0.015)),
    ]
    palm = 0.45 * p.hand_length
    finger = 0.55 * p.hand_length
    spread = {"Index": 0.022, "Middle": 0.007, "Ring": -0.008, "Little": -0.022}
    lengths = {"Index": 0.95, "Middle": 1.0, "Ring": 0.95, "Little": 0.78}
    for name in FINGERS:
        parent = f"J_Bip_{side}_Hand"
        if name == "Thumb":
            start = np.array([hand_x + 0.018, y - 0.012, 0.006])
            step = np.array([0.55, -0.1, 0.83]) * finger * 0.33
        else:
            start = np.array([hand_x + palm, y, -0.015 + spread[name]])
            step = np.array([1.0, 0.0, 0.0]) * finger * lengths[name] / 3.0
        for k in range(3):
            pos = start + step * k * (1.0 if k < 2 else 0.9)
            out.append(Bone(f"J_Bip_{side}_{name}{k + 1}", parent, (sx * pos[0], pos[1], pos[2])))
            parent = f"J_Bip_{side}_{name}{k + 1}"
    return out


def _leg(p: Proportions, side: str, sx: float, hip_y: float) -> list[Bone]:
    h = p.height
    x = p.hip_half_width
    return [
        Bone(f"J_Bip_{side}_UpperLeg", "J_Bip_C_Hips", (sx * x, hip_y - 0.045 * h, 0.0)),
        Bone(f"J_Bip_{side}_LowerLeg", f"J_Bip_{side}_UpperLeg", (sx * x * 0.92, 0.285 * h, 0.004)),
        Bone(f"J_Bip_{side}_Foot", f"J_Bip_{side}_LowerLeg", (sx * x * 0.88, 0.048 * h, -0.012)),
        Bone(
            f"J_Bip_{side}_ToeBase", f"J_Bip_{side}_Foot", (sx * x * 0.9, 0.012 * h, 0.085 + 0.02 * (h - 1.6))
        ),
    ]


def _humanoid_names() -> dict[str, tuple[str, str]]:
    """VRoid joint name -> (VRM 1.0 bone, VRM 0.x bone)."""
    table: dict[str, tuple[str, str]] = {}
    for name in ("Hips", "Spine", "Chest", "UpperChest", "Neck", "Head"):
        bone = name[0].lower() + name[1:]
        table[f"J_Bip_C_{name}"] = (bone, bone)
    for side, word in (("L", "left"), ("R", "right")):
        table[f"J_Adj_{side}_FaceEye"] = (f"{word}Eye", f"{word}Eye")
        for part, bone in (
            ("Shoulder", "Shoulder"),
            ("UpperArm", "UpperArm"),
            ("LowerArm", "LowerArm"),
            ("Hand", "Hand"),
            ("UpperLeg", "UpperLeg"),
            ("LowerLeg", "LowerLeg"),
            ("Foot", "Foot"),
            ("ToeBase", "Toes"),
        ):
            table[f"J_Bip_{side}_{part}"] = (word + bone, word + bone)
        for finger in FINGERS:
            names1 = _THUMB_1 if finger == "Thumb" else _SEGMENTS_1
            names0 = _THUMB_0 if finger == "Thumb" else _SEGMENTS_1
            for k in range(3):
                base = word + _FINGER_1[finger].capitalize()
                table[f"J_Bip_{side}_{finger}{k + 1}"] = (base + names1[k], base + names0[k])
    return table


HUMANOID = _humanoid_names()
#: VRoid joint name -> VRM 1.0 humanoid bone name
VRM1_BONES = {joint: names[0] for joint, names in HUMANOID.items()}
#: VRoid joint name -> VRM 0.x humanoid bone name
VRM0_BONES = {joint: names[1] for joint, names in HUMANOID.items()}

REQUIRED_VRM1 = frozenset(
    {
        "hips",
        "spine",
        "head",
        "leftUpperLeg",
        "leftLowerLeg",
        "leftFoot",
        "rightUpperLeg",
        "rightLowerLeg",
        "rightFoot",
        "leftUpperArm",
        "leftLowerArm",
        "leftHand",
        "rightUpperArm",
        "rightLowerArm",
        "rightHand",
    }
)
REQUIRED_VRM0 = REQUIRED_VRM1 | {"chest", "neck"}


def head_positions(bones: list[Bone]) -> dict[str, np.ndarray]:
    return {b.name: np.asarray(b.head, np.float64) for b in bones}


def segments(bones: list[Bone]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each joint as a line segment (head, tail) for skinning; tails follow the main child."""
    heads = head_positions(bones)
    children: dict[str, list[str]] = {}
    for b in bones:
        if b.parent:
            children.setdefault(b.parent, []).append(b.name)
    main_child = {
        "J_Bip_C_Hips": "J_Bip_C_Spine",
        "J_Bip_C_UpperChest": "J_Bip_C_Neck",
        "J_Bip_L_Hand": "J_Bip_L_Middle1",
        "J_Bip_R_Hand": "J_Bip_R_Middle1",
    }
    out = {}
    for b in bones:
        head = heads[b.name]
        kids = children.get(b.name, [])
        child = main_child.get(b.name) or (kids[0] if len(kids) == 1 else None)
        if child is not None:
            tail = heads[child]
        elif b.parent is not None and b.name != "J_Bip_C_Head":
            direction = head - heads[b.parent]
            tail = head + direction / max(np.linalg.norm(direction), 1e-9) * 0.02
        else:
            tail = head + np.array([0.0, 0.16, 0.0])
        out[b.name] = (head, tail)
    return out
