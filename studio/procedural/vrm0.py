"""VRM 0.x writer: the ``VRM`` extension (meta, humanoid, blendShapeMaster, firstPerson,
secondaryAnimation, materialProperties). The model is turned to face -Z as 0.x requires.

https://github.com/vrm-c/vrm-specification/tree/master/specification/0.0
"""

from __future__ import annotations

from typing import Any

from studio.procedural.model import AvatarMeta, AvatarModel, Material
from studio.procedural.skeleton import VRM0_BONES
from studio.procedural.writer import Written, write_scene

#: VRM 1.0 preset -> VRM 0.x presetName ("surprised" has no 0.x preset: written as a named custom group)
PRESETS_0 = {
    "happy": "joy",
    "angry": "angry",
    "sad": "sorrow",
    "relaxed": "fun",
    "surprised": "unknown",
    "aa": "a",
    "ih": "i",
    "ou": "u",
    "ee": "e",
    "oh": "o",
    "blink": "blink",
    "blinkLeft": "blink_l",
    "blinkRight": "blink_r",
    "neutral": "neutral",
}
#: 0.x group names as UniVRM writes them; the custom "surprised" group keeps the 1.0 preset's name so
#: runtimes that look expressions up by 1.0 name (three-vrm) find it
GROUP_NAMES_0 = {
    "happy": "Joy",
    "angry": "Angry",
    "sad": "Sorrow",
    "relaxed": "Fun",
    "surprised": "surprised",
    "aa": "A",
    "ih": "I",
    "ou": "U",
    "ee": "E",
    "oh": "O",
    "blink": "Blink",
    "blinkLeft": "Blink_L",
    "blinkRight": "Blink_R",
    "neutral": "Neutral",
}
_CURVE = {"curve": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0], "xRange": 90.0, "yRange": 10.0}


def write_vrm0(model: AvatarModel) -> bytes:
    out = write_scene(model, flip=True)
    b = out.builder
    ext: dict[str, Any] = {
        "exporterVersion": "AvatarStudio-1.0",
        "specVersion": "0.0",
        "meta": meta(model.meta),
        "humanoid": _humanoid(model, out),
        "firstPerson": {
            "firstPersonBone": out.joint_nodes["J_Bip_C_Head"],
            "firstPersonBoneOffset": {"x": 0.0, "y": 0.06, "z": 0.0},
            "meshAnnotations": [
                {
                    "mesh": out.mesh_index[name],
                    "firstPersonFlag": "ThirdPersonOnly" if name in model.head_meshes else "Auto",
                }
                for name in out.mesh_index
            ],
            "lookAtTypeName": "Bone",
            "lookAtHorizontalInner": _CURVE,
            "lookAtHorizontalOuter": _CURVE,
            "lookAtVerticalDown": _CURVE,
            "lookAtVerticalUp": _CURVE,
        },
        "blendShapeMaster": {"blendShapeGroups": _groups(model, out)},
        "secondaryAnimation": _secondary(model, out),
        "materialProperties": [material_properties(m, out) for m in model.materials],
    }
    b.set_extension("VRM", ext)
    return b.to_glb()


def meta(m: AvatarMeta) -> dict[str, Any]:
    allowed = {
        "everyone": "Everyone",
        "onlyAuthor": "OnlyAuthor",
        "onlySeparatelyLicensedPerson": "ExplicitlyLicensedPerson",
    }[m.avatar_permission]
    return {
        "title": m.name,
        "version": m.version,
        "author": ", ".join(m.authors),
        "contactInformation": "",
        "reference": "",
        "allowedUserName": allowed,
        "violentUssageName": "Allow" if m.violent else "Disallow",
        "sexualUssageName": "Allow" if m.sexual else "Disallow",
        "commercialUssageName": "Allow" if m.commercial_usage != "personalNonProfit" else "Disallow",
        "otherPermissionUrl": m.license_url,
        "licenseName": _licence_name(m),
        "otherLicenseUrl": m.license_url,
    }


def _licence_name(m: AvatarMeta) -> str:
    """VRM 0.x has no "VRM Public License" value and readers treat ``Other`` as "ask the author", so
    the 1.0 meta's permissions are expressed with the closest Creative Commons licence name."""
    if not m.allow_redistribution:
        return "Redistribution_Prohibited"
    non_commercial = m.commercial_usage == "personalNonProfit"
    no_derivatives = m.modification == "prohibited"
    if m.credit == "unnecessary" and not (non_commercial or no_derivatives):
        return "CC0"
    return "CC_BY" + ("_NC" if non_commercial else "") + ("_ND" if no_derivatives else "")


def _humanoid(model: AvatarModel, out: Written) -> dict[str, Any]:
    bones = [
        {"bone": VRM0_BONES[j.name], "node": out.joint_nodes[j.name], "useDefaultValues": True}
        for j in model.joints
        if j.name in VRM0_BONES
    ]
    return {
        "humanBones": bones,
        "armStretch": 0.05,
        "legStretch": 0.05,
        "upperArmTwist": 0.5,
        "lowerArmTwist": 0.5,
        "upperLegTwist": 0.5,
        "lowerLegTwist": 0.5,
        "feetSpacing": 0.0,
        "hasTranslationDoF": False,
    }


