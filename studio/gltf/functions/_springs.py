"""Spring bones travelling with wardrobe items: append an item's chains to an avatar, drop chains.

An item carries its springs as ``asset.extras.VRMC_springBone`` (or a ``VRMC_springBone``
extension): the VRM 1.0 shape with node indices into the item file
(vrm-specification/specification/VRMC_springBone-1.0). Appending maps every node through
``nodes`` (item node -> avatar node) and writes:

- VRM 1.0: ``VRMC_springBone.springs`` (joints keep ``hitRadius``, ``stiffness``,
  ``gravityPower``, ``gravityDir``, ``dragForce``); the item's collider groups are matched to the
  avatar's by name, and copied (colliders on the mapped nodes) when the avatar has none by that name.
- VRM 0.x: ``secondaryAnimation.boneGroups`` (vrm-specification/specification/0.0, whose
  ``stiffiness`` spelling is the spec's), one group per distinct set of parameters, each chain's
  first joint in ``bones`` (0.x swings the whole subtree); collider groups are the avatar's on the
  same bones, else new ones. 0.x vectors are raw Unity vectors, ``(x, y, -z)`` of the file's
  glTF space (UniVRM 0.x writes with Z reversed).
"""

from __future__ import annotations

from typing import Any

from studio.gltf.document import Document

NodeMap = dict[int, int]


def item_springs(item_doc: Document) -> dict[str, Any] | None:
    """The item's spring data (1.0 shaped), or None."""
    found = item_doc.extension("VRMC_springBone")
    if found is None:
        extras = (item_doc.json.get("asset") or {}).get("extras") or {}
        found = extras.get("VRMC_springBone") if isinstance(extras, dict) else None
    return found if isinstance(found, dict) and found.get("springs") else None


def spring_nodes(springs: dict[str, Any] | None) -> set[int]:
    """Item nodes the springs need (joints and centres)."""
    out: set[int] = set()
    for chain in (springs or {}).get("springs") or []:
        out.update(int(j["node"]) for j in chain.get("joints") or [] if isinstance(j.get("node"), int))
        if isinstance(chain.get("center"), int):
            out.add(int(chain["center"]))
    return out


def append_springs(
    doc: Document, springs: dict[str, Any], nodes: NodeMap, *, movable: set[int], name: str = ""
) -> int:
    """Append ``springs`` to the avatar's VRM spring bones; returns how many chains were added
    (0 for a file without VRM: plain glTF has nowhere to put them). Only chains whose joints are
    all ``movable`` (item nodes copied for this item) are added: an avatar's own joints already
    have whatever springs it gave them."""
    chains = [c for c in springs.get("springs") or [] if _mapped(c, nodes, movable)]
    if not chains:
        return 0
    if doc.extension("VRMC_vrm") is not None:
        _append_vrm1(doc, springs, chains, nodes, name)
    elif doc.extension("VRM") is not None:
        _append_vrm0(doc, springs, chains, nodes, name)
    else:
        return 0
    return len(chains)


def _mapped(chain: dict[str, Any], nodes: NodeMap, movable: set[int]) -> bool:
    joints = chain.get("joints") or []
    return bool(joints) and all(j.get("node") in nodes and j.get("node") in movable for j in joints)


def _append_vrm1(
    doc: Document, springs: dict[str, Any], chains: list[dict[str, Any]], nodes: NodeMap, name: str
) -> None:
    ext = doc.json.setdefault("extensions", {}).setdefault("VRMC_springBone", {"specVersion": "1.0"})
    used = doc.json.setdefault("extensionsUsed", [])
    if "VRMC_springBone" not in used:
        used.append("VRMC_springBone")
    groups = _groups_vrm1(ext, springs, nodes)
    out = ext.setdefault("springs", [])
    for chain in chains:
        new: dict[str, Any] = {
            k: v for k, v in chain.items() if k not in ("joints", "colliderGroups", "center")
        }
        new["joints"] = [{**j, "node": nodes[int(j["node"])]} for j in chain["joints"]]
        if name:
            new["name"] = f"{name}/{chain.get('name', len(out))}"
        mapped = [groups[g] for g in chain.get("colliderGroups") or [] if g in groups]
        if mapped:
            new["colliderGroups"] = sorted(set(mapped))
        if isinstance(chain.get("center"), int) and chain["center"] in nodes:
            new["center"] = nodes[chain["center"]]
        out.append(new)


