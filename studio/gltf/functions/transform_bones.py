"""transform_bones: scale bones (humanoid or any node) in their local axes.

glTF children inherit their parent's scale, so scaling the hips by y=1.05 makes everything above and
below 5 % taller, and a skinned mesh follows its joints: the edit is "baked" by being the node's own
rest transform, which every glTF and VRM runtime applies (no vertex is rewritten).
Factors multiply the node's existing scale, so applying to a pristine document is idempotent per
call; callers (the editor) always start from the loaded file, never from an already-edited one.
"""

from __future__ import annotations

from collections.abc import Mapping

from studio.gltf.document import Document

Factors = tuple[float, float, float]


def transform_bones(doc: Document, scales: Mapping[int, Factors]) -> None:
    """Multiply node ``i``'s local scale by ``scales[i]`` (x, y, z)."""
    nodes = doc.items("nodes")
    for index, factors in scales.items():
        node = nodes[index]
        if tuple(factors) == (1.0, 1.0, 1.0):
            continue
        if "matrix" in node:
            # column-major 4x4: scaling the local axes = scaling the first three columns
            matrix = [float(v) for v in node["matrix"]]
            for col in range(3):
                for row in range(3):
                    matrix[col * 4 + row] *= float(factors[col])
            node["matrix"] = matrix
            continue
        old = [float(v) for v in node.get("scale", [1.0, 1.0, 1.0])]
        node["scale"] = [round(o * float(f), 6) for o, f in zip(old, factors, strict=True)]


def bone_scale(doc: Document, index: int) -> Factors:
    node = doc.items("nodes")[index]
    x, y, z = (float(v) for v in node.get("scale", [1.0, 1.0, 1.0]))
    return (x, y, z)
