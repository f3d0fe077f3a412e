"""The glTF scene shared by the GLB, VRM 1.0 and VRM 0.x writers.

Layout: ``Root`` -> joints (identity rotations, translations = head - parent head); one node per mesh
at the scene root, untransformed, all skinned by one skin (glTF 2.0 §3.7.3.3: skinned mesh nodes'
own transforms are ignored, the validator warns about non-root ones). ``flip`` turns the model 180°
about +Y for VRM 0.x, which faces -Z (https://github.com/vrm-c/vrm-specification/blob/master/specification/0.0/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.gltf.builder import GltfBuilder
from studio.procedural.model import AvatarModel, Material, Mesh, Primitive
from studio.procedural.tangents import tangents

_FLIP = np.array([-1.0, 1.0, -1.0])
SAMPLER = {"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 10497}


@dataclass
class Written:
    builder: GltfBuilder
    joint_nodes: dict[str, int] = field(default_factory=dict)
    mesh_nodes: dict[str, int] = field(default_factory=dict)
    mesh_index: dict[str, int] = field(default_factory=dict)
    material_index: dict[str, int] = field(default_factory=dict)
    texture_index: dict[str, int] = field(default_factory=dict)
    #: MToon shade textures (heavy avatars); materials without one shade with their base texture
    shade_index: dict[str, int] = field(default_factory=dict)
    normal_index: dict[str, int] = field(default_factory=dict)
    morph_index: dict[str, dict[str, int]] = field(default_factory=dict)


def write_scene(model: AvatarModel, *, flip: bool = False, generator: str = "Avatar Studio") -> Written:
    out = Written(GltfBuilder(generator))
    axis = _FLIP if flip else np.ones(3)
    _materials(out, model.materials)
    _joints(out, model, axis)
    skin = _skin(out, model, axis)
    for mesh in model.meshes:
        out.mesh_index[mesh.name] = _mesh(out, mesh, axis)
        out.morph_index[mesh.name] = {n: i for i, n in enumerate(mesh.morph_names)}
        out.mesh_nodes[mesh.name] = out.builder.add_node(
            {"name": mesh.name, "mesh": out.mesh_index[mesh.name], "skin": skin}
        )
    roots = [out.joint_nodes["Root"], *out.mesh_nodes.values()]
    out.builder.add_scene(roots)
    if model.extras:
        out.builder.json["asset"]["extras"] = dict(model.extras)
    return out


def _joints(out: Written, model: AvatarModel, axis: np.ndarray) -> None:
    b = out.builder
    root = b.add_node({"name": "Root"})
    out.joint_nodes["Root"] = root
    heads = {j.name: j.head for j in model.joints}
    for joint in model.joints:
        parent = heads[joint.parent] if joint.parent else np.zeros(3)
        t = (joint.head - parent) * axis
        out.joint_nodes[joint.name] = b.add_node({"name": joint.name, "translation": [float(v) for v in t]})
    for joint in model.joints:
        parent_node = out.joint_nodes[joint.parent] if joint.parent else root
        b.json["nodes"][parent_node].setdefault("children", []).append(out.joint_nodes[joint.name])


def _skin(out: Written, model: AvatarModel, axis: np.ndarray) -> int:
    heads = np.array([j.head * axis for j in model.joints], np.float32)
    ibm = np.tile(np.eye(4, dtype=np.float32), (len(heads), 1, 1))
    ibm[:, 3, :3] = -heads  # column-major: translation lives in elements 12..14
    accessor = out.builder.add_accessor(ibm.reshape(-1, 16), target=None, matrix=True)
    return out.builder.add_skin(
        {
            "inverseBindMatrices": accessor,
            "joints": [out.joint_nodes[j.name] for j in model.joints],
            "skeleton": out.joint_nodes["Root"],
        }
    )


def _materials(out: Written, materials: list[Material]) -> None:
    b = out.builder
    for mat in materials:
        pbr: dict[str, Any] = {"baseColorFactor": [float(c) for c in mat.base_color]}
        if mat.texture_png is not None:
            image = b.add_image(mat.texture_png, "image/png", name=mat.name)
            out.texture_index[mat.name] = b.add_texture(image, b.add_sampler(SAMPLER))
            pbr["baseColorTexture"] = {"index": out.texture_index[mat.name]}
        pbr["metallicFactor"] = mat.metallic
        pbr["roughnessFactor"] = mat.roughness
        entry: dict[str, Any] = {"name": mat.name, "pbrMetallicRoughness": pbr, "alphaMode": mat.alpha_mode}
        if mat.normal_png is not None:
            image = b.add_image(mat.normal_png, "image/png", name=mat.name + "_Normal")
            out.normal_index[mat.name] = b.add_texture(image, b.add_sampler(SAMPLER))
            entry["normalTexture"] = {"index": out.normal_index[mat.name]}
        if mat.shade_png is not None:
            image = b.add_image(mat.shade_png, "image/png", name=mat.name + "_Shade")
            out.shade_index[mat.name] = b.add_texture(image, b.add_sampler(SAMPLER))
        if mat.double_sided:
            entry["doubleSided"] = True
        out.material_index[mat.name] = b.add_material(entry)


def _mesh(out: Written, mesh: Mesh, axis: np.ndarray) -> int:
    prims = [_primitive(out, prim, axis) for prim in mesh.primitives]
    entry: dict[str, Any] = {"name": mesh.name, "primitives": prims}
    if mesh.morph_names:
        entry["weights"] = [0.0] * len(mesh.morph_names)
        entry["extras"] = {"targetNames": list(mesh.morph_names)}
    return out.builder.add_mesh(entry)


def _primitive(out: Written, prim: Primitive, axis: np.ndarray) -> dict[str, Any]:
    b = out.builder
    normals = (prim.normals * axis.astype(np.float32)).astype(np.float32)
    attributes = {
        "POSITION": b.add_accessor((prim.positions * axis).astype(np.float32), min_max=True),
        "NORMAL": b.add_accessor(normals),
    }
    if prim.material in out.normal_index:  # normal-mapped: tangents, so viewers need not guess
        t = tangents(prim.positions, prim.normals, prim.uvs, prim.faces)
        t[:, :3] *= axis.astype(np.float32)  # the 0.x turn is a rotation: handedness unchanged
        attributes["TANGENT"] = b.add_accessor(t)
    if prim.material in out.texture_index:  # an untextured material would leave UVs unused
        attributes["TEXCOORD_0"] = b.add_accessor(prim.uvs.astype(np.float32))
    attributes["JOINTS_0"] = b.add_accessor(prim.joints.astype(np.uint16))
    attributes["WEIGHTS_0"] = b.add_accessor(prim.weights.astype(np.float32))
    entry: dict[str, Any] = {
        "attributes": attributes,
        "indices": b.add_indices(prim.faces),
        "material": out.material_index[prim.material],
        "mode": 4,
    }
    if prim.morphs:
        entry["targets"] = [{"POSITION": b.add_morph_deltas(d * axis, eps=1e-7)} for d in prim.morphs]
    return entry


def spring_bone(model: AvatarModel, out: Written) -> dict[str, Any]:
    """``VRMC_springBone`` 1.0 for ``model``'s chains and colliders (node indices of ``out``)."""
    colliders = [
        {
            "node": out.joint_nodes[c.joint],
            "shape": {"sphere": {"offset": list(c.offset), "radius": c.radius}},
        }
        for c in model.colliders
    ]
    springs = [
        {
            "name": chain.name,
            "joints": [
                {
                    "node": out.joint_nodes[j],
                    "hitRadius": chain.hit_radius,
                    "stiffness": chain.stiffness,
                    "gravityPower": chain.gravity,
                    "gravityDir": [0.0, -1.0, 0.0],
                    "dragForce": chain.drag,
                }
                for j in chain.joints
            ],
            "colliderGroups": [0],
        }
        for chain in model.springs
    ]
    return {
        "specVersion": "1.0",
        "colliders": colliders,
        "colliderGroups": [{"name": "Body", "colliders": list(range(len(colliders)))}],
        "springs": springs,
    }


def write_glb(model: AvatarModel) -> bytes:
    """Plain glTF 2.0 binary (faces +Z like any glTF asset), no VRM extensions.

    A wardrobe item with spring chains (hair) keeps them as ``asset.extras.VRMC_springBone``, shaped
    like the VRM 1.0 extension with node indices into this file, for equipping to carry over;
    readers that know nothing of it ignore extras."""
    out = write_scene(model)
    if model.springs and not model.humanoid:
        out.builder.json["asset"].setdefault("extras", {})["VRMC_springBone"] = spring_bone(model, out)
    return out.builder.to_glb()
