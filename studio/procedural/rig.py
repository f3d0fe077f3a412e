"""Binding parts to the skeleton: which joints may influence which part, and turning parts into
skinned primitives with smooth normals."""

from __future__ import annotations

import numpy as np

from studio.procedural.geometry import Part, merge, vertex_normals
from studio.procedural.model import Joint, Primitive
from studio.procedural.skeleton import FINGERS, Bone, segments
from studio.procedural.skinning import rigid, skin


class Rig:
    """Joints with their bone segments, indexed like ``AvatarModel.joints``."""

    def __init__(self, bones: list[Bone], extra: list[Joint] | None = None) -> None:
        segs = segments(bones)
        self.joints = [Joint(b.name, b.parent, np.asarray(b.head, np.float64)) for b in bones]
        heads = [segs[b.name][0] for b in bones]
        tails = [segs[b.name][1] for b in bones]
        for joint in extra or []:
            self.joints.append(joint)
            heads.append(joint.head)
            tails.append(joint.head + np.array([0.0, -0.03, 0.0]))
        self.index = {j.name: i for i, j in enumerate(self.joints)}
        self.heads = np.array(heads)
        self.tails = np.array(tails)

    def set_tail(self, name: str, tail: np.ndarray) -> None:
        self.tails[self.index[name]] = tail

    def ids(self, names: list[str]) -> list[int]:
        return [self.index[n] for n in names]

    def candidates(self, part: Part) -> list[str] | None:
        """Joint names allowed to move ``part`` (None: rigid to the head)."""
        kind = part.tags.get("kind")
        side = str(part.tags.get("side", "L"))
        b = f"J_Bip_{side}_"
        table: dict[str, list[str]] = {
            "torso": [
                "J_Bip_C_Hips",
                "J_Bip_C_Spine",
                "J_Bip_C_Chest",
                "J_Bip_C_UpperChest",
                "J_Bip_C_Neck",
                "J_Bip_L_Shoulder",
                "J_Bip_R_Shoulder",
                "J_Bip_L_UpperArm",
                "J_Bip_R_UpperArm",
                "J_Bip_L_UpperLeg",
                "J_Bip_R_UpperLeg",
            ],
            "neck": ["J_Bip_C_UpperChest", "J_Bip_C_Neck", "J_Bip_C_Head"],
            "arm": ["J_Bip_C_UpperChest", b + "Shoulder", b + "UpperArm", b + "LowerArm", b + "Hand"],
            "hand": [b + "LowerArm", b + "Hand"] + [f"{b}{f}1" for f in FINGERS],
            "finger": [b + "Hand"] + [f"{b}{f}{k}" for f in FINGERS for k in (1, 2, 3)],
            "leg": ["J_Bip_C_Hips", b + "UpperLeg", b + "LowerLeg", b + "Foot"],
            "foot": [b + "LowerLeg", b + "Foot", b + "ToeBase"],
            "skirt": ["J_Bip_C_Hips", "J_Bip_C_Spine", "J_Bip_L_UpperLeg", "J_Bip_R_UpperLeg"],
        }
        return table.get(str(kind))

    def bind(
        self,
        part: Part,
        *,
        rigid_to: str = "J_Bip_C_Head",
        names: list[str] | None = None,
        power: float = 6.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        names = names or self.candidates(part)
        if names is None:
            return rigid(part.count, self.index[rigid_to])
        ids = self.ids(names)
        if part.tags.get("kind") == "finger":
            ids = self._nearest_finger(part, ids)
        return skin(part.positions, ids, self.heads, self.tails, power=power)

    def _nearest_finger(self, part: Part, ids: list[int]) -> list[int]:
        """A finger is skinned to the hand and its own three joints only (no bleeding across)."""
        centre = part.positions.mean(axis=0)
        hand, rest = ids[0], ids[1:]
        chains = [rest[i : i + 3] for i in range(0, len(rest), 3)]
        best = min(chains, key=lambda c: float(np.linalg.norm(self.heads[c].mean(axis=0) - centre)))
        return [hand, *best]


def primitive(material: str, parts: list[Part], rig: Rig, **bind: object) -> Primitive:
    """Merge ``parts`` (each skinned on its own) into one skinned primitive."""
    bound = [rig.bind(p, **bind) for p in parts]  # type: ignore[arg-type]
    merged = merge(parts)
    return Primitive(
        material=material,
        positions=merged.positions,
        normals=vertex_normals(merged.positions, merged.faces),
        uvs=merged.uvs,
        faces=merged.faces,
        joints=np.vstack([b[0] for b in bound]),
        weights=np.vstack([b[1] for b in bound]),
    )


def refresh_normals(prim: Primitive) -> None:
    prim.normals = vertex_normals(prim.positions, prim.faces)
