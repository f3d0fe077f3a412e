"""Humanoid bone names: the VRM 1.0 list, the 0.x differences, and VRoid's ``J_Bip_*`` node names.

VRoid alias rule (docs/gltf.md): ``J_Bip_<side>_<Part>`` where side is C (centre), L or R; the part
is the bone name in PascalCase (``UpperArm``), ``ToeBase`` for toes, and fingers numbered from the
palm: ``Thumb1/2/3`` = thumbMetacarpal/Proximal/Distal, ``Index1/2/3`` (Middle, Ring, Little) =
Proximal/Intermediate/Distal. Eyes are ``J_Adj_<side>_FaceEye``. Matching ignores case.
"""

from __future__ import annotations

import re

_FINGERS = ("Index", "Middle", "Ring", "Little")
_SIDED = (
    "Shoulder",
    "UpperArm",
    "LowerArm",
    "Hand",
    "UpperLeg",
    "LowerLeg",
    "Foot",
    "Toes",
    "Eye",
    "ThumbMetacarpal",
    "ThumbProximal",
    "ThumbDistal",
    *(f"{f}{j}" for f in _FINGERS for j in ("Proximal", "Intermediate", "Distal")),
)
#: every VRM 1.0 humanoid bone name
VRM1_BONES: tuple[str, ...] = (
    "hips",
    "spine",
    "chest",
    "upperChest",
    "neck",
    "head",
    "jaw",
    *(f"{side}{part}" for side in ("left", "right") for part in _SIDED),
)
#: bones VRM 1.0 requires
REQUIRED_BONES: tuple[str, ...] = (
    "hips",
    "spine",
    "head",
    *(
        f"{side}{p}"
        for side in ("left", "right")
        for p in ("UpperArm", "LowerArm", "Hand", "UpperLeg", "LowerLeg", "Foot")
    ),
)
_BY_LOWER = {b.lower(): b for b in VRM1_BONES}

#: VRM 0.x bone names that differ from 1.0 (the thumb shifted one joint towards the palm)
VRM0_TO_VRM1: dict[str, str] = {
    f"{side}{a}": f"{side}{b}"
    for side in ("left", "right")
    for a, b in (
        ("ThumbProximal", "ThumbMetacarpal"),
        ("ThumbIntermediate", "ThumbProximal"),
        ("ThumbDistal", "ThumbDistal"),
    )
}
_VRM0_LOWER = {k.lower(): v for k, v in VRM0_TO_VRM1.items()}

_VROID = re.compile(r"^J_(?:Bip|Adj)_([CLR])_([A-Za-z]+?)(\d?)$", re.IGNORECASE)
_VROID_PARTS = {"toebase": "Toes", "faceeye": "Eye"}
_VROID_JOINTS = {"thumb": ("ThumbMetacarpal", "ThumbProximal", "ThumbDistal")}
_VROID_JOINTS.update({f.lower(): (f"{f}Proximal", f"{f}Intermediate", f"{f}Distal") for f in _FINGERS})


def vrm1_name(name: str, *, vrm0: bool = False) -> str | None:
    """The VRM 1.0 bone for a 1.0 name, a 0.x name or a VRoid node name; None if none matches.

    ``leftThumbProximal`` names a different joint in 0.x and 1.0: ``vrm0`` says which one is meant
    (the 1.0 one by default). ``leftThumbIntermediate`` exists only in 0.x and always maps."""
    key = name.strip().lower()
    if key in _VRM0_LOWER and (vrm0 or key not in _BY_LOWER):
        return _VRM0_LOWER[key]
    if key in _BY_LOWER:
        return _BY_LOWER[key]
    return vroid_to_vrm1(name)


def vroid_to_vrm1(node_name: str) -> str | None:
    match = _VROID.match(node_name.strip())
    if match is None:
        return None
    side, part, number = match.group(1).upper(), match.group(2).lower(), match.group(3)
    if part in _VROID_JOINTS:
        if not number or not 1 <= int(number) <= 3:
            return None
        bone = _VROID_JOINTS[part][int(number) - 1]
    elif number:
        return None
    else:
        bone = _VROID_PARTS.get(part, part)
    if side == "C":
        return (
            _BY_LOWER.get(bone.lower())
            if bone.lower() in ("hips", "spine", "chest", "upperchest", "neck", "head", "jaw")
            else None
        )
    prefix = "left" if side == "L" else "right"
    return _BY_LOWER.get(f"{prefix}{bone}".lower())


def vroid_name(bone: str) -> str | None:
    """The VRoid node name VRoid Studio gives VRM 1.0 bone ``bone`` (inverse of the rule above)."""
    if bone not in VRM1_BONES:
        return None
    for side, code in (("left", "L"), ("right", "R")):
        if bone.startswith(side):
            part = bone[len(side) :]
            for finger, joints in _VROID_JOINTS.items():
                if part in joints:
                    return f"J_Bip_{code}_{finger.capitalize()}{joints.index(part) + 1}"
            if part == "Eye":
                return f"J_Adj_{code}_FaceEye"
            return f"J_Bip_{code}_{'ToeBase' if part == 'Toes' else part}"
    return f"J_Bip_C_{bone[0].upper()}{bone[1:]}"
