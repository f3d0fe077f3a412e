"""VRM 0.x -> 1.0 migration, explicit and reported: ``migrate_vrm1(doc) -> (doc, report)``.

Never called silently: the source exporter keeps 0.x as 0.x unless asked (``studio export
--migrate-vrm1``, ``AvatarEditor.export_source(migrate_vrm1=True)``). What cannot be carried over is
listed in :class:`MigrationReport` (``dropped``), approximations in ``notes``; nothing is lost
without a line there.

Specs: vrm-specification/specification/0.0 (input) and VRMC_vrm-1.0, VRMC_springBone-1.0,
VRMC_materials_mtoon-1.0 (output). Where the specs leave a choice, UniVRM's ``MigrationVrm`` (the
consortium's reference migrator) is followed; differences are said where they are made. Decisions:
docs/export.md ("VRM 0.x -> 1.0 migration").
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.domain.errors import InvalidInputError
from studio.gltf.document import Document
from studio.gltf.export.runtime import repair_normals
from studio.gltf.functions.rotate import rotate_vector, rotate_y180
from studio.gltf.vrm.fields import arr, flag, index, number, obj, text
from studio.gltf.vrm.humanoid import VRM1_BONES, vrm1_name
from studio.gltf.vrm.migrate_mtoon import migrate_materials
from studio.gltf.vrm.migrate_springs import migrate_springs, node_worlds, unity_vector
from studio.gltf.vrm.vrm0 import MATERIAL_COLORS, PRESETS, st_transform

LICENSE_URL = "https://vrm.dev/licenses/1.0/"
#: VRM 1.0 expression presets (VRMC_vrm-1.0/expressions.md)
PRESETS_1 = frozenset(PRESETS.values()) | {"surprised"}
_USERS = {
    "OnlyAuthor": "onlyAuthor",
    "ExplicitlyLicensedPerson": "onlySeparatelyLicensedPerson",
    "Everyone": "everyone",
}
#: 0.x licenceName -> (1.0 modification, allowRedistribution, creditNotation, non-commercial, deed URL)
_LICENCES: dict[str, tuple[str, bool, str, bool, str]] = {
    "CC0": ("allowModificationRedistribution", True, "unnecessary", False, "publicdomain/zero/1.0/"),
    "CC_BY": ("allowModificationRedistribution", True, "required", False, "licenses/by/4.0/"),
    "CC_BY_NC": ("allowModificationRedistribution", True, "required", True, "licenses/by-nc/4.0/"),
    "CC_BY_SA": ("allowModificationRedistribution", True, "required", False, "licenses/by-sa/4.0/"),
    "CC_BY_NC_SA": ("allowModificationRedistribution", True, "required", True, "licenses/by-nc-sa/4.0/"),
    "CC_BY_ND": ("prohibited", True, "required", False, "licenses/by-nd/4.0/"),
    "CC_BY_NC_ND": ("prohibited", True, "required", True, "licenses/by-nc-nd/4.0/"),
    "Redistribution_Prohibited": ("prohibited", False, "required", False, ""),
}
_FIRST_PERSON = {
    "auto": "auto",
    "both": "both",
    "thirdpersononly": "thirdPersonOnly",
    "firstpersononly": "firstPersonOnly",
}
_LINEAR_CURVE = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0]
_HUMANOID_SETTINGS = (
    "armStretch",
    "legStretch",
    "upperArmTwist",
    "lowerArmTwist",
    "upperLegTwist",
    "lowerLegTwist",
    "feetSpacing",
    "hasTranslationDoF",
)


@dataclass
class MigrationReport:
    #: what could not be carried over, one line each: ``"<0.x path>: <why>"``
    dropped: list[str] = field(default_factory=list)
    #: approximations and choices the migration made
    notes: list[str] = field(default_factory=list)
    #: accessors rewritten by turning the model round
    rotated_accessors: int = 0

    def drop(self, line: str) -> None:
        self.dropped.append(line)

    def note(self, line: str) -> None:
        self.notes.append(line)

    def lines(self) -> list[str]:
        return [f"not migrated: {line}" for line in self.dropped] + [f"note: {line}" for line in self.notes]


def migrate_vrm1(doc: Document) -> tuple[Document, MigrationReport]:
    """A VRM 1.0 copy of the VRM 0.x document ``doc`` (which is not changed), and the report."""
    vrm0 = doc.extension("VRM")
    if vrm0 is None or doc.extension("VRMC_vrm") is not None:
        raise InvalidInputError(
            "only a VRM 0.x file can be migrated to VRM 1.0"
            + (" (this one is VRM 1.0 already)" if doc.extension("VRMC_vrm") is not None else "")
        )
    out = dataclasses.replace(doc, json=copy.deepcopy(doc.json), load_issues=list(doc.load_issues))
    report = MigrationReport()
    vrm0 = copy.deepcopy(vrm0)
    worlds = node_worlds(out.items("nodes"))  # before turning: offsets are re-based in 0.x space
    repaired = repair_normals(out) if out.items("meshes") else 0
    if repaired:
        report.note(f"{repaired} NORMAL accessor(s) had vectors that are not unit length: normalised")
    report.rotated_accessors = rotate_y180(out)
    exts = out.json["extensions"]
    del exts["VRM"]
    vrm: dict[str, Any] = {"specVersion": "1.0", "meta": migrate_meta(out, obj(vrm0.get("meta")), report)}
    vrm["humanoid"] = {"humanBones": migrate_humanoid(obj(vrm0.get("humanoid")), report)}
    first_person = obj(vrm0.get("firstPerson"))
    if first_person:
        vrm["firstPerson"] = _first_person(out, first_person, report)
        vrm["lookAt"] = _look_at(first_person, vrm["humanoid"]["humanBones"], worlds, report)
    vrm["expressions"] = migrate_expressions(out, obj(vrm0.get("blendShapeMaster")), report)
    exts["VRMC_vrm"] = vrm
    used = ["VRMC_vrm"]
    springs = migrate_springs(out, obj(vrm0.get("secondaryAnimation")), report)
    if springs is not None:
        exts["VRMC_springBone"] = springs
        used.append("VRMC_springBone")
    used += migrate_materials(out, arr(vrm0.get("materialProperties")), report)
    _unknown_keys(vrm0, report)
    _set_used(out, used)
    return out, report


def _set_used(doc: Document, added: list[str]) -> None:
    used = [n for n in doc.json.get("extensionsUsed") or [] if n != "VRM"]
    doc.json["extensionsUsed"] = used + [n for n in dict.fromkeys(added) if n not in used]
    if "extensionsRequired" in doc.json:
        doc.json["extensionsRequired"] = [n for n in doc.json["extensionsRequired"] if n != "VRM"]
        if not doc.json["extensionsRequired"]:
            del doc.json["extensionsRequired"]


def _unknown_keys(vrm0: dict[str, Any], report: MigrationReport) -> None:
    known = {
        "exporterVersion",
        "specVersion",
        "meta",
        "humanoid",
        "firstPerson",
        "blendShapeMaster",
        "secondaryAnimation",
        "materialProperties",
    }
    for key in vrm0:
        if key not in known:
            report.drop(f"VRM.{key}: not part of VRM 0.x, no 1.0 place for it")
    if vrm0.get("exporterVersion"):
        report.note(f"VRM.exporterVersion {text(vrm0.get('exporterVersion'))!r} is not kept (1.0 has none)")


# -- meta ------------------------------------------------------------------------------------------
def migrate_meta(doc: Document, meta: dict[str, Any], report: MigrationReport) -> dict[str, Any]:
    """VRMC_vrm-1.0/meta.md from 0.x ``meta``; the licence is mapped to the closest 1.0 terms and the
    original licence's URL is kept in ``otherLicenseUrl``."""
    author = text(meta.get("author"))
    if not author:
        report.note("meta.author is empty; authors set to ['unknown'] (VRM 1.0 requires one)")
    out: dict[str, Any] = {
        "name": text(meta.get("title")),
        "version": text(meta.get("version")),
        "authors": [author or "unknown"],
        "licenseUrl": LICENSE_URL,
        "avatarPermission": _USERS.get(text(meta.get("allowedUserName")), "onlyAuthor"),
        "allowExcessivelyViolentUsage": text(meta.get("violentUssageName")) == "Allow",
        "allowExcessivelySexualUsage": text(meta.get("sexualUssageName")) == "Allow",
        "commercialUsage": "corporation"
        if text(meta.get("commercialUssageName")) == "Allow"
        else "personalNonProfit",
        "allowPoliticalOrReligiousUsage": False,
        "allowAntisocialOrHateUsage": False,
    }
    if text(meta.get("contactInformation")):
        out["contactInformation"] = text(meta["contactInformation"])
    if text(meta.get("reference")):
        out["references"] = [text(meta["reference"])]
    _thumbnail(doc, meta, out, report)
    _licence(meta, out, report)
    report.note(
        "meta: political/religious and antisocial/hate usage set to not allowed (0.x had no such terms)"
    )
    return out


