"""Finding things by the names people use: material names, node names, morph target names."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.gltf.document import Document


def srgb_to_linear(c: float) -> float:
    """IEC 61966-2-1 sRGB decoding; glTF factors are linear, VRM 0.x ``_Color`` is sRGB."""
    return c / 12.92 if c <= 0.04045 else float(((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return c * 12.92 if c <= 0.0031308 else float(1.055 * c ** (1 / 2.4) - 0.055)


def material_label(material: Any, index: int) -> str:
    """What the editor calls a material: its name, or ``material_<index>`` when it has none (many
    exporters write unnamed materials; the renderer's scene uses the same label)."""
    name = material.get("name") if isinstance(material, dict) else None
    return name if isinstance(name, str) and name else f"material_{index}"


def material_indices(doc: Document, name: str) -> list[int]:
    """Every material called ``name`` (names are not unique in glTF); an unnamed material answers
    to its :func:`material_label`."""
    materials = doc.items("materials")
    named = [i for i, m in enumerate(materials) if m.get("name") == name]
    return named or [i for i, m in enumerate(materials) if material_label(m, i) == name]


def node_indices(doc: Document, name: str) -> list[int]:
    return [i for i, n in enumerate(doc.items("nodes")) if n.get("name") == name]


def target_names(doc: Document, mesh_index: int) -> list[str]:
    """Morph target names of a mesh: ``mesh.extras.targetNames`` (the common convention, written by
    Blender, UniVRM and three.js), else the first primitive's ``extras.targetNames``."""
    mesh = doc.items("meshes")[mesh_index]
    prims = mesh.get("primitives") or [{}]
    count = len(prims[0].get("targets") or [])
    for holder in (mesh, prims[0]):
        extras = holder.get("extras")  # free-form: any JSON value
        names = extras.get("targetNames") if isinstance(extras, dict) else None
        if isinstance(names, list) and len(names) == count:
            return [str(n) for n in names]
    return [f"target_{i}" for i in range(count)]


def world_matrices(doc: Document) -> list[np.ndarray]:
    """Rest-pose world matrix of every node (column vectors, glTF convention)."""
    nodes = doc.items("nodes")
    children = [[int(c) for c in n.get("children") or []] for n in nodes]
    has_parent = {c for kids in children for c in kids}
    out: list[np.ndarray | None] = [None] * len(nodes)
    stack = [(i, np.eye(4)) for i in range(len(nodes)) if i not in has_parent]
    while stack:
        i, parent = stack.pop()
        if not 0 <= i < len(nodes) or out[i] is not None:
            continue  # a cycle or a dangling child: validation reports it
        out[i] = world = parent @ local_matrix(nodes[i])
        stack.extend((c, world) for c in children[i])
    return [m if m is not None else local_matrix(nodes[i]) for i, m in enumerate(out)]


def local_matrix(node: dict[str, Any]) -> np.ndarray:
    if "matrix" in node:
        return np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
    t = np.array(node.get("translation", [0, 0, 0]), dtype=np.float64)
    x, y, z, w = (float(v) for v in node.get("rotation", [0, 0, 0, 1]))
    s = np.array(node.get("scale", [1, 1, 1]), dtype=np.float64)
    rot = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    m = np.eye(4)
    m[:3, :3] = rot * s
    m[:3, 3] = t
    return m