def _groups(model: AvatarModel, out: Written) -> list[dict[str, Any]]:
    return [
        {
            "name": GROUP_NAMES_0[name],
            "presetName": PRESETS_0[name],
            "binds": [
                {
                    "mesh": out.mesh_index[b.mesh],
                    "index": out.morph_index[b.mesh][b.morph],
                    "weight": b.weight * 100.0,
                }
                for b in binds
            ],
            "materialValues": [],
            "isBinary": False,
        }
        for name, binds in model.expressions.items()
    ]


def _secondary(model: AvatarModel, out: Written) -> dict[str, Any]:
    # collider offsets are in the joint's local space; ours lie on the joints' Y axis, which the
    # 180° turn leaves unchanged, so no handedness question arises
    groups = [
        {
            "node": out.joint_nodes[c.joint],
            "colliders": [
                {"offset": {"x": c.offset[0], "y": c.offset[1], "z": c.offset[2]}, "radius": c.radius}
            ],
        }
        for c in model.colliders
    ]
    bone_groups = [
        {
            "comment": chain.name,
            "stiffiness": chain.stiffness,
            "gravityPower": chain.gravity,
            "gravityDir": {"x": 0.0, "y": -1.0, "z": 0.0},
            "dragForce": chain.drag,
            "center": -1,
            "hitRadius": chain.hit_radius,
            "bones": [out.joint_nodes[chain.joints[0]]],
            "colliderGroups": list(range(len(groups))),
        }
        for chain in model.springs
    ]
    return {"boneGroups": bone_groups, "colliderGroups": groups}


def srgb(c: float) -> float:
    """Linear -> sRGB (IEC 61966-2-1), as Unity's ``Mathf.LinearToGammaSpace``."""
    c = min(max(float(c), 0.0), 1.0)
    return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def gamma_colour(rgba: tuple[float, ...] | list[float]) -> list[float]:
    """A linear colour as VRM 0.x stores it: UniVRM writes Unity's (gamma-space) material colours and
    readers decode them (three-vrm's v0 compat applies gammaEOTF to ``_Color``, ``_ShadeColor``...);
    alpha stays linear."""
    return [*(srgb(c) for c in rgba[:3]), *(float(a) for a in rgba[3:])]


def material_properties(mat: Material, out: Written) -> dict[str, Any]:
    textures = {}
    if mat.name in out.texture_index:
        shade = out.shade_index.get(mat.name, out.texture_index[mat.name])
        textures = {"_MainTex": out.texture_index[mat.name], "_ShadeTexture": shade}
        if mat.normal_png is not None and mat.name in out.normal_index:
            textures["_BumpMap"] = out.normal_index[mat.name]
    blend = mat.alpha_mode == "BLEND"
    return {
        "name": mat.name,
        "shader": "VRM/MToon",
        "renderQueue": 3000 + mat.render_queue_offset if blend else 2000,
        "floatProperties": {
            "_Cutoff": 0.5,
            "_BumpScale": 1.0,
            "_ReceiveShadowRate": 1.0,
            "_ShadingGradeRate": 1.0,
            "_ShadeShift": -0.05,
            "_ShadeToony": 0.9,
            "_LightColorAttenuation": 0.0,
            "_IndirectLightIntensity": 0.1,
            "_RimLightingMix": 1.0,
            "_RimFresnelPower": 5.0,
            "_RimLift": 0.0,
            "_OutlineWidth": 0.0,
            "_OutlineScaledMaxDistance": 1.0,
            "_OutlineLightingMix": 1.0,
            "_MToonVersion": 38.0,
            "_BlendMode": 2.0 if blend else 0.0,
            "_OutlineWidthMode": 0.0,
            "_OutlineColorMode": 0.0,
            "_CullMode": 0.0 if mat.double_sided else 2.0,
            "_OutlineCullMode": 1.0,
            "_SrcBlend": 5.0 if blend else 1.0,
            "_DstBlend": 10.0 if blend else 0.0,
            "_ZWrite": 0.0 if blend else 1.0,
        },
        "vectorProperties": {
            "_Color": gamma_colour(mat.base_color),
            "_ShadeColor": gamma_colour([*mat.shade_color, 1.0]),
            "_MainTex": [0.0, 0.0, 1.0, 1.0],
            "_ShadeTexture": [0.0, 0.0, 1.0, 1.0],
            "_EmissionColor": [0.0, 0.0, 0.0, 1.0],
            "_RimColor": [0.0, 0.0, 0.0, 1.0],
            "_OutlineColor": [0.0, 0.0, 0.0, 1.0],
        },
        "textureProperties": textures,
        "keywordMap": {
            **({"_ALPHABLEND_ON": True} if blend else {}),
            **({"_NORMALMAP": True} if "_BumpMap" in textures else {}),
        },
        "tagMap": {"RenderType": "Transparent" if blend else "Opaque"},
    }
