"""VRM 1.0 writer: VRMC_vrm (meta, humanoid, expressions, lookAt, firstPerson), VRMC_springBone and
VRMC_materials_mtoon on every material (the glTF PBR material stays as the fallback).

https://github.com/vrm-c/vrm-specification/tree/master/specification/VRMC_vrm-1.0
"""

from __future__ import annotations

from typing import Any

from studio.procedural.model import AvatarMeta, AvatarModel, Material
from studio.procedural.skeleton import VRM1_BONES
from studio.procedural.writer import Written, spring_bone, write_scene

_RANGE = {"inputMaxValue": 90.0, "outputScale": 10.0}


def write_vrm1(model: AvatarModel) -> bytes:
    out = write_scene(model)
    b = out.builder
    vrm: dict[str, Any] = {
        "specVersion": "1.0",
        "meta": meta(model.meta),
        "humanoid": {
            "humanBones": {
                VRM1_BONES[j.name]: {"node": out.joint_nodes[j.name]}
                for j in model.joints
                if j.name in VRM1_BONES
            }
        },
        "firstPerson": {
            "meshAnnotations": [
                {"node": node, "type": "thirdPersonOnly" if name in model.head_meshes else "auto"}
                for name, node in out.mesh_nodes.items()
            ]
        },
        "lookAt": {
            "offsetFromHeadBone": [0.0, 0.06, 0.0],
            "type": "bone",
            "rangeMapHorizontalInner": _RANGE,
            "rangeMapHorizontalOuter": _RANGE,
            "rangeMapVerticalDown": _RANGE,
            "rangeMapVerticalUp": _RANGE,
        },
        "expressions": {"preset": _expressions(model, out)},
    }
    b.set_extension("VRMC_vrm", vrm)
    if model.springs:
        b.set_extension("VRMC_springBone", spring_bone(model, out))
    for mat in model.materials:
        entry = b.json["materials"][out.material_index[mat.name]]
        entry.setdefault("extensions", {})["VRMC_materials_mtoon"] = mtoon(mat, out)
    b.use_extension("VRMC_materials_mtoon")
    return b.to_glb()


def meta(m: AvatarMeta) -> dict[str, Any]:
    return {
        "name": m.name,
        "version": m.version,
        "authors": list(m.authors),
        "copyrightInformation": m.copyright,
        "licenseUrl": m.license_url,
        "avatarPermission": m.avatar_permission,
        "allowExcessivelyViolentUsage": m.violent,
        "allowExcessivelySexualUsage": m.sexual,
        "commercialUsage": m.commercial_usage,
        "allowPoliticalOrReligiousUsage": m.political,
        "allowAntisocialOrHateUsage": m.antisocial,
        "creditNotation": m.credit,
        "allowRedistribution": m.allow_redistribution,
        "modification": m.modification,
    }


def _expressions(model: AvatarModel, out: Written) -> dict[str, Any]:
    presets: dict[str, Any] = {}
    for name, binds in model.expressions.items():
        presets[name] = {
            "morphTargetBinds": [
                {
                    "node": out.mesh_nodes[bind.mesh],
                    "index": out.morph_index[bind.mesh][bind.morph],
                    "weight": bind.weight,
                }
                for bind in binds
            ],
            "isBinary": False,
            "overrideBlink": "block" if name in ("happy", "angry", "sad", "relaxed", "surprised") else "none",
            "overrideLookAt": "none",
            "overrideMouth": "block" if name in ("happy", "surprised") else "none",
        }
    return presets


def mtoon(mat: Material, out: Written) -> dict[str, Any]:
    ext: dict[str, Any] = {
        "specVersion": "1.0",
        "transparentWithZWrite": False,
        "renderQueueOffsetNumber": mat.render_queue_offset if mat.alpha_mode == "BLEND" else 0,
        "shadeColorFactor": [float(c) for c in mat.shade_color],
        "shadingShiftFactor": -0.05,
        "shadingToonyFactor": 0.9,
        "giEqualizationFactor": 0.9,
        "matcapFactor": [0.0, 0.0, 0.0],
        "parametricRimColorFactor": [0.0, 0.0, 0.0],
        "rimLightingMixFactor": 1.0,
        "parametricRimFresnelPowerFactor": 5.0,
        "parametricRimLiftFactor": 0.0,
        "outlineWidthMode": "none",
        "outlineWidthFactor": 0.0,
        "outlineColorFactor": [0.0, 0.0, 0.0],
        "outlineLightingMixFactor": 1.0,
    }
    shade = out.shade_index.get(mat.name, out.texture_index.get(mat.name))
    if shade is not None:
        ext["shadeMultiplyTexture"] = {"index": shade}
    return ext
