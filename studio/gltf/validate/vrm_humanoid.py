"""VRM humanoid checks, both versions: bone nodes resolve, required bones present, one node per bone.

Severities follow one rule (docs/gltf.md): what makes three-vrm throw while loading is an error
(a required bone missing: ``VRMHumanoidLoaderPlugin._ensureRequiredBonesExist``; a bone node that
does not exist), anything it loads with a console warning is a warning.
Spec: vrm-specification ``specification/VRMC_vrm-1.0/humanoid.md`` (bone table, "0.X is required"
notes for chest and neck) and ``specification/0.0``.
"""

from __future__ import annotations

from typing import Any

from studio.gltf.validate.context import Context, as_index
from studio.gltf.vrm.humanoid import REQUIRED_BONES, VRM0_TO_VRM1, VRM1_BONES

#: bones VRM 0.x requires beyond the 1.0 set (three-vrm does not enforce them: a warning)
VRM0_ALSO_REQUIRED = ("chest", "neck")
_VRM0_BONES = (
    frozenset(VRM1_BONES) | frozenset(VRM0_TO_VRM1) | {f"{s}ThumbIntermediate" for s in ("left", "right")}
)
#: bones that may only exist when their parent bone does ("Needs Parent Bone: Yes")
_NEEDS_PARENT = {"upperChest": "chest"} | {
    f"{side}{finger}{child}": f"{side}{finger}{parent}"
    for side in ("left", "right")
    for finger in ("Thumb", "Index", "Middle", "Ring", "Little")
    for parent, child in (
        (
            "Metacarpal" if finger == "Thumb" else "Proximal",
            "Proximal" if finger == "Thumb" else "Intermediate",
        ),
        ("Proximal" if finger == "Thumb" else "Intermediate", "Distal"),
    )
}


def check_humanoid1(ctx: Context, humanoid: dict[str, Any] | None, pointer: str) -> None:
    """``VRMC_vrm.humanoid``: ``humanBones`` maps a bone name to ``{"node": index}``."""
    bones = ctx.mapping(humanoid, "humanBones", pointer) if humanoid is not None else None
    found: dict[str, tuple[int, str]] = {}
    for name, bone in (bones or {}).items():
        bp = f"{pointer}/humanBones/{name}"
        if name not in VRM1_BONES:
            ctx.out.warning("VRM_HUMANOID_UNKNOWN_BONE", bp, f"'{name}' is not a VRM 1.0 humanoid bone.")
        if not isinstance(bone, dict):
            ctx.out.error("TYPE_MISMATCH", bp, "Type mismatch. Property value is not a 'object'.")
            continue
        node = ctx.ref(bone.get("node"), "nodes", f"{bp}/node", required=True)
        found[name] = (-1 if node is None else node, f"{bp}/node")  # -1: reported above
    _check_bones(ctx, found, pointer if humanoid is not None else pointer.rpartition("/")[0], "1.0")


def check_humanoid0(ctx: Context, humanoid: dict[str, Any] | None, pointer: str) -> None:
    """``VRM.humanoid``: ``humanBones`` is a list of ``{"bone": name, "node": index}``; names are
    mapped to 1.0 names (the thumb joints shifted) before the required-bone check."""
    bones = ctx.array(humanoid, "humanBones", pointer, allow_empty=True) if humanoid is not None else None
    found: dict[str, tuple[int, str]] = {}
    for i, bone in enumerate(bones or []):
        bp = f"{pointer}/humanBones/{i}"
        if not isinstance(bone, dict):
            ctx.out.error("TYPE_MISMATCH", bp, "Type mismatch. Property value is not a 'object'.")
            continue
        name, value = bone.get("bone"), bone.get("node")
        if isinstance(value, int) and value < 0:
            continue  # an unassigned bone; three-vrm skips it too
        node = ctx.ref(value, "nodes", f"{bp}/node", required=True)
        if not isinstance(name, str) or name not in _VRM0_BONES:
            ctx.out.warning(
                "VRM_HUMANOID_UNKNOWN_BONE", f"{bp}/bone", f"{name!r} is not a VRM 0.x humanoid bone."
            )
            continue
        name = VRM0_TO_VRM1.get(name, name)
        if name in found:
            ctx.out.warning(
                "VRM_HUMANOID_DUPLICATE_BONE",
                bp,
                f"Bone '{bone['bone']}' is listed more than once; later entries are ignored.",
            )
        else:
            found[name] = (-1 if node is None else node, f"{bp}/node")  # -1: reported above
    _check_bones(ctx, found, pointer if humanoid is not None else pointer.rpartition("/")[0], "0.x")


def _check_bones(ctx: Context, found: dict[str, tuple[int, str]], pointer: str, version: str) -> None:
    missing = [b for b in REQUIRED_BONES if b not in found]
    if missing:
        ctx.out.error(
            "VRM_HUMANOID_REQUIRED_BONE_MISSING",
            pointer,
            f"Required humanoid bone(s) missing: {', '.join(missing)}. VRM runtimes refuse such a model.",
        )
    if version == "0.x" and (extra := [b for b in VRM0_ALSO_REQUIRED if b not in found]):
        ctx.out.warning(
            "VRM0_HUMANOID_REQUIRED_BONE_MISSING",
            pointer,
            f"VRM 0.x requires humanoid bone(s) {', '.join(extra)}; VRM 1.0 runtimes load the model without.",
        )
    for bone, parent in _NEEDS_PARENT.items():
        if bone in found and parent not in found:
            ctx.out.warning(
                "VRM_HUMANOID_PARENT_BONE_MISSING",
                found[bone][1],
                f"Humanoid bone '{bone}' can only exist when '{parent}' does.",
            )
    first: dict[int, str] = {}
    for bone, (node, bp) in found.items():
        if node < 0:
            continue
        if node in first:
            ctx.out.warning(
                "VRM_HUMANOID_DUPLICATE_NODE",
                bp,
                f"Node {node} is both '{first[node]}' and '{bone}'; each humanoid bone needs its own node.",
            )
        else:
            first[node] = bone


def node_mesh(ctx: Context, node: int) -> int | None:
    """The mesh index node ``node`` draws, when it resolves."""
    obj = ctx.doc.items("nodes")[node]
    mesh = as_index(obj.get("mesh")) if isinstance(obj, dict) else None
    return mesh if mesh is not None and mesh < len(ctx.doc.items("meshes")) else None