def _thumbnail(doc: Document, meta: dict[str, Any], out: dict[str, Any], report: MigrationReport) -> None:
    texture = index(meta.get("texture"))
    if texture is None:
        return
    textures = doc.items("textures")
    source = index(obj(textures[texture]).get("source")) if texture < len(textures) else None
    if source is None:
        report.drop(f"meta.texture {texture}: no such texture image; no thumbnailImage")
    else:
        out["thumbnailImage"] = source


def _licence(meta: dict[str, Any], out: dict[str, Any], report: MigrationReport) -> None:
    name = text(meta.get("licenseName"))
    other = text(meta.get("otherLicenseUrl"))
    permission = text(meta.get("otherPermissionUrl"))
    modification, redistribution, credit, non_commercial, deed = _LICENCES.get(
        name, ("prohibited", False, "required", False, "")
    )
    if name not in _LICENCES and name != "Other":
        report.note(f"meta.licenseName {name!r} is unknown: read as 'Other' (most restrictive)")
    out.update(modification=modification, allowRedistribution=redistribution, creditNotation=credit)
    if non_commercial:
        out["commercialUsage"] = "personalNonProfit"
    url = other or permission or (f"https://creativecommons.org/{deed}" if deed else "")
    if url:
        out["otherLicenseUrl"] = url
    if other and permission and permission != other:
        report.drop(f"meta.otherPermissionUrl {permission!r}: 1.0 has one licence URL (kept otherLicenseUrl)")
    if name.startswith("CC"):
        report.note(
            f"meta.licenseName {name}: mapped onto the VRM Public License 1.0 fields; deed in otherLicenseUrl"
        )


