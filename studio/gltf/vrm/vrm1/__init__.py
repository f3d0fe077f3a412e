"""VRM 1.0 (extension ``VRMC_vrm`` plus ``VRMC_springBone`` and ``VRMC_materials_mtoon``).

Spec: https://github.com/vrm-c/vrm-specification/tree/master/specification/VRMC_vrm-1.0
"""

from __future__ import annotations

from typing import Any

from studio.gltf.vrm.fields import arr, flag, index, number, numbers, obj, text
from studio.gltf.vrm.humanoid import VRM1_BONES
from studio.gltf.vrm.model import ExpressionInfo, MaterialBind, MorphBind, TextureBind, VrmMeta, frozen_map

_VRM_PUBLIC_LICENSE = "https://vrm.dev/licenses/1.0/"


def humanoid(ext: dict[str, Any]) -> dict[str, int]:
    bones = obj(obj(ext.get("humanoid")).get("humanBones"))
    out: dict[str, int] = {}
    for name in VRM1_BONES:
        node = index(obj(bones.get(name)).get("node"))
        if node is not None:
            out[name] = node
    return out


def expressions(ext: dict[str, Any], nodes: list[Any]) -> dict[str, ExpressionInfo]:
    table = obj(ext.get("expressions"))
    out: dict[str, ExpressionInfo] = {}
    for group, preset in (("preset", True), ("custom", False)):
        for name, expr in obj(table.get(group)).items():
            if isinstance(name, str) and name and name not in out:
                expr = obj(expr)
                out[name] = ExpressionInfo(
                    name,
                    preset,
                    _morph_binds(expr, nodes),
                    _material_binds(expr),
                    flag(expr.get("isBinary")),
                    _texture_binds(expr),
                )
    return out


def _morph_binds(expr: dict[str, Any], nodes: list[Any]) -> tuple[MorphBind, ...]:
    binds = []
    for bind in arr(expr.get("morphTargetBinds")):
        bind = obj(bind)
        node, morph = index(bind.get("node")), index(bind.get("index"))
        mesh = index(obj(nodes[node]).get("mesh")) if node is not None and node < len(nodes) else None
        if mesh is not None and morph is not None:
            binds.append(MorphBind(mesh, morph, min(max(number(bind.get("weight")), 0.0), 1.0), node))
    return tuple(binds)


def _material_binds(expr: dict[str, Any]) -> tuple[MaterialBind, ...]:
    return tuple(
        MaterialBind(
            index(obj(b).get("material")), text(obj(b).get("type")), numbers(obj(b).get("targetValue"))
        )
        for b in arr(expr.get("materialColorBinds"))
    )


def _texture_binds(expr: dict[str, Any]) -> tuple[TextureBind, ...]:
    binds = []
    for b in arr(expr.get("textureTransformBinds")):
        scale, offset = numbers(obj(b).get("scale")), numbers(obj(b).get("offset"))
        binds.append(
            TextureBind(
                index(obj(b).get("material")),
                (scale[0], scale[1]) if len(scale) >= 2 else (1.0, 1.0),
                (offset[0], offset[1]) if len(offset) >= 2 else (0.0, 0.0),
            )
        )
    return tuple(binds)


def meta(ext: dict[str, Any]) -> VrmMeta:
    raw = obj(ext.get("meta"))
    url = text(raw.get("licenseUrl"))
    modification = text(raw.get("modification")) or "prohibited"
    return VrmMeta(
        name=text(raw.get("name")),
        version=text(raw.get("version")),
        authors=tuple(text(a) for a in arr(raw.get("authors")) if text(a)),
        contact=text(raw.get("contactInformation")),
        references=tuple(text(r) for r in arr(raw.get("references")) if text(r)),
        license_name="VRM Public License 1.0" if url.rstrip("/") == _VRM_PUBLIC_LICENSE.rstrip("/") else "",
        license_url=url,
        allow_modification=modification in ("allowModification", "allowModificationRedistribution"),
        allow_redistribution=flag(raw.get("allowRedistribution")),
        modification=modification,
        allowed_user=text(raw.get("avatarPermission")) or "onlyAuthor",
        commercial_usage=text(raw.get("commercialUsage")) or "personalNonProfit",
        credit_notation=text(raw.get("creditNotation")) or "required",
        allow_violent_usage=flag(raw.get("allowExcessivelyViolentUsage")),
        allow_sexual_usage=flag(raw.get("allowExcessivelySexualUsage")),
        raw=frozen_map(raw),
    )


def features(tree: dict[str, Any], ext: dict[str, Any]) -> dict[str, bool]:
    exts = obj(tree.get("extensions"))
    materials = arr(tree.get("materials"))
    return {
        "has_spring_bones": bool(obj(exts.get("VRMC_springBone")).get("springs")),
        "has_mtoon": any("VRMC_materials_mtoon" in obj(obj(m).get("extensions")) for m in materials),
        "has_look_at": bool(obj(ext.get("lookAt"))),
        "has_first_person": bool(obj(ext.get("firstPerson"))),
    }
