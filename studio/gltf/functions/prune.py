"""prune: drop meshes, skins, materials, textures, images, samplers, accessors and bufferViews that
nothing references any more, renumbering every reference (VRM extensions included), then compact
the BIN buffer so the bytes they used are gone too.

Nodes, scenes and buffers are never removed here: VRM points at nodes from many places, and a node
without a mesh is often a bone. Removing nodes is an explicit act (:func:`remove_nodes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.gltf.document import Document
from studio.gltf.functions._buffer import compact_buffer
from studio.gltf.functions._refs import PRUNABLE, iter_refs, live_sets, renumber


@dataclass
class PruneReport:
    removed: dict[str, int] = field(default_factory=dict)
    bin_bytes_before: int = 0
    bin_bytes_after: int = 0

    @property
    def total_removed(self) -> int:
        return sum(self.removed.values())


def prune(doc: Document, *, compact: bool = True, protect: set[tuple[str, int]] | None = None) -> PruneReport:
    """Remove unreferenced entries in place, except ``protect`` ((array, index) pairs, kept with
    what they reference). With ``compact`` the BIN buffer is rebuilt from the bufferViews still in
    use, each copied byte for byte."""
    report = PruneReport(bin_bytes_before=len(doc.bin))
    refs = list(iter_refs(doc.json))
    live = live_sets(doc.json, refs, frozenset(protect or ()))
    for kind in PRUNABLE:
        count = len(doc.items(kind))
        keep = [i for i in range(count) if i in live[kind]]
        if len(keep) < count:
            renumber(doc.json, kind, keep, refs)
            report.removed[kind] = count - len(keep)
    if compact:
        compact_buffer(doc)
    report.bin_bytes_after = len(doc.bin)
    return report


def remove_nodes(doc: Document, nodes: set[int]) -> None:
    """Delete ``nodes`` (the caller includes their subtrees), unhooking them from scenes and parents.
    Raises ValueError when anything else (a skin, an animation, a VRM extension) still needs one."""
    for scene in doc.items("scenes"):
        if isinstance(scene.get("nodes"), list):
            scene["nodes"] = [n for n in scene["nodes"] if n not in nodes]
    for index, node in enumerate(doc.items("nodes")):
        if index not in nodes and isinstance(node.get("children"), list):
            node["children"] = [c for c in node["children"] if c not in nodes]
            if not node["children"]:
                del node["children"]
    refs = list(iter_refs(doc.json))
    for ref in refs:
        if ref.kind == "nodes" and ref.index in nodes and not (ref.owner and ref.owner[0] == "nodes"):
            raise ValueError(f"node {ref.index} is still used by {ref.owner or 'an extension'}")
    keep = [i for i in range(len(doc.items("nodes"))) if i not in nodes]
    renumber(doc.json, "nodes", keep, refs)