# -- humanoid --------------------------------------------------------------------------------------
def migrate_humanoid(humanoid: dict[str, Any], report: MigrationReport) -> dict[str, Any]:
    """0.x ``humanBones`` list -> 1.0 map; 0.x thumbProximal/Intermediate/Distal become 1.0
    thumbMetacarpal/Proximal/Distal (same joints, renamed: VRMC_vrm-1.0/humanoid.md)."""
    bones: dict[str, Any] = {}
    limited: list[str] = []
    for i, bone in enumerate(arr(humanoid.get("humanBones"))):
        bone = obj(bone)
        raw, node = text(bone.get("bone")), index(bone.get("node"))
        name = vrm1_name(raw, vrm0=True)
        if name is None or name not in VRM1_BONES or node is None:
            report.drop(f"humanoid.humanBones[{i}] ({raw!r}): not a VRM 1.0 bone or no node")
            continue
        if name in bones:
            report.drop(f"humanoid.humanBones[{i}] ({raw!r}): bone listed twice; the first is kept")
            continue
        bones[name] = {"node": node}
        if not flag(bone.get("useDefaultValues"), True):
            limited.append(raw)
    if limited:
        report.drop(f"humanoid.humanBones ({', '.join(limited)}): Unity muscle limits (min/max/center)")
    present = [k for k in _HUMANOID_SETTINGS if k in humanoid]
    if present:
        report.drop(f"humanoid.{', '.join(present)}: Unity humanoid settings, no VRM 1.0 equivalent")
    return bones


# -- expressions -----------------------------------------------------------------------------------
def migrate_expressions(doc: Document, master: dict[str, Any], report: MigrationReport) -> dict[str, Any]:
    preset: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for i, group in enumerate(arr(master.get("blendShapeGroups"))):
        group = obj(group)
        name = text(group.get("name"))
        key = PRESETS.get(text(group.get("presetName")).lower())
        where = f"blendShapeMaster.blendShapeGroups[{i}] ({name or key!r})"
        if key is None and name in PRESETS_1 and name not in preset:
            key = name  # a custom group named like a 1.0 preset ("surprised") is that preset
            report.note(f"{where}: custom group promoted to the 1.0 preset {name!r}")
        table, label = (preset, key) if key is not None else (custom, name)
        if not label or label in table or (table is custom and label in PRESETS_1):
            report.drop(f"{where}: duplicate or unnamed expression")
            continue
        table[label] = _expression(doc, group, where, report)
    return {"preset": preset, "custom": custom}


def _expression(doc: Document, group: dict[str, Any], where: str, report: MigrationReport) -> dict[str, Any]:
    expr: dict[str, Any] = {
        "morphTargetBinds": _morph_binds(doc, group, where, report),
        "materialColorBinds": [],
        "textureTransformBinds": [],
        "isBinary": flag(group.get("isBinary")),
        "overrideBlink": "none",
        "overrideLookAt": "none",
        "overrideMouth": "none",
    }
    names = {text(obj(m).get("name")): i for i, m in reversed(list(enumerate(doc.items("materials"))))}
    for j, value in enumerate(arr(group.get("materialValues"))):
        _material_bind(expr, obj(value), names, f"{where}.materialValues[{j}]", report)
    return {k: v for k, v in expr.items() if v != [] or k == "morphTargetBinds"}


