"""Valid avatar-like GLB/VRM files made from scratch, for tests, fuzz seeds and the benchmark.

A grid mesh (positions, unit normals, UVs, 4 joint weights, uint32 indices), morph targets, a
bone chain named like VRoid (``J_Bip_C_Hips``...) with a skin, embedded PNG/JPEG textures, and
optionally a VRM 0.x or 1.0 extension mapping the bones and binding the morphs as expressions.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from studio.gltf.glb import pack_glb

#: the spine chain; the mesh is skinned to these (vertex height picks the bone)
SPINE = ("J_Bip_C_Hips", "J_Bip_C_Spine", "J_Bip_C_Chest", "J_Bip_C_Neck", "J_Bip_C_Head")
_LIMBS = {  # VRoid name -> (parent, translation); legs hang from the hips, arms from the chest
    f"J_Bip_{s}_{part}": (parent if i == 0 else f"J_Bip_{s}_{chain[i - 1]}", offset)
    for s, sign in (("L", 1.0), ("R", -1.0))
    for parent, chain, offsets in (
        (
            "J_Bip_C_Hips",
            ("UpperLeg", "LowerLeg", "Foot"),
            ([0.1, -0.05, 0.0], [0.0, -0.35, 0.0], [0.0, -0.35, 0.0]),
        ),
        (
            "J_Bip_C_Chest",
            ("UpperArm", "LowerArm", "Hand"),
            ([0.2, 0.2, 0.0], [0.25, 0.0, 0.0], [0.25, 0.0, 0.0]),
        ),
    )
    for i, (part, offset) in enumerate(zip(chain, [[o[0] * sign, o[1], o[2]] for o in offsets], strict=True))
}
#: every bone node; with the spine they cover every bone VRM requires (0.x: chest and neck too)
BONES = SPINE + tuple(_LIMBS)
BONE_NAMES_1 = (
    "hips",
    "spine",
    "chest",
    "neck",
    "head",
    *(f"{'left' if n[6] == 'L' else 'right'}{n[8:]}" for n in _LIMBS),
)


class _Bin:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.views: list[dict[str, Any]] = []

    def add(self, data: bytes, target: int | None = None) -> int:
        pad = -self.size % 4
        if pad:
            self.parts.append(b"\0" * pad)
            self.size += pad
        view: dict[str, Any] = {"buffer": 0, "byteOffset": self.size, "byteLength": len(data)}
        if target:
            view["target"] = target
        self.parts.append(data)
        self.size += len(data)
        self.views.append(view)
        return len(self.views) - 1


def _texture(size: int, fmt: str, seed: int) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    rgb = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], np.full((size, size), 128.0)), axis=-1)
    rgb = (rgb + rng.normal(0, 40, rgb.shape)).clip(0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    return out.getvalue()


def _grid(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    side = max(int(np.sqrt(n)), 2)
    u, v = np.meshgrid(np.linspace(0, 1, side, dtype=np.float32), np.linspace(0, 1, side, dtype=np.float32))
    pos = np.stack([u.ravel() - 0.5, v.ravel() * 1.6, np.zeros(u.size, np.float32)], axis=1)
    normals = np.tile(np.array([0, 0, 1], np.float32), (u.size, 1))
    uv = np.stack([u.ravel(), 1 - v.ravel()], axis=1).astype(np.float32)
    quads = np.arange(side * side).reshape(side, side)[:-1, :-1].ravel()
    tri = np.stack([quads, quads + 1, quads + side, quads + 1, quads + side + 1, quads + side], axis=1)
    return pos, normals, uv, tri.astype(np.uint32).ravel()


def _accessor(acc: list[dict[str, Any]], view: int, ctype: int, type_: str, count: int, **kw: Any) -> int:
    acc.append({"bufferView": view, "componentType": ctype, "type": type_, "count": count, **kw})
    return len(acc) - 1


def make_avatar(
    vertices: int = 400,
    morphs: int = 3,
    texture_size: int = 16,
    textures: int = 1,
    vrm: str | None = "1.0",
    image_format: str = "PNG",
) -> bytes:
    """GLB bytes of a valid avatar-like model (validates with no errors)."""
    pos, normals, uv, indices = _grid(vertices)
    n = len(pos)
    buf, acc = _Bin(), []
    bounds = {"min": pos.min(0).tolist(), "max": pos.max(0).tolist()}
    a_pos = _accessor(acc, buf.add(pos.tobytes(), 34962), 5126, "VEC3", n, **bounds)
    a_nrm = _accessor(acc, buf.add(normals.tobytes(), 34962), 5126, "VEC3", n)
    a_uv = _accessor(acc, buf.add(uv.tobytes(), 34962), 5126, "VEC2", n)
    joints = np.zeros((n, 4), np.uint8)
    joints[:, 0] = (pos[:, 1] / 1.6 * (len(SPINE) - 1)).round().astype(np.uint8)
    weights = np.zeros((n, 4), np.float32)
    weights[:, 0] = 1.0
    a_j = _accessor(acc, buf.add(joints.tobytes(), 34962), 5121, "VEC4", n)
    a_w = _accessor(acc, buf.add(weights.tobytes(), 34962), 5126, "VEC4", n)
    a_idx = _accessor(acc, buf.add(indices.tobytes(), 34963), 5125, "SCALAR", len(indices))
    rng = np.random.default_rng(1)
    targets = []
    for _ in range(morphs):
        delta = (rng.normal(0, 0.01, pos.shape)).astype(np.float32)
        d_bounds = {"min": delta.min(0).tolist(), "max": delta.max(0).tolist()}
        targets.append({"POSITION": _accessor(acc, buf.add(delta.tobytes()), 5126, "VEC3", n, **d_bounds)})
    ibm = np.tile(np.eye(4, dtype=np.float32).ravel(), len(BONES))
    a_ibm = _accessor(acc, buf.add(ibm.tobytes()), 5126, "MAT4", len(BONES))
    mime = "image/png" if image_format == "PNG" else "image/jpeg"
    images = [
        {"bufferView": buf.add(_texture(texture_size, image_format, i)), "mimeType": mime}
        for i in range(textures)
    ]
    attributes = {"POSITION": a_pos, "NORMAL": a_nrm, "TEXCOORD_0": a_uv, "JOINTS_0": a_j, "WEIGHTS_0": a_w}
    prim: dict[str, Any] = {"attributes": attributes, "indices": a_idx, "material": 0}
    if targets:
        prim["targets"] = targets
    material: dict[str, Any] = {"name": "Body", "pbrMetallicRoughness": {"metallicFactor": 0.0}}
    if textures:
        material["pbrMetallicRoughness"]["baseColorTexture"] = {"index": 0}
    nodes = _skeleton()
    nodes.append({"name": "Body", "mesh": 0, "skin": 0})
    tree: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "studio tests"},
        "scene": 0,
        "scenes": [{"nodes": [0, len(nodes) - 1]}],
        "nodes": nodes,
        "meshes": [{"name": "Body", "primitives": [prim]}],
        "skins": [{"joints": list(range(len(BONES))), "inverseBindMatrices": a_ibm, "skeleton": 0}],
        "materials": [material],
        "accessors": acc,
        "bufferViews": buf.views,
        "buffers": [{"byteLength": buf.size}],
    }
    if textures:
        tree["images"] = images
        tree["samplers"] = [{"magFilter": 9729, "minFilter": 9987}]
        tree["textures"] = [{"source": i, "sampler": 0} for i in range(textures)]
    if vrm:
        _add_vrm(tree, vrm, morphs, len(nodes) - 1)
    return pack_glb(tree, b"".join(buf.parts))


def _skeleton() -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = [
        {"name": name, "translation": [0.0, 0.3 if i else 0.8, 0.0]} for i, name in enumerate(SPINE)
    ]
    for i in range(len(SPINE) - 1):
        nodes[i]["children"] = [i + 1]
    for name, (parent, offset) in _LIMBS.items():
        nodes[BONES.index(parent)].setdefault("children", []).append(len(nodes))
        nodes.append({"name": name, "translation": offset})
    return nodes


def _add_vrm(tree: dict[str, Any], version: str, morphs: int, mesh_node: int) -> None:
    if version == "1.0":
        preset = (
            {"happy": {"morphTargetBinds": [{"node": mesh_node, "index": 0, "weight": 1.0}]}}
            if morphs
            else {}
        )
        tree["extensionsUsed"] = ["VRMC_vrm"]
        tree["extensions"] = {
            "VRMC_vrm": {
                "specVersion": "1.0",
                "meta": {
                    "name": "Seed",
                    "version": "1",
                    "authors": ["studio"],
                    "licenseUrl": "https://vrm.dev/licenses/1.0/",
                    "avatarPermission": "everyone",
                    "commercialUsage": "personalProfit",
                    "allowRedistribution": True,
                    "modification": "allowModification",
                },
                "humanoid": {"humanBones": {b: {"node": i} for i, b in enumerate(BONE_NAMES_1)}},
                "expressions": {"preset": preset, "custom": {}},
            }
        }
        return
    groups = (
        [{"name": "Joy", "presetName": "joy", "binds": [{"mesh": 0, "index": 0, "weight": 100}]}]
        if morphs
        else []
    )
    tree["extensionsUsed"] = ["VRM"]
    tree["extensions"] = {
        "VRM": {
            "specVersion": "0.0",
            "meta": {
                "title": "Seed",
                "version": "1",
                "author": "studio",
                "licenseName": "CC_BY_ND",
                "allowedUserName": "Everyone",
                "commercialUssageName": "Disallow",
            },
            "humanoid": {"humanBones": [{"bone": b, "node": i} for i, b in enumerate(BONE_NAMES_1)]},
            "blendShapeMaster": {"blendShapeGroups": groups},
            "secondaryAnimation": {"boneGroups": [{"bones": [4]}]},
            "materialProperties": [{"name": "Body", "shader": "VRM/MToon"}],
            "firstPerson": {"firstPersonBone": 4, "lookAtTypeName": "Bone"},
        }
    }
