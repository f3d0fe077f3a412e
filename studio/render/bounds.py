"""Where the avatar is: posed vertex positions on the CPU, for framing only (drawing skins on the GPU).

Framing a portrait needs the head region: the vertices whose strongest joint is the humanoid
``head`` bone or one of its descendants (eyes, jaw, hair bones), plus meshes hung under those nodes.
"""

from __future__ import annotations

import numpy as np

from studio.render.mathutil import transform_points
from studio.render.scene import Scene


def posed_positions(scene: Scene, node: int, mesh: int, world: np.ndarray) -> list[np.ndarray]:
    """World positions of every primitive of ``mesh`` drawn by ``node`` (current weights, pose)."""
    weights = scene.morph_weights(mesh)
    skin = scene.nodes[node].skin
    joints = scene.joint_matrices(skin, world) if skin is not None else None
    out = []
    for p in scene.meshes[mesh].primitives:
        pos = p.positions.astype(np.float64)
        for w, d in zip(weights, p.morph_positions, strict=False):
            if d is not None and w:
                pos = pos + w * d
        if joints is not None and p.joints is not None and p.weights is not None:
            jm = joints[np.clip(p.joints, 0, len(joints) - 1)]  # (n, 4, 4, 4)
            blended = np.einsum("nk,nkij->nij", p.weights.astype(np.float64), jm)
            out.append(np.einsum("nij,nj->ni", blended[:, :3, :3], pos) + blended[:, :3, 3])
        else:
            out.append(transform_points(world[node], pos))
    return out


def scene_bounds(scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    """Axis-aligned box of the posed scene; a unit box around the origin when nothing is drawn."""
    world = scene.world_matrices()
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for node, mesh in scene.mesh_instances():
        for pts in posed_positions(scene, node, mesh, world):
            if len(pts):
                lo, hi = np.minimum(lo, pts.min(axis=0)), np.maximum(hi, pts.max(axis=0))
    if not np.all(np.isfinite(lo)):
        return np.full(3, -0.5), np.full(3, 0.5)
    return lo, hi


def subtree(scene: Scene, root: int) -> set[int]:
    found, stack = set(), [root]
    while stack:
        i = stack.pop()
        if i not in found:
            found.add(i)
            stack.extend(scene.nodes[i].children)
    return found


def head_bounds(scene: Scene) -> tuple[np.ndarray, np.ndarray] | None:
    """Box of the vertices the head moves (face, eyes, hair), or None without a humanoid head."""
    head = scene.humanoid.get("head")
    if head is None:
        return None
    nodes = subtree(scene, head)
    world = scene.world_matrices()
    parts = []
    for node, mesh in scene.mesh_instances():
        skin = scene.nodes[node].skin
        posed = posed_positions(scene, node, mesh, world)
        for prim, pts in zip(scene.meshes[mesh].primitives, posed, strict=True):
            if skin is not None and prim.joints is not None and prim.weights is not None:
                joints = np.asarray(scene.skins[skin].joints)
                strongest = prim.joints[np.arange(len(pts)), np.argmax(prim.weights, axis=1)]
                strongest = joints[np.clip(strongest, 0, len(joints) - 1)]
                parts.append(pts[np.isin(strongest, list(nodes))])
            elif node in nodes:
                parts.append(pts)
    pts = np.concatenate(parts) if parts else np.zeros((0, 3))
    if not len(pts):
        return None
    return pts.min(axis=0), pts.max(axis=0)