def _morph_binds(doc: Document, group: dict[str, Any], where: str, report: MigrationReport) -> list[Any]:
    nodes_of: dict[int, list[int]] = {}
    for n, node in enumerate(doc.items("nodes")):
        if index(node.get("mesh")) is not None:
            nodes_of.setdefault(int(node["mesh"]), []).append(n)
    binds = []
    for j, bind in enumerate(arr(group.get("binds"))):
        bind = obj(bind)
        mesh, morph = index(bind.get("mesh")), index(bind.get("index"))
        nodes = nodes_of.get(mesh, []) if mesh is not None else []
        if morph is None or not nodes:
            report.drop(f"{where}.binds[{j}]: mesh {mesh} is on no node (1.0 binds by node)")
            continue
        # 0.x weights are 0..100, 1.0 weights 0..1 (vrm-specification issue 209)
        weight = number(bind.get("weight")) / 100.0
        if not 0.0 <= weight <= 1.0:
            report.note(f"{where}.binds[{j}]: weight {weight * 100:g} clamped to 0..100")
        binds += [{"node": n, "index": morph, "weight": min(max(weight, 0.0), 1.0)} for n in nodes]
    return binds


def _material_bind(
    expr: dict[str, Any], value: dict[str, Any], names: dict[str, int], where: str, report: MigrationReport
) -> None:
    prop, target = text(value.get("propertyName")), [number(v) for v in arr(value.get("targetValue"))]
    material = names.get(text(value.get("materialName")))
    if material is None or len(target) < 4:
        report.drop(f"{where}: material {text(value.get('materialName'))!r} not found or bad target")
    elif prop in MATERIAL_COLORS:
        # passed through as UniVRM's MigrationVrmExpression does (0.x and 1.0 both store the value
        # the runtime sets on the material)
        expr["materialColorBinds"].append(
            {"material": material, "type": MATERIAL_COLORS[prop], "targetValue": target[:4]}
        )
    elif (transform := st_transform(prop, tuple(target))) is not None:
        (sx, sy), (ox, oy) = transform
        expr["textureTransformBinds"].append({"material": material, "scale": [sx, sy], "offset": [ox, oy]})
    else:
        report.drop(f"{where}: property {prop!r} has no 1.0 material bind")


# -- firstPerson and lookAt ------------------------------------------------------------------------
def _first_person(doc: Document, fp: dict[str, Any], report: MigrationReport) -> dict[str, Any]:
    annotations = []
    nodes = doc.items("nodes")
    for j, ann in enumerate(arr(fp.get("meshAnnotations"))):
        ann = obj(ann)
        mesh = index(ann.get("mesh"))
        found = [n for n, node in enumerate(nodes) if mesh is not None and node.get("mesh") == mesh]
        kind = _FIRST_PERSON.get(text(ann.get("firstPersonFlag")).lower(), "auto")
        if not found:
            report.drop(f"firstPerson.meshAnnotations[{j}]: mesh {mesh} is on no node")
        annotations += [{"node": n, "type": kind} for n in found]
    return {"meshAnnotations": annotations}


def _look_at(
    fp: dict[str, Any], bones: dict[str, Any], worlds: list[np.ndarray], report: MigrationReport
) -> dict[str, Any]:
    kind = "expression" if text(fp.get("lookAtTypeName")).lower() == "blendshape" else "bone"
    out: dict[str, Any] = {"offsetFromHeadBone": _head_offset(fp, bones, worlds, report), "type": kind}
    default_scale = 1.0 if kind == "expression" else 10.0
    for old, new in (
        ("lookAtHorizontalInner", "rangeMapHorizontalInner"),
        ("lookAtHorizontalOuter", "rangeMapHorizontalOuter"),
        ("lookAtVerticalDown", "rangeMapVerticalDown"),
        ("lookAtVerticalUp", "rangeMapVerticalUp"),
    ):
        curve = obj(fp.get(old))
        out[new] = {
            "inputMaxValue": number(curve.get("xRange"), 90.0),
            "outputScale": number(curve.get("yRange"), default_scale),
        }
        points = [number(v) for v in arr(curve.get("curve"))]
        if points and points != _LINEAR_CURVE:
            report.drop(f"firstPerson.{old}.curve: 1.0 maps linearly; the curve shape is not kept")
    return out


def _head_offset(
    fp: dict[str, Any], bones: dict[str, Any], worlds: list[np.ndarray], report: MigrationReport
) -> list[float]:
    """0.x ``firstPersonBoneOffset`` is relative to ``firstPersonBone`` (any bone), 1.0's
    ``offsetFromHeadBone`` to the head: re-based through the rest pose when they differ."""
    offset = unity_vector(fp.get("firstPersonBoneOffset"))  # 0.x glTF space
    bone, head = index(fp.get("firstPersonBone")), index(obj(bones.get("head")).get("node"))
    if bone is not None and head is not None and bone != head and max(bone, head) < len(worlds):
        point = worlds[bone] @ np.array([*offset, 1.0])
        offset = list((np.linalg.inv(worlds[head]) @ point)[:3])
        report.note(f"firstPerson.firstPersonBone {bone} is not the head: offset re-based onto the head")
    return rotate_vector(offset)
