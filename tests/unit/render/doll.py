"""A small skinned VRM "doll" built in code, for renderer tests that must not need ../shared.

Boxes on a humanoid skeleton: a blue shirt (torso, arms), grey trousers, skin-coloured head and
hands, two dark eyes on the face, and one morph target ``wide`` that widens the head (bound to
the ``happy`` expression). ``version="1.0"`` faces +Z (VRMC_vrm), ``"0.x"`` faces -Z (VRM).
Colours are linear baseColorFactors.
"""

from __future__ import annotations

import numpy as np

from studio.gltf.builder import GltfBuilder
from studio.gltf.document import Document
from studio.gltf.glb import pack_glb

SKIN = (0.8, 0.5, 0.35, 1.0)
SHIRT = (0.05, 0.15, 0.6, 1.0)
TROUSERS = (0.2, 0.2, 0.2, 1.0)
EYES = (0.01, 0.01, 0.01, 1.0)

# bone: (parent, local translation); VRM 1.0 "left" is +X for an avatar facing +Z
BONES: dict[str, tuple[str | None, tuple[float, float, float]]] = {
    "hips": (None, (0.0, 0.95, 0.0)),
    "spine": ("hips", (0.0, 0.15, 0.0)),
    "chest": ("spine", (0.0, 0.2, 0.0)),
    "neck": ("chest", (0.0, 0.2, 0.0)),
    "head": ("neck", (0.0, 0.08, 0.0)),
    "leftUpperArm": ("chest", (0.2, 0.15, 0.0)),
    "leftLowerArm": ("leftUpperArm", (0.28, 0.0, 0.0)),
    "leftHand": ("leftLowerArm", (0.25, 0.0, 0.0)),
    "rightUpperArm": ("chest", (-0.2, 0.15, 0.0)),
    "rightLowerArm": ("rightUpperArm", (-0.28, 0.0, 0.0)),
    "rightHand": ("rightLowerArm", (-0.25, 0.0, 0.0)),
    "leftUpperLeg": ("hips", (0.1, -0.05, 0.0)),
    "leftLowerLeg": ("leftUpperLeg", (0.0, -0.42, 0.0)),
    "leftFoot": ("leftLowerLeg", (0.0, -0.42, 0.0)),
    "rightUpperLeg": ("hips", (-0.1, -0.05, 0.0)),
    "rightLowerLeg": ("rightUpperLeg", (0.0, -0.42, 0.0)),
    "rightFoot": ("rightLowerLeg", (0.0, -0.42, 0.0)),
}
# (material, bone, centre in model space, size)
BOXES = [
    ("shirt", "spine", (0.0, 1.25, 0.0), (0.38, 0.55, 0.2)),
    ("shirt", "leftUpperArm", (0.34, 1.45, 0.0), (0.28, 0.1, 0.1)),
    ("shirt", "leftLowerArm", (0.605, 1.45, 0.0), (0.25, 0.09, 0.09)),
    ("skin", "leftHand", (0.81, 1.45, 0.0), (0.14, 0.08, 0.1)),
    ("shirt", "rightUpperArm", (-0.34, 1.45, 0.0), (0.28, 0.1, 0.1)),
    ("shirt", "rightLowerArm", (-0.605, 1.45, 0.0), (0.25, 0.09, 0.09)),
    ("skin", "rightHand", (-0.81, 1.45, 0.0), (0.14, 0.08, 0.1)),
    ("trousers", "leftUpperLeg", (0.1, 0.69, 0.0), (0.14, 0.42, 0.14)),
    ("trousers", "leftLowerLeg", (0.1, 0.27, 0.0), (0.12, 0.42, 0.12)),
    ("trousers", "rightUpperLeg", (-0.1, 0.69, 0.0), (0.14, 0.42, 0.14)),
    ("trousers", "rightLowerLeg", (-0.1, 0.27, 0.0), (0.12, 0.42, 0.12)),
    ("skin", "neck", (0.0, 1.58, 0.0), (0.08, 0.1, 0.08)),
    ("skin", "head", (0.0, 1.74, 0.0), (0.2, 0.24, 0.2)),
    ("eyes", "head", (0.045, 1.77, 0.1), (0.035, 0.035, 0.01)),
    ("eyes", "head", (-0.045, 1.77, 0.1), (0.035, 0.035, 0.01)),
]
MATERIALS = {"skin": SKIN, "shirt": SHIRT, "trousers": TROUSERS, "eyes": EYES}


