"""VRM 0.x ``secondaryAnimation`` -> ``VRMC_springBone`` 1.0 (part of :mod:`studio.gltf.vrm.migrate`).

0.x bone groups name root bones and move their whole subtrees; 1.0 springs are explicit chains of
joints. Chains follow each node's first child, every further child starts a new chain, and a leaf
gets a 7 cm tail node, as UniVRM's ``MigrationVrmSpringBone`` does (vrm-specification PR 255: 1.0
no longer adds an implicit tail, so without it the last bone would not swing).

0.x stores collider offsets and ``gravityDir`` as raw Unity vectors (z not negated into glTF
space; three-vrm's 0.x loader: "z is opposite in VRM0.0"). In 0.x glTF space that is
``(x, y, -z)``; turned with the model it becomes ``(-x, y, z)`` in 1.0, as UniVRM's
``MigrateVector3`` writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from studio.gltf.document import Document
from studio.gltf.functions.rotate import rotate_vector
from studio.gltf.vrm.fields import arr, index, number, obj, text

if TYPE_CHECKING:
    from studio.gltf.vrm.migrate import MigrationReport

TAIL_LENGTH = 0.07


def unity_vector(value: Any) -> list[float]:
    """A raw 0.x ``{x, y, z}`` (Unity axes) in 0.x glTF space."""
    v = obj(value)
    return [number(v.get("x")), number(v.get("y")), -number(v.get("z"))]


def node_worlds(nodes: list[dict[str, Any]]) -> list[np.ndarray]:
    """Rest-pose world matrices of every node (identity for nodes no scene reaches)."""
    local = [_local(n) for n in nodes]
    parent: dict[int, int] = {}
    for i, node in enumerate(nodes):
        for child in arr(node.get("children")):
            if isinstance(child, int) and 0 <= child < len(nodes):
                parent.setdefault(child, i)
    worlds: list[np.ndarray | None] = [None] * len(nodes)

    def world(i: int, depth: int = 0) -> np.ndarray:
        cached = worlds[i]
        if cached is None:
            up = parent.get(i)
            cached = local[i] if up is None or depth > len(nodes) else world(up, depth + 1) @ local[i]
            worlds[i] = cached
        return cached

    return [world(i) for i in range(len(nodes))]


def _local(node: dict[str, Any]) -> np.ndarray:
    if isinstance(node.get("matrix"), list) and len(node["matrix"]) == 16:
        return np.array([number(v) for v in node["matrix"]]).reshape(4, 4).T
    x, y, z, w = ([number(v) for v in arr(node.get("rotation"))] + [0.0, 0.0, 0.0, 1.0])[:4]
    rot = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    scale = ([number(v, 1.0) for v in arr(node.get("scale"))] + [1.0, 1.0, 1.0])[:3]
    out = np.eye(4)
    out[:3, :3] = rot * np.array(scale)
    out[:3, 3] = ([number(v) for v in arr(node.get("translation"))] + [0.0, 0.0, 0.0])[:3]
    return out


def migrate_springs(
    doc: Document, secondary: dict[str, Any], report: MigrationReport
) -> dict[str, Any] | None:
    """The ``VRMC_springBone`` extension, or None when the 0.x file has no spring bones. Appends
    tail nodes to ``doc``."""
    groups = arr(secondary.get("boneGroups"))
    if not groups and not arr(secondary.get("colliderGroups")):
        return None
    out: dict[str, Any] = {"specVersion": "1.0", "colliders": [], "colliderGroups": [], "springs": []}
    for i, group in enumerate(arr(secondary.get("colliderGroups"))):
        _collider_group(doc, obj(group), i, out, report)
    for i, group in enumerate(groups):
        _bone_group(doc, obj(group), i, out, report)
    for key in ("colliders", "colliderGroups", "springs"):
        if not out[key]:
            del out[key]
    return out


def _collider_group(
    doc: Document, group: dict[str, Any], i: int, out: dict[str, Any], report: MigrationReport
) -> None:
    node = index(group.get("node"))
    members = []
    if node is None or node >= len(doc.items("nodes")):
        report.drop(f"secondaryAnimation.colliderGroups[{i}]: no node; its colliders are dropped")
    else:
        for collider in arr(group.get("colliders")):
            collider = obj(collider)
            offset = rotate_vector(unity_vector(collider.get("offset")))
            shape = {"sphere": {"offset": offset, "radius": number(collider.get("radius"))}}
            members.append(len(out["colliders"]))
            out["colliders"].append({"node": node, "shape": shape})
    # kept even when empty so 0.x collider group indices stay valid in 1.0
    out["colliderGroups"].append({"name": f"colliderGroup{i}", "colliders": members})


def _bone_group(
    doc: Document, group: dict[str, Any], i: int, out: dict[str, Any], report: MigrationReport
) -> None:
    gravity = rotate_vector(unity_vector(group.get("gravityDir") or {"y": -1.0}))
    settings = {
        "hitRadius": number(group.get("hitRadius")),
        "stiffness": number(group.get("stiffiness"), 1.0),  # sic: the 0.x key is misspelt
        "gravityPower": number(group.get("gravityPower")),
        "gravityDir": gravity,
        "dragForce": number(group.get("dragForce"), 0.5),
    }
    spring: dict[str, Any] = {"name": text(group.get("comment"))}
    colliders = [c for c in arr(group.get("colliderGroups")) if isinstance(c, int)]
    if any(not 0 <= c < len(out["colliderGroups"]) for c in colliders):
        report.drop(f"secondaryAnimation.boneGroups[{i}].colliderGroups: unknown groups dropped")
        colliders = [c for c in colliders if 0 <= c < len(out["colliderGroups"])]
    if colliders:
        spring["colliderGroups"] = colliders
    center = index(group.get("center"))
    if center is not None and center < len(doc.items("nodes")):
        spring["center"] = center
    nodes = doc.items("nodes")
    for root in arr(group.get("bones")):
        if index(root) is None or root >= len(nodes):
            report.drop(f"secondaryAnimation.boneGroups[{i}].bones: node {root} does not exist")
            continue
        for chain in _chains(doc, root, report):
            joints = [{"node": n, **settings} for n in chain[:-1]] + [{"node": chain[-1]}]
            out["springs"].append({**spring, "joints": joints})


def _chains(doc: Document, root: int, report: MigrationReport) -> list[list[int]]:
    """Chains under ``root``: first children continue a chain, other children start one."""
    chains: list[list[int]] = []
    starts = [root]
    seen: set[int] = set()
    nodes = doc.items("nodes")
    while starts:
        chain: list[int] = []
        node: int | None = starts.pop(0)
        children: list[int] = []
        while node is not None and node not in seen:
            seen.add(node)
            chain.append(node)
            children = [c for c in arr(nodes[node].get("children")) if isinstance(c, int) and c < len(nodes)]
            starts += children[1:]
            node = children[0] if children else None
        tail = _add_tail(doc, chain[-1]) if chain and not children else None
        if tail is not None:
            chain.append(tail)
        if len(chain) >= 2:
            chains.append(chain)
        elif chain:
            report.drop(f"spring bone node {chain[0]}: a single joint with no direction cannot swing in 1.0")
    return chains


def _add_tail(doc: Document, leaf: int) -> int | None:
    node = doc.items("nodes")[leaf]
    t = np.array(([number(v) for v in arr(node.get("translation"))] + [0.0, 0.0, 0.0])[:3])
    length = float(np.linalg.norm(t))
    if length < 1e-9:
        return None
    tail = {
        "name": f"{text(node.get('name'))}_end",
        "translation": [float(v) for v in t / length * TAIL_LENGTH],
    }
    doc.json["nodes"].append(tail)
    node["children"] = [*arr(node.get("children")), len(doc.json["nodes"]) - 1]
    return len(doc.json["nodes"]) - 1
