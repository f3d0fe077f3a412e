"""VRM 0.x (extension ``VRM``), mapped onto the VRM 1.0 vocabulary of :mod:`studio.gltf.vrm.model`.

Spec: https://github.com/vrm-c/vrm-specification/tree/master/specification/0.0
"""

from __future__ import annotations

from typing import Any

from studio.gltf.vrm.fields import arr, flag, index, number, numbers, obj, text
from studio.gltf.vrm.humanoid import vrm1_name
from studio.gltf.vrm.model import ExpressionInfo, MaterialBind, MorphBind, TextureBind, VrmMeta, frozen_map

#: 0.x blend-shape preset -> 1.0 expression preset
PRESETS: dict[str, str] = {
    "neutral": "neutral",
    "joy": "happy",
    "angry": "angry",
    "sorrow": "sad",
    "fun": "relaxed",
    "a": "aa",
    "i": "ih",
    "u": "ou",
    "e": "ee",
    "o": "oh",
    "blink": "blink",
    "blink_l": "blinkLeft",
    "blink_r": "blinkRight",
    "lookup": "lookUp",
    "lookdown": "lookDown",
    "lookleft": "lookLeft",
    "lookright": "lookRight",
}
_NO_REDISTRIBUTION = ("Redistribution_Prohibited", "Other", "")
_NO_MODIFICATION = ("Redistribution_Prohibited", "Other", "CC_BY_ND", "CC_BY_NC_ND", "")
_USERS = {
    "OnlyAuthor": "onlyAuthor",
    "ExplicitlyLicensedPerson": "onlySeparatelyLicensedPerson",
    "Everyone": "everyone",
}


#: 0.x ``materialValues`` colour properties -> 1.0 ``materialColorBinds`` types
MATERIAL_COLORS = {
    "_Color": "color",
    "_ShadeColor": "shadeColor",
    "_EmissionColor": "emissionColor",
    "_RimColor": "rimColor",
    "_OutlineColor": "outlineColor",
}


Pair = tuple[float, float]


def st_transform(prop: str, target: tuple[float, ...]) -> tuple[Pair, Pair] | None:
    """A 0.x ``_MainTex_ST`` (``_ST_S``/``_ST_T``: one axis) target as 1.0 (scale, offset); None
    when ``prop`` is not a texture transform or the value is short."""
    if not prop.endswith(("_ST", "_ST_S", "_ST_T")) or len(target) < 4:
        return None
    sx, sy, ox, oy = target[:4]
    if prop.endswith("_ST_S"):
        sy, oy = 1.0, 0.0
    elif prop.endswith("_ST_T"):
        sx, ox = 1.0, 0.0
    # Unity's UV origin is bottom-left, glTF's top-left: flip the offset vertically
    return (sx, sy), (ox, 1.0 - oy - sy)


def humanoid(ext: dict[str, Any]) -> dict[str, int]:
    bones: dict[str, int] = {}
    for bone in arr(obj(ext.get("humanoid")).get("humanBones")):
        bone = obj(bone)
        name, node = vrm1_name(text(bone.get("bone")), vrm0=True), index(bone.get("node"))
        if name is not None and node is not None:
            bones.setdefault(name, node)
    return bones


def expressions(ext: dict[str, Any], materials: list[Any]) -> dict[str, ExpressionInfo]:
    names = {text(obj(m).get("name")): i for i, m in enumerate(materials)}
    out: dict[str, ExpressionInfo] = {}
    for group in arr(obj(ext.get("blendShapeMaster")).get("blendShapeGroups")):
        group = obj(group)
        preset = PRESETS.get(text(group.get("presetName")).lower())
        name = preset or text(group.get("name"))
        if not name or name in out:
            continue
        out[name] = ExpressionInfo(
            name,
            preset is not None,
            _morph_binds(group),
            _material_binds(group, names),
            flag(group.get("isBinary")),
            _texture_binds(group, names),
        )
    return out


def _morph_binds(group: dict[str, Any]) -> tuple[MorphBind, ...]:
    binds = []
    for bind in arr(group.get("binds")):
        bind = obj(bind)
        mesh, morph = index(bind.get("mesh")), index(bind.get("index"))
        if mesh is not None and morph is not None:
            binds.append(MorphBind(mesh, morph, min(max(number(bind.get("weight")) / 100.0, 0.0), 1.0)))
    return tuple(binds)


def _material_binds(group: dict[str, Any], names: dict[str, int]) -> tuple[MaterialBind, ...]:
    """Colour ``materialValues`` as 1.0 bind types (``color``...; the target stays the 0.x
    gamma-space value); texture transforms are :func:`_texture_binds`' and unknown properties
    are left out."""
    return tuple(
        MaterialBind(
            names.get(text(obj(v).get("materialName"))),
            MATERIAL_COLORS[text(obj(v).get("propertyName"))],
            numbers(obj(v).get("targetValue")),
        )
        for v in arr(group.get("materialValues"))
        if text(obj(v).get("propertyName")) in MATERIAL_COLORS
    )


def _texture_binds(group: dict[str, Any], names: dict[str, int]) -> tuple[TextureBind, ...]:
    binds = []
    for v in arr(group.get("materialValues")):
        found = st_transform(text(obj(v).get("propertyName")), numbers(obj(v).get("targetValue")))
        if found is not None:
            binds.append(TextureBind(names.get(text(obj(v).get("materialName"))), *found))
    return tuple(binds)


def meta(ext: dict[str, Any]) -> VrmMeta:
    raw = obj(ext.get("meta"))
    licence = text(raw.get("licenseName"))
    commercial = text(raw.get("commercialUssageName")) == "Allow"
    author = text(raw.get("author"))
    return VrmMeta(
        name=text(raw.get("title")),
        version=text(raw.get("version")),
        authors=(author,) if author else (),
        contact=text(raw.get("contactInformation")),
        references=(text(raw.get("reference")),) if text(raw.get("reference")) else (),
        license_name=licence,
        license_url=text(raw.get("otherLicenseUrl")),
        allow_modification=licence not in _NO_MODIFICATION,
        allow_redistribution=licence not in _NO_REDISTRIBUTION,
        modification="prohibited" if licence in _NO_MODIFICATION else "allowModificationRedistribution",
        allowed_user=_USERS.get(text(raw.get("allowedUserName")), "onlyAuthor"),
        commercial_usage="corporation" if commercial else "personalNonProfit",
        credit_notation="unnecessary" if licence == "CC0" else "required",
        allow_violent_usage=text(raw.get("violentUssageName")) == "Allow",
        allow_sexual_usage=text(raw.get("sexualUssageName")) == "Allow",
        raw=frozen_map(raw),
    )


def features(ext: dict[str, Any]) -> dict[str, bool]:
    first_person = obj(ext.get("firstPerson"))
    return {
        "has_spring_bones": bool(arr(obj(ext.get("secondaryAnimation")).get("boneGroups"))),
        "has_mtoon": any(
            text(obj(m).get("shader")) == "VRM/MToon" for m in arr(ext.get("materialProperties"))
        ),
        "has_look_at": bool(text(first_person.get("lookAtTypeName"))),
        "has_first_person": bool(first_person),
    }
