"""VRM understanding: 0.x (``VRM``) and 1.0 (``VRMC_vrm``) side by side, one frozen result.

``parse_vrm(doc)`` never raises for bad extension content: what cannot be read is left out
(validation reports unresolved references). ``resolve_bone`` accepts 1.0 names, 0.x names and
VRoid node names (``J_Bip_C_Hips``).
"""

from __future__ import annotations

from studio.gltf.document import Document
from studio.gltf.vrm import vrm0, vrm1
from studio.gltf.vrm.fields import obj, text
from studio.gltf.vrm.humanoid import REQUIRED_BONES, VRM1_BONES, vrm1_name, vroid_name, vroid_to_vrm1
from studio.gltf.vrm.model import (
    ExpressionInfo,
    MaterialBind,
    MorphBind,
    TextureBind,
    VrmInfo,
    VrmMeta,
    VrmVersion,
    frozen_map,
)

__all__ = [
    "REQUIRED_BONES",
    "VRM1_BONES",
    "ExpressionInfo",
    "MaterialBind",
    "MorphBind",
    "TextureBind",
    "VrmInfo",
    "VrmMeta",
    "VrmVersion",
    "parse_vrm",
    "resolve_bone",
    "vrm1_name",
    "vroid_name",
    "vroid_to_vrm1",
]


def parse_vrm(doc: Document) -> VrmInfo:
    """The VRM content of ``doc`` (``version`` None when it has no VRM extension)."""
    tree = doc.json
    exts = obj(tree.get("extensions"))
    names = tuple(text(obj(n).get("name")) for n in doc.items("nodes"))
    if isinstance(exts.get("VRMC_vrm"), dict):
        ext = exts["VRMC_vrm"]
        return VrmInfo(
            "1.0",
            frozen_map(vrm1.humanoid(ext)),
            frozen_map(vrm1.expressions(ext, doc.items("nodes"))),
            vrm1.meta(ext),
            **vrm1.features(tree, ext),
            node_names=names,
            spec_version=text(ext.get("specVersion")),
        )
    if isinstance(exts.get("VRM"), dict):
        ext = exts["VRM"]
        return VrmInfo(
            "0.x",
            frozen_map(vrm0.humanoid(ext)),
            frozen_map(vrm0.expressions(ext, doc.items("materials"))),
            vrm0.meta(ext),
            **vrm0.features(ext),
            node_names=names,
            spec_version=text(ext.get("specVersion")),
        )
    return VrmInfo(node_names=names)


def resolve_bone(source: Document | VrmInfo, name: str) -> int | None:
    """Node index of bone ``name`` (a 1.0 name, a 0.x name or a VRoid node name), or None.

    The humanoid map answers first; a file without one (a plain GLB from VRoid or Blender) is
    searched for the VRoid node name of that bone, then for a node literally called ``name``."""
    info = parse_vrm(source) if isinstance(source, Document) else source
    bone = vrm1_name(name, vrm0=info.version == "0.x")
    if bone is not None and bone in info.humanoid:
        return info.humanoid[bone]
    candidates = [name]
    if bone is not None and (alias := vroid_name(bone)) is not None:
        candidates.insert(0, alias)
    lowered = [n.lower() for n in info.node_names]
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered.index(candidate.lower())
    return None