def _groups_vrm1(ext: dict[str, Any], springs: dict[str, Any], nodes: NodeMap) -> dict[int, int]:
    """item collider group -> avatar collider group (same name, else a copy)."""
    mine = ext.setdefault("colliderGroups", [])
    by_name = {str(g.get("name")): i for i, g in enumerate(mine) if g.get("name")}
    theirs = springs.get("colliders") or []
    out: dict[int, int] = {}
    for index, group in enumerate(springs.get("colliderGroups") or []):
        if group.get("name") and str(group["name"]) in by_name:
            out[index] = by_name[str(group["name"])]
            continue
        colliders = ext.setdefault("colliders", [])
        members = []
        for c in group.get("colliders") or []:
            collider = theirs[c] if isinstance(c, int) and 0 <= c < len(theirs) else {}
            if collider.get("node") in nodes:
                colliders.append({**collider, "node": nodes[collider["node"]]})
                members.append(len(colliders) - 1)
        if members:
            mine.append({**group, "colliders": members})
            out[index] = len(mine) - 1
    return out


def _unity(v: Any) -> dict[str, float]:
    x, y, z = (float(c) for c in [*list(v), 0.0, 0.0, 0.0][:3])
    return {"x": x, "y": y, "z": -z}


def _append_vrm0(
    doc: Document, springs: dict[str, Any], chains: list[dict[str, Any]], nodes: NodeMap, name: str
) -> None:
    vrm = doc.extension("VRM") or {}
    secondary = vrm.setdefault("secondaryAnimation", {})
    bone_groups = secondary.setdefault("boneGroups", [])
    colliders = _groups_vrm0(secondary.setdefault("colliderGroups", []), springs, nodes)
    made: dict[tuple[Any, ...], dict[str, Any]] = {}
    for chain in chains:
        first = chain["joints"][0]
        groups = sorted({g for i in chain.get("colliderGroups") or [] for g in colliders.get(i, [])})
        center = nodes.get(chain["center"], -1) if isinstance(chain.get("center"), int) else -1
        params = {
            "stiffiness": float(first.get("stiffness", 1.0)),
            "gravityPower": float(first.get("gravityPower", 0.0)),
            "gravityDir": _unity(first.get("gravityDir", [0.0, -1.0, 0.0])),
            "dragForce": float(first.get("dragForce", 0.5)),
            "center": center,
            "hitRadius": float(first.get("hitRadius", 0.0)),
        }
        key = (repr(params), tuple(groups))
        if key not in made:
            made[key] = {
                "comment": name or str(chain.get("name", "")),
                **params,
                "bones": [],
                "colliderGroups": groups,
            }
            bone_groups.append(made[key])
        made[key]["bones"].append(nodes[int(first["node"])])


def _groups_vrm0(mine: list[dict[str, Any]], springs: dict[str, Any], nodes: NodeMap) -> dict[int, list[int]]:
    """item collider group -> the avatar's 0.x collider groups on the same bones (made if missing)."""
    on_node = {int(g["node"]): i for i, g in enumerate(mine) if isinstance(g.get("node"), int)}
    theirs = springs.get("colliders") or []
    out: dict[int, list[int]] = {}
    for index, group in enumerate(springs.get("colliderGroups") or []):
        for c in group.get("colliders") or []:
            collider = theirs[c] if isinstance(c, int) and 0 <= c < len(theirs) else {}
            node = nodes.get(collider.get("node", -1))
            if node is None:
                continue
            if node not in on_node:
                sphere = (collider.get("shape") or {}).get("sphere") or {}
                offset = _unity(sphere.get("offset", [0.0, 0.0, 0.0]))
                mine.append(
                    {
                        "node": node,
                        "colliders": [{"offset": offset, "radius": float(sphere.get("radius", 0.0))}],
                    }
                )
                on_node[node] = len(mine) - 1
            out.setdefault(index, []).append(on_node[node])
    return out


def remove_springs(doc: Document, joints: set[int]) -> set[int]:
    """Drop every spring chain that moves any of ``joints``; returns all nodes those chains moved."""
    nodes = doc.items("nodes")
    gone: set[int] = set()
    ext = doc.extension("VRMC_springBone")
    if ext is not None and isinstance(ext.get("springs"), list):
        kept = []
        for chain in ext["springs"]:
            moved = {int(j["node"]) for j in chain.get("joints") or [] if isinstance(j.get("node"), int)}
            if moved & joints:
                gone |= moved
            else:
                kept.append(chain)
        ext["springs"] = kept
    secondary = (doc.extension("VRM") or {}).get("secondaryAnimation")
    if isinstance(secondary, dict) and isinstance(secondary.get("boneGroups"), list):
        for group in secondary["boneGroups"]:
            bones = []
            for bone in group.get("bones") or []:
                moved = subtree(nodes, int(bone))
                if moved & joints:
                    gone |= moved
                else:
                    bones.append(bone)
            group["bones"] = bones
        secondary["boneGroups"] = [g for g in secondary["boneGroups"] if g.get("bones")]
    return gone


def subtree(nodes: list[dict[str, Any]], root: int) -> set[int]:
    out, stack = set(), [root]
    while stack:
        i = stack.pop()
        if 0 <= i < len(nodes) and i not in out:
            out.add(i)
            stack.extend(int(c) for c in nodes[i].get("children") or [])
    return out
