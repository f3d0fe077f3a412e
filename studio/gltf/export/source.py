"""Source VRM export: lossless. What the studio did not edit leaves exactly as it came in.

Edits rewrite only the JSON fields and accessors they change; new data is appended after the
existing BIN bytes. Entries that an edit made unreferenced (a replaced hair mesh, accessors replaced
by baking) are pruned, but entries that were already unreferenced in the input are kept: they are
the author's, not ours. When nothing was removed the BIN chunk is the input's bytes plus what was
appended; when something was, the buffer is rebuilt with every remaining bufferView copied byte for
byte. The VRM version is kept: 0.x stays 0.x (no silent migration).
"""

from __future__ import annotations

import copy
import dataclasses

from studio.gltf.document import Document
from studio.gltf.functions._joints import is_detached
from studio.gltf.functions._refs import PRUNABLE, iter_refs, live_sets
from studio.gltf.functions.equip import remove_detached
from studio.gltf.functions.prune import PruneReport, prune
from studio.gltf.glb import pack_glb


def copy_document(doc: Document) -> Document:
    """A deep copy of the JSON sharing the (immutable) BIN bytes."""
    return dataclasses.replace(doc, json=copy.deepcopy(doc.json), load_issues=list(doc.load_issues))


def unreferenced(doc: Document) -> set[tuple[str, int]]:
    """(array, index) of every prunable entry nothing references: the baseline a lossless export
    keeps. Edits only append to these arrays, so the pairs stay valid on an edited copy."""
    live = live_sets(doc.json, list(iter_refs(doc.json)))
    return {(kind, i) for kind in PRUNABLE for i in range(len(doc.items(kind))) if i not in live[kind]}


def detached_nodes(doc: Document) -> set[int]:
    """Nodes an edit took out of the scene (a replaced hair): ``extras.studio.detached``."""
    return {i for i, node in enumerate(doc.items("nodes")) if is_detached(node)}


def export_source(doc: Document, *, baseline: set[tuple[str, int]] | None = None) -> bytes:
    """GLB bytes of the source file. ``baseline``: :func:`unreferenced` of the file as opened
    (entries in it are kept even if unreferenced)."""
    out = copy_document(doc)
    remove_detached(out)  # replaced hair, its spring joints (and skins only they used)
    if baseline is not None:
        _prune_new_orphans(out, baseline)
    return pack_glb(out.json, out.bin)


def _prune_new_orphans(out: Document, baseline: set[tuple[str, int]]) -> PruneReport | None:
    """Prune what became unreferenced, protecting what already was."""
    live = live_sets(out.json, list(iter_refs(out.json)))
    orphans = any(
        i not in live[kind] and (kind, i) not in baseline
        for kind in PRUNABLE
        for i in range(len(out.items(kind)))
    )
    if not orphans:
        return None
    return prune(out, protect=baseline)
