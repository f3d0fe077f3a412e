"""The spring bones an extracted mesh takes with it (part of :mod:`studio.gltf.functions.extract`).

An item carries its springs as ``asset.extras.VRMC_springBone`` in the VRM 1.0 shape, node indices
into the item (what :func:`studio.gltf.functions.equip.equip` reads back). The chains taken are
those moving a joint the mesh is weighted to, with the collider groups they name and the colliders
in those groups. A VRM 0.x avatar's bone groups are first converted as the 0.x -> 1.0 migration
does (its vectors come out already turned to +Z, as the extracted item is).
"""

from __future__ import annotations

import copy
from typing import Any

from studio.gltf.document import Document
from studio.gltf.functions._joints import weighted_joints
from studio.gltf.functions._springs import spring_nodes
from studio.gltf.vrm import parse_vrm
from studio.gltf.vrm.fields import obj


def mesh_springs(doc: Document, node: int) -> dict[str, Any] | None:
    """The 1.0-shaped springs moving mesh node ``node``'s joints (indices into ``doc``, which gains
    tail nodes when it is VRM 0.x), or None when none do."""
    springs = _springs_as_vrm1(doc)
    if not springs:
        return None
    weighted = weighted_joints(doc, node)
    chains = [
        copy.deepcopy(c)
        for c in springs.get("springs") or []
        if any(j.get("node") in weighted for j in c.get("joints") or [])
    ]
    if not chains:
        return None
    groups_in = springs.get("colliderGroups") or []
    colliders_in = springs.get("colliders") or []
    named = {g for c in chains for g in c.get("colliderGroups") or []}
    used_groups = sorted(g for g in named if isinstance(g, int) and 0 <= g < len(groups_in))
    used_colliders = sorted(
        {k for g in used_groups for k in groups_in[g].get("colliders") or [] if 0 <= k < len(colliders_in)}
    )
    group_map = {old: new for new, old in enumerate(used_groups)}
    collider_map = {old: new for new, old in enumerate(used_colliders)}
    for chain in chains:
        groups = [group_map[g] for g in chain.get("colliderGroups") or [] if g in group_map]
        chain.pop("colliderGroups", None)
        if groups:
            chain["colliderGroups"] = groups
    out: dict[str, Any] = {"specVersion": "1.0", "springs": chains}
    if used_groups:
        out["colliderGroups"] = [_group(groups_in[g], collider_map) for g in used_groups]
        out["colliders"] = [copy.deepcopy(colliders_in[k]) for k in used_colliders]
    return out


def _group(group: dict[str, Any], collider_map: dict[int, int]) -> dict[str, Any]:
    members = [collider_map[k] for k in group.get("colliders") or [] if k in collider_map]
    return {**copy.deepcopy(group), "colliders": members}


def spring_node_refs(springs: dict[str, Any]) -> set[int]:
    """Every node the springs point at: joints and centres (:func:`spring_nodes`), and the
    colliders' nodes."""
    colliders = springs.get("colliders") or []
    return spring_nodes(springs) | {int(k["node"]) for k in colliders if isinstance(k.get("node"), int)}


def _springs_as_vrm1(doc: Document) -> dict[str, Any] | None:
    version = parse_vrm(doc).version
    if version == "1.0":
        found = doc.extension("VRMC_springBone")
        return found if isinstance(found, dict) else None
    if version == "0.x":
        from studio.gltf.vrm.migrate import MigrationReport
        from studio.gltf.vrm.migrate_springs import migrate_springs

        vrm0 = obj(doc.extension("VRM"))
        return migrate_springs(doc, obj(vrm0.get("secondaryAnimation")), MigrationReport())
    return None
