"""Spring bones (0.x ``secondaryAnimation``, 1.0 ``VRMC_springBone``) and node constraints
(``VRMC_node_constraint``): their node indices resolve (UNRESOLVED_REFERENCE, an error: three-vrm
builds a joint on an undefined node and throws); their indices into the extension's own collider
arrays that do not resolve are skipped by three-vrm with a warning, so they are warnings here
(``VRM_SPRING_REFERENCE_UNRESOLVED``).
Specs: vrm-specification ``specification/VRMC_springBone-1.0``, ``VRMC_node_constraint-1.0``, ``0.0``.
"""

from __future__ import annotations

from typing import Any

from studio.gltf.validate.context import Context, as_index, indexed, is_int


def check_spring1(ctx: Context, ext: dict[str, Any], pointer: str) -> None:
    colliders = ctx.array(ext, "colliders", pointer, allow_empty=True) or []
    for c, collider in indexed(colliders):
        ctx.ref(collider.get("node"), "nodes", f"{pointer}/colliders/{c}/node")
    groups = ctx.array(ext, "colliderGroups", pointer, allow_empty=True) or []
    for g, group in indexed(groups):
        _internal(
            ctx, group.get("colliders"), len(colliders), f"{pointer}/colliderGroups/{g}/colliders", "collider"
        )
    for s, spring in indexed(ctx.array(ext, "springs", pointer, allow_empty=True)):
        sp = f"{pointer}/springs/{s}"
        for j, joint in indexed(ctx.array(spring, "joints", sp, allow_empty=True)):
            ctx.ref(joint.get("node"), "nodes", f"{sp}/joints/{j}/node", required=True)
        if "center" in spring:
            ctx.ref(spring["center"], "nodes", f"{sp}/center")
        _internal(ctx, spring.get("colliderGroups"), len(groups), f"{sp}/colliderGroups", "collider group")


def check_spring0(ctx: Context, sec: dict[str, Any], pointer: str) -> None:
    groups = ctx.array(sec, "colliderGroups", pointer, allow_empty=True) or []
    for g, group in indexed(groups):
        ctx.ref(group.get("node"), "nodes", f"{pointer}/colliderGroups/{g}/node")
    for b, bone_group in indexed(ctx.array(sec, "boneGroups", pointer, allow_empty=True)):
        bp = f"{pointer}/boneGroups/{b}"
        bones = bone_group.get("bones")
        for i, node in enumerate(bones if isinstance(bones, list) else []):
            ctx.ref(node, "nodes", f"{bp}/bones/{i}")
        center = bone_group.get("center")
        if center is not None and not (is_int(center) and center == -1):
            ctx.ref(center, "nodes", f"{bp}/center")
        _internal(
            ctx, bone_group.get("colliderGroups"), len(groups), f"{bp}/colliderGroups", "collider group"
        )


def check_constraints(ctx: Context) -> None:
    for n, node in ctx.entries("nodes"):
        exts = node.get("extensions")
        ext = exts.get("VRMC_node_constraint") if isinstance(exts, dict) else None
        constraint = ext.get("constraint") if isinstance(ext, dict) else None
        if not isinstance(constraint, dict):
            continue
        for kind, body in constraint.items():
            if isinstance(body, dict):
                cp = f"/nodes/{n}/extensions/VRMC_node_constraint/constraint/{kind}/source"
                ctx.ref(body.get("source"), "nodes", cp, required=True)


def _internal(ctx: Context, values: Any, length: int, pointer: str, what: str) -> None:
    for i, value in enumerate(values if isinstance(values, list) else []):
        index = as_index(value)
        if index is None or index >= length:
            ctx.out.warning(
                "VRM_SPRING_REFERENCE_UNRESOLVED",
                f"{pointer}/{i}",
                f"No {what} {value!r} (there are {length}); VRM runtimes skip it.",
            )
