"""Nodes, scenes and skins: references, transforms, one parent per node and no loops."""

from __future__ import annotations

import math
from typing import Any

from studio.gltf.validate.context import Context, is_number
from studio.gltf.validate.meshes import check_weight_values

_TRS = {"translation": 3, "rotation": 4, "scale": 3}


def check_nodes(ctx: Context) -> None:
    parents: dict[int, int] = {}
    for i, node in ctx.entries("nodes"):
        pointer = f"/nodes/{i}"
        if "camera" in node:
            ctx.ref(node["camera"], "cameras", f"{pointer}/camera")
        mesh = ctx.ref(node["mesh"], "meshes", f"{pointer}/mesh") if "mesh" in node else None
        if "skin" in node:
            if "mesh" not in node:
                ctx.out.error(
                    "UNSATISFIED_DEPENDENCY", f"{pointer}/skin", "Dependency failed. 'mesh' must be defined."
                )
            ctx.ref(node["skin"], "skins", f"{pointer}/skin")
        _check_transform(ctx, node, pointer)
        _check_skinning(ctx, node, mesh, pointer)
        for c, child in enumerate(ctx.array(node, "children", pointer) or []):
            index = ctx.ref(child, "nodes", f"{pointer}/children/{c}")
            if index is None:
                continue
            if index in parents:
                ctx.out.error(
                    "NODE_PARENT_OVERRIDE",
                    f"{pointer}/children/{c}",
                    f"Value overrides parent of node {index}.",
                )
            else:
                parents[index] = i
    _check_loops(ctx, parents)
    _check_scenes(ctx, parents)


def _check_transform(ctx: Context, node: dict[str, Any], pointer: str) -> None:
    for prop, size in (*_TRS.items(), ("matrix", 16)):
        value = node.get(prop)
        if value is None:
            continue
        if not isinstance(value, list) or len(value) != size or not all(is_number(v) for v in value):
            ctx.out.error(
                "TYPE_MISMATCH",
                f"{pointer}/{prop}",
                f"Type mismatch. Property value is not a number[{size}].",
            )
        elif not all(math.isfinite(v) for v in value):
            ctx.out.error("VALUE_NOT_IN_RANGE", f"{pointer}/{prop}", "Value is NaN or Infinity.")
        elif prop == "rotation" and abs(math.fsum(v * v for v in value) - 1.0) > 0.0005 * 2:
            ctx.out.error(
                "NODE_ROTATION_NON_UNIT", f"{pointer}/rotation", "Rotation quaternion must be normalized."
            )
    if "matrix" in node and any(k in node for k in _TRS):
        ctx.out.error(
            "NODE_MATRIX_TRS",
            pointer,
            "A node can have either a matrix or any combination of translation/rotation/scale (TRS) "
            "properties.",
        )


def _check_weights(ctx: Context, node: dict[str, Any], prims: Any, pointer: str) -> None:
    weights = node.get("weights")
    check_weight_values(ctx, weights, f"{pointer}/weights")
    first = prims[0] if isinstance(prims, list) and prims and isinstance(prims[0], dict) else {}
    targets = first.get("targets")
    count = len(targets) if isinstance(targets, list) else 0
    if isinstance(weights, list) and len(weights) != count:
        ctx.out.error(
            "NODE_WEIGHTS_INVALID",
            f"{pointer}/weights",
            f"The length of weights array ({len(weights)}) does not match the number of morph "
            f"targets ({count}).",
        )


def _check_skinning(ctx: Context, node: dict[str, Any], mesh: int | None, pointer: str) -> None:
    if mesh is None:
        return
    mesh_obj = ctx.doc.items("meshes")[mesh]
    if not isinstance(mesh_obj, dict):
        return
    prims = mesh_obj.get("primitives")
    _check_weights(ctx, node, prims, pointer)
    skinned = isinstance(prims, list) and any(
        isinstance(p, dict) and isinstance(p.get("attributes"), dict) and "JOINTS_0" in p["attributes"]
        for p in prims
    )
    if skinned and "skin" not in node:
        ctx.out.warning(
            "NODE_SKINNED_MESH_WITHOUT_SKIN",
            f"{pointer}/mesh",
            "Node uses skinned mesh, but has no skin defined.",
        )
    elif "skin" in node and not skinned:
        ctx.out.error(
            "NODE_SKIN_WITH_NON_SKINNED_MESH",
            f"{pointer}/skin",
            "Node has skin defined, but mesh has no joints data.",
        )


def _check_loops(ctx: Context, parents: dict[int, int]) -> None:
    """Each node has at most one parent, so a loop is a parent chain that comes back to itself."""
    state: dict[int, int] = {}  # 1 = on the current walk, 2 = known to reach a root
    for start in parents:
        walk: list[int] = []
        node: int | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = parents.get(node)
        if node is not None and state[node] == 1:
            ctx.out.error("NODE_LOOP", f"/nodes/{node}", "Node is a part of a node loop.")
        for n in walk:
            state[n] = 2


def _check_scenes(ctx: Context, parents: dict[int, int]) -> None:
    for s, scene in ctx.entries("scenes"):
        pointer = f"/scenes/{s}"
        seen: set[int] = set()
        for n, value in enumerate(ctx.array(scene, "nodes", pointer) or []):
            index = ctx.ref(value, "nodes", f"{pointer}/nodes/{n}")
            if index is None:
                continue
            if index in seen:
                ctx.out.error("DUPLICATE_ELEMENTS", f"{pointer}/nodes/{n}", "Duplicate element.")
            elif index in parents:
                ctx.out.error(
                    "SCENE_NON_ROOT_NODE", f"{pointer}/nodes/{n}", f"Node {index} is not a root node."
                )
            seen.add(index)


def check_skins(ctx: Context) -> None:
    for s, skin in ctx.entries("skins"):
        pointer = f"/skins/{s}"
        if "joints" not in skin:
            ctx.out.error("UNDEFINED_PROPERTY", pointer, "Property 'joints' must be defined.")
        joints = ctx.array(skin, "joints", pointer) or []
        seen: set[int] = set()
        for j, value in enumerate(joints):
            index = ctx.ref(value, "nodes", f"{pointer}/joints/{j}")
            if index is not None and index in seen:
                ctx.out.error("DUPLICATE_ELEMENTS", f"{pointer}/joints/{j}", "Duplicate element.")
            if index is not None:
                seen.add(index)
        if "skeleton" in skin:
            ctx.ref(skin["skeleton"], "nodes", f"{pointer}/skeleton")
        if "inverseBindMatrices" in skin:
            _check_ibm(ctx, skin["inverseBindMatrices"], f"{pointer}/inverseBindMatrices", len(joints))


def _check_ibm(ctx: Context, value: Any, pointer: str, joints: int) -> None:
    index = ctx.ref(value, "accessors", pointer)
    shape = ctx.accessors.get(index) if index is not None else None
    if shape is None:
        return
    if shape.type != "MAT4" or shape.component_type != 5126:
        ctx.out.error(
            "SKIN_IBM_INVALID_FORMAT",
            pointer,
            f"Invalid IBM accessor format '{shape.type}/{shape.component_type}'.",
        )
    elif shape.count < joints:
        ctx.out.error(
            "INVALID_IBM_ACCESSOR_COUNT",
            pointer,
            f"Accessor of count {joints} expected. Found {shape.count}.",
        )
