"""Document -> :class:`~studio.render.scene.Scene`: nodes, skins, meshes, materials, VRM info."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.errors import GltfError
from studio.gltf.limits import Limits
from studio.render.locality import reorder
from studio.render.materials import decode_images, image_keys, read_materials, srgb_to_linear
from studio.render.meshes import read_meshes
from studio.render.model import ALPHA_BLEND, ColorBind, Expression, MorphBind, Node, Skin, UvBind
from studio.render.scene import Scene

if TYPE_CHECKING:
    from studio.gltf.vrm import ExpressionInfo


def load_scene(doc: Document, *, max_texture_size: int | None, limits: Limits) -> Scene:
    nodes = read_nodes(doc)
    materials = read_materials(doc)
    wanted = {m.texture for m in materials if m.texture is not None}
    with ThreadPoolExecutor(max_workers=1) as pool:  # decode images while the meshes are read
        decoding = pool.submit(decode_images, doc, wanted, max_size=max_texture_size, limits=limits)
        meshes = read_meshes(doc)
        images, warnings = decoding.result()
    for m in materials:
        if m.texture is not None and m.texture not in images:
            m.texture = None
    scene = Scene(
        nodes=nodes,
        roots=scene_roots(doc, nodes),
        meshes=meshes,
        materials=materials,
        skins=read_skins(doc, len(nodes)),
        images=images,
        warnings=warnings,
        image_keys=image_keys(doc, images, max_texture_size, limits),
    )
    _check_references(scene)
    _add_vrm(doc, scene)
    _shading_order(scene)
    return scene


def _shading_order(scene: Scene) -> None:
    """Triangles and vertices in the order software OpenGL shades fastest (:mod:`locality`).
    Blended primitives keep the file's triangle order: artists layer transparent parts by it."""
    for mesh in scene.meshes:
        for prim in mesh.primitives:
            blended = 0 <= prim.material < len(scene.materials) and (
                scene.materials[prim.material].alpha_mode == ALPHA_BLEND
            )
            if not blended:
                reorder(prim)


def read_nodes(doc: Document) -> list[Node]:
    raw = doc.items("nodes")
    nodes = []
    for i, n in enumerate(raw):
        node = Node(
            name=str(n.get("name") or f"node_{i}"),
            parent=None,
            children=[int(c) for c in n.get("children", []) if 0 <= int(c) < len(raw)],
            mesh=int(n["mesh"]) if "mesh" in n else None,
            skin=int(n["skin"]) if "skin" in n else None,
        )
        if "matrix" in n:
            node.matrix = np.asarray(n["matrix"], dtype=np.float64).reshape(4, 4).T  # column-major
        else:
            t, r = n.get("translation", (0, 0, 0)), n.get("rotation", (0, 0, 0, 1))
            s = n.get("scale", (1, 1, 1))
            node.translation = (float(t[0]), float(t[1]), float(t[2]))
            node.rotation = (float(r[0]), float(r[1]), float(r[2]), float(r[3]))
            node.scale = (float(s[0]), float(s[1]), float(s[2]))
        nodes.append(node)
    for i, node in enumerate(nodes):
        for c in node.children:
            nodes[c].parent = i
    return nodes


def scene_roots(doc: Document, nodes: list[Node]) -> list[int]:
    scenes = doc.items("scenes")
    if scenes:
        index = int(doc.json.get("scene", 0))
        chosen = scenes[index] if 0 <= index < len(scenes) else scenes[0]
        return [int(r) for r in chosen.get("nodes", []) if 0 <= int(r) < len(nodes)]
    return [i for i, n in enumerate(nodes) if n.parent is None]


def read_skins(doc: Document, node_count: int) -> list[Skin]:
    skins = []
    for si, s in enumerate(doc.items("skins")):
        joints = [int(j) for j in s.get("joints", [])]
        if any(not 0 <= j < node_count for j in joints):
            raise GltfError("SKIN_JOINT_OOB", f"/skins/{si}/joints", "a joint is not a node of this file")
        if "inverseBindMatrices" in s:
            ibm = read_accessor(doc, int(s["inverseBindMatrices"])).reshape(-1, 4, 4).transpose(0, 2, 1)
            if len(ibm) < len(joints):
                raise GltfError("SKIN_IBM_COUNT", f"/skins/{si}", "fewer inverse bind matrices than joints")
            ibm = ibm[: len(joints)].astype(np.float64)
        else:
            ibm = np.tile(np.eye(4), (len(joints), 1, 1))
        skins.append(Skin(joints, ibm))
    return skins


def _check_references(scene: Scene) -> None:
    for i, n in enumerate(scene.nodes):
        if n.mesh is not None and not 0 <= n.mesh < len(scene.meshes):
            raise GltfError("NODE_MESH_OOB", f"/nodes/{i}/mesh", "the node's mesh does not exist")
        if n.skin is not None and not 0 <= n.skin < len(scene.skins):
            n.skin = None
            scene.warnings.append(f"node {i} refers to a missing skin; drawn unskinned")
    for mesh in scene.meshes:
        for p in mesh.primitives:
            if not -1 <= p.material < len(scene.materials):
                p.material = -1
            if p.joints is not None and p.joints.size and int(p.joints.max()) >= 1 << 15:
                raise GltfError("JOINTS_OOB", "/meshes", "a joint index is out of range")


def _add_vrm(doc: Document, scene: Scene) -> None:
    from studio.gltf.vrm import VRM1_BONES, parse_vrm, resolve_bone

    info = parse_vrm(doc)
    if info.version is None:  # plain glTF: VRoid-style node names (J_Bip_C_Head) still give bones
        found = {bone: resolve_bone(info, bone) for bone in VRM1_BONES}
        scene.humanoid = {b: i for b, i in found.items() if i is not None and 0 <= i < len(scene.nodes)}
        return
    scene.vrm_version = info.version
    scene.humanoid = {str(k): int(v) for k, v in info.humanoid.items() if 0 <= int(v) < len(scene.nodes)}
    for name, expr in info.expressions.items():
        binds = [
            MorphBind(b.mesh, b.index, b.weight)
            for b in expr.morph_binds
            if 0 <= b.mesh < len(scene.meshes) and 0 <= b.index < len(scene.meshes[b.mesh].target_names)
        ]
        scene.expressions[str(name)] = Expression(
            str(name),
            binds,
            is_binary=expr.is_binary,
            colors=_color_binds(expr, len(scene.materials), gamma=info.version == "0.x"),
            uvs=[
                UvBind(b.material, b.scale, b.offset)
                for b in expr.texture_binds
                if b.material is not None and 0 <= b.material < len(scene.materials)
            ],
        )


#: the material colours the preview draws, by VRM 1.0 bind type (rim, outline and matcap are not)
_DRAWN_COLORS = {"color": 4, "shadeColor": 3, "emissionColor": 3}


def _color_binds(expr: ExpressionInfo, materials: int, *, gamma: bool) -> list[ColorBind]:
    """An expression's colour binds the preview can show, as linear values (VRM 0.x stores Unity
    gamma-space colours, as its materials do: :func:`studio.render.materials.srgb_to_linear`)."""
    out = []
    for b in expr.material_binds:
        size = _DRAWN_COLORS.get(b.property)
        if size is None or b.material is None or not 0 <= b.material < materials or len(b.target) < size:
            continue
        rgb = srgb_to_linear(b.target[:3]).tolist() if gamma else list(b.target[:3])
        out.append(ColorBind(b.material, b.property, tuple(float(c) for c in rgb) + tuple(b.target[3:size])))
    return out