def _box(center: tuple[float, ...], size: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c, h = np.asarray(center), np.asarray(size) / 2
    pos, nrm, idx = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sign
            u, v = (np.eye(3)[a] for a in range(3) if a != axis)
            if np.dot(np.cross(u, v), n) < 0:  # counter-clockwise seen from outside: the front face
                u, v = v, u
            base = len(pos)
            for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                pos.append(c + h * (n + a * u + b * v))
                nrm.append(n)
            idx += [base, base + 1, base + 2, base, base + 2, base + 3]
    return np.array(pos, np.float32), np.array(nrm, np.float32), np.array(idx, np.uint32)


def _bone_world() -> dict[str, np.ndarray]:
    world: dict[str, np.ndarray] = {}
    for name, (parent, t) in BONES.items():
        world[name] = (world[parent] if parent else np.zeros(3)) + np.asarray(t)
    return world


def build_doll(version: str = "1.0") -> Document:
    """The doll as a Document; VRM 0.x variant is turned to face -Z."""
    flip = version == "0.x"
    b = GltfBuilder()
    names = list(BONES)
    joint_of = {n: i for i, n in enumerate(names)}
    for name, (_parent, t) in BONES.items():
        kids = [joint_of[c] for c, (p, _) in BONES.items() if p == name]
        tt = (-t[0], t[1], -t[2]) if flip else t
        b.add_node({"name": name, "translation": list(tt), **({"children": kids} if kids else {})})
    world = _bone_world()
    ibm = np.stack([np.eye(4) for _ in names]).astype(np.float32)
    for i, n in enumerate(names):
        p = world[n] * (np.array([-1, 1, -1]) if flip else 1)
        ibm[i][:3, 3] = -p
    mats = {m: b.add_material({"name": m, "pbrMetallicRoughness": {"baseColorFactor": list(c)}})
            for m, c in MATERIALS.items()}
    prims = [_primitive(b, m, mats[m], joint_of, flip) for m in MATERIALS]
    mesh = b.add_mesh({"name": "body", "primitives": prims, "extras": {"targetNames": ["wide"]}})
    skin = b.add_skin({"joints": list(range(len(names))),
                       "inverseBindMatrices": b.add_accessor(ibm.transpose(0, 2, 1).reshape(-1, 16),
                                                             target=None, matrix=True)})
    body = b.add_node({"name": "body", "mesh": mesh, "skin": skin})
    b.add_scene([0, body])
    _add_vrm(b, version, joint_of, body, mesh)
    return b.build()


def _primitive(b: GltfBuilder, material: str, index: int, joint_of: dict[str, int], flip: bool) -> dict:
    parts = [(bone, *_box(c, s)) for m, bone, c, s in BOXES if m == material]
    pos_l, nrm_l, idx_l, joints_l, wide_l = [], [], [], [], []
    base = 0
    for bone, pos, nrm, idx in parts:
        pos_l.append(pos)
        nrm_l.append(nrm)
        idx_l.append(idx + base)
        joints_l.append(np.tile([joint_of[bone], 0, 0, 0], (len(pos), 1)))
        wide = np.zeros_like(pos)
        if bone == "head":
            wide[:, 0] = pos[:, 0] * 0.6  # the head (and the eyes on it) grows 60% wider
        wide_l.append(wide)
        base += len(pos)
    pos, nrm = np.concatenate(pos_l), np.concatenate(nrm_l)
    wide = np.concatenate(wide_l)
    if flip:
        pos, nrm, wide = pos * [-1, 1, -1], nrm * [-1, 1, -1], wide * [-1, 1, -1]
    weights = np.tile(np.array([1, 0, 0, 0], np.float32), (len(pos), 1))
    return {
        "attributes": {
            "POSITION": b.add_accessor(pos.astype(np.float32), min_max=True),
            "NORMAL": b.add_accessor(nrm.astype(np.float32)),
            "JOINTS_0": b.add_accessor(np.concatenate(joints_l).astype(np.uint16)),
            "WEIGHTS_0": b.add_accessor(weights),
        },
        "indices": b.add_indices(np.concatenate(idx_l)),
        "material": index,
        "targets": [{"POSITION": b.add_morph_deltas(wide.astype(np.float32))}],
    }


def _add_vrm(b: GltfBuilder, version: str, joint_of: dict[str, int], body: int, mesh: int) -> None:
    if version == "0.x":
        b.set_extension("VRM", {
            "specVersion": "0.0",
            "meta": {"title": "doll", "version": "1", "author": "tests", "allowedUserName": "Everyone",
                     "violentUssageName": "Disallow", "sexualUssageName": "Disallow",
                     "commercialUssageName": "Allow", "licenseName": "CC0"},
            "humanoid": {"humanBones": [{"bone": n, "node": i} for n, i in joint_of.items()]},
            "blendShapeMaster": {"blendShapeGroups": [
                {"name": "Joy", "presetName": "joy", "binds": [{"mesh": mesh, "index": 0, "weight": 100}]},
            ]},
        })
        return
    b.set_extension("VRMC_vrm", {
        "specVersion": "1.0",
        "meta": {"name": "doll", "version": "1", "authors": ["tests"], "licenseUrl":
                 "https://vrm.dev/licenses/1.0/", "avatarPermission": "everyone",
                 "allowRedistribution": True, "modification": "allowModification",
                 "commercialUsage": "personalNonProfit"},
        "humanoid": {"humanBones": {n: {"node": i} for n, i in joint_of.items()}},
        "expressions": {
            "preset": {"happy": {"morphTargetBinds": [{"node": body, "index": 0, "weight": 1.0}]}}
        },
    })


def doll_glb(version: str = "1.0") -> bytes:
    doc = build_doll(version)
    return pack_glb(doc.json, doc.bin)
