"""VRM reference checks: humanoid bones, expressions, first person, spring bones, constraints,
specVersion. Errors are what three-vrm refuses (or an index into a glTF array that does not exist);
what it loads with a console warning is a warning (docs/gltf.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.gltf.validate import ValidationReport, validate
from tests.unit.gltf.seeds import BONE_NAMES_1, make_avatar

V1 = "/extensions/VRMC_vrm"
V0 = "/extensions/VRM"


def _report(version: str, edit: Callable[[dict[str, Any]], Any]) -> ValidationReport:
    doc = read_glb(make_avatar(vrm=version, textures=0, vertices=64))
    edit(doc.json)
    return validate(read_glb(pack_glb(doc.json, doc.bin), name="avatar.vrm"))


def _vrm1(tree: dict[str, Any]) -> dict[str, Any]:
    return tree["extensions"]["VRMC_vrm"]


def _vrm0(tree: dict[str, Any]) -> dict[str, Any]:
    return tree["extensions"]["VRM"]


def _found(report: ValidationReport, severity: str = "error") -> list[tuple[str, str]]:
    return [(i.code, i.pointer) for i in report.issues if i.severity == severity]


def _bone0(tree: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in _vrm0(tree)["humanoid"]["humanBones"] if b["bone"] == name)


@pytest.mark.parametrize("version", ["1.0", "0"])
def test_generated_vrm_is_clean(version: str) -> None:
    assert not _report(version, lambda t: None).issues


def test_missing_required_bones_are_refused_1() -> None:
    def drop(t: dict[str, Any]) -> None:
        bones = _vrm1(t)["humanoid"]["humanBones"]
        del bones["leftHand"], bones["rightFoot"]

    report = _report("1.0", drop)
    assert _found(report) == [("VRM_HUMANOID_REQUIRED_BONE_MISSING", f"{V1}/humanoid")]
    assert "missing: leftHand, rightFoot." in report.errors[0].message


def test_missing_humanoid_is_refused() -> None:
    report = _report("1.0", lambda t: _vrm1(t).pop("humanoid"))
    assert _found(report) == [("VRM_HUMANOID_REQUIRED_BONE_MISSING", V1)]


def test_vrm0_required_bones_three_vrm_needs_and_the_ones_it_does_not() -> None:
    def drop(t: dict[str, Any]) -> None:
        bones = _vrm0(t)["humanoid"]["humanBones"]
        bones[:] = [b for b in bones if b["bone"] not in ("leftUpperArm", "neck")]

    report = _report("0", drop)
    assert _found(report) == [("VRM_HUMANOID_REQUIRED_BONE_MISSING", f"{V0}/humanoid")]
    assert _found(report, "warning") == [("VRM0_HUMANOID_REQUIRED_BONE_MISSING", f"{V0}/humanoid")]
    assert "neck" in report.warnings[0].message and "leftUpperArm" in report.errors[0].message


def test_bone_node_must_resolve_and_counts_once() -> None:
    report = _report("1.0", lambda t: _vrm1(t)["humanoid"]["humanBones"]["hips"].update(node=500))
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{V1}/humanoid/humanBones/hips/node")]
    report = _report("0", lambda t: _bone0(t, "head").update(node=500))
    head = BONE_NAMES_1.index("head")
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{V0}/humanoid/humanBones/{head}/node")]


def test_one_node_for_two_bones_warns() -> None:
    report = _report("1.0", lambda t: _vrm1(t)["humanoid"]["humanBones"].update(upperChest={"node": 2}))
    assert report.ok
    assert _found(report, "warning") == [
        ("VRM_HUMANOID_DUPLICATE_NODE", f"{V1}/humanoid/humanBones/upperChest/node")
    ]


def test_vrm0_duplicate_and_unknown_bones_warn() -> None:
    def edit(t: dict[str, Any]) -> None:
        bones = _vrm0(t)["humanoid"]["humanBones"]
        bones.append({"bone": "hips", "node": 1})
        bones.append({"bone": "tail", "node": 1})

    report = _report("0", edit)
    n = len(BONE_NAMES_1)
    assert report.ok
    assert _found(report, "warning") == [
        ("VRM_HUMANOID_DUPLICATE_BONE", f"{V0}/humanoid/humanBones/{n}"),
        ("VRM_HUMANOID_UNKNOWN_BONE", f"{V0}/humanoid/humanBones/{n + 1}/bone"),
    ]


def test_bone_without_its_parent_bone_warns() -> None:
    def edit(t: dict[str, Any]) -> None:
        bones = _vrm1(t)["humanoid"]["humanBones"]
        bones["upperChest"] = bones.pop("chest")

    report = _report("1.0", edit)
    assert report.ok
    assert _found(report, "warning") == [
        ("VRM_HUMANOID_PARENT_BONE_MISSING", f"{V1}/humanoid/humanBones/upperChest/node")
    ]


def test_spec_version_missing_or_unknown_warns() -> None:
    report = _report("1.0", lambda t: _vrm1(t).pop("specVersion"))
    assert report.ok and _found(report, "warning") == [("VRM_SPEC_VERSION_MISSING", V1)]
    report = _report("1.0", lambda t: _vrm1(t).update(specVersion="2.0"))
    assert _found(report, "warning") == [("VRM_SPEC_VERSION_UNKNOWN", f"{V1}/specVersion")]


def _happy_bind(t: dict[str, Any]) -> dict[str, Any]:
    return _vrm1(t)["expressions"]["preset"]["happy"]["morphTargetBinds"][0]


def test_expression_binds_1() -> None:
    bind = f"{V1}/expressions/preset/happy/morphTargetBinds/0"
    report = _report("1.0", lambda t: _happy_bind(t).update(index=9))
    assert report.ok and _found(report, "warning") == [
        ("VRM_EXPRESSION_MORPH_TARGET_UNRESOLVED", f"{bind}/index")
    ]
    report = _report("1.0", lambda t: _happy_bind(t).update(node=2))  # a bone, no mesh
    assert report.ok and _found(report, "warning") == [("VRM_EXPRESSION_NODE_WITHOUT_MESH", f"{bind}/node")]
    report = _report("1.0", lambda t: _happy_bind(t).update(node=99))
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{bind}/node")]

    def material(t: dict[str, Any]) -> None:
        happy = _vrm1(t)["expressions"]["preset"]["happy"]
        happy["materialColorBinds"] = [{"material": 7, "type": "color", "targetValue": [1, 0, 0, 1]}]

    report = _report("1.0", material)
    assert _found(report) == [
        ("UNRESOLVED_REFERENCE", f"{V1}/expressions/preset/happy/materialColorBinds/0/material")
    ]


def test_expression_binds_0() -> None:
    group = f"{V0}/blendShapeMaster/blendShapeGroups/0"

    def bind(t: dict[str, Any]) -> dict[str, Any]:
        return _vrm0(t)["blendShapeMaster"]["blendShapeGroups"][0]

    report = _report("0", lambda t: bind(t)["binds"][0].update(index=5))
    assert report.ok and _found(report, "warning") == [
        ("VRM_EXPRESSION_MORPH_TARGET_UNRESOLVED", f"{group}/binds/0/index")
    ]
    report = _report("0", lambda t: bind(t)["binds"][0].update(mesh=4))
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{group}/binds/0/mesh")]
    values = [{"materialName": "Nope", "propertyName": "_Color", "targetValue": [1, 0, 0, 1]}]
    report = _report("0", lambda t: bind(t).update(materialValues=values))
    assert report.ok and _found(report, "warning") == [
        ("VRM_EXPRESSION_MATERIAL_UNRESOLVED", f"{group}/materialValues/0/materialName")
    ]


def test_first_person_annotations_resolve() -> None:
    report = _report(
        "1.0", lambda t: _vrm1(t).update(firstPerson={"meshAnnotations": [{"node": 99, "type": "auto"}]})
    )
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{V1}/firstPerson/meshAnnotations/0/node")]

    def annotate0(t: dict[str, Any]) -> None:
        _vrm0(t)["firstPerson"]["meshAnnotations"] = [{"mesh": -1}, {"mesh": 3, "firstPersonFlag": "Auto"}]

    report = _report("0", annotate0)  # -1 is UniVRM's "none"
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{V0}/firstPerson/meshAnnotations/1/mesh")]


def _springs(t: dict[str, Any], joint: int, groups: list[int]) -> None:
    t["extensionsUsed"].append("VRMC_springBone")
    t["extensions"]["VRMC_springBone"] = {
        "specVersion": "1.0",
        "colliders": [{"node": 4, "shape": {"sphere": {"radius": 0.1}}}],
        "colliderGroups": [{"colliders": [0, 3]}],
        "springs": [{"joints": [{"node": 3}, {"node": joint}], "colliderGroups": groups}],
    }


def test_spring_bones_1() -> None:
    spring = "/extensions/VRMC_springBone"
    report = _report("1.0", lambda t: _springs(t, 4, [0]))
    assert report.ok
    assert _found(report, "warning") == [
        ("VRM_SPRING_REFERENCE_UNRESOLVED", f"{spring}/colliderGroups/0/colliders/1")
    ]
    report = _report("1.0", lambda t: _springs(t, 99, [2]))
    assert _found(report) == [("UNRESOLVED_REFERENCE", f"{spring}/springs/0/joints/1/node")]
    assert ("VRM_SPRING_REFERENCE_UNRESOLVED", f"{spring}/springs/0/colliderGroups/0") in _found(
        report, "warning"
    )


def test_spring_bones_0() -> None:
    sec = f"{V0}/secondaryAnimation"

    def edit(t: dict[str, Any]) -> None:
        _vrm0(t)["secondaryAnimation"] = {
            "boneGroups": [{"bones": [4, 77], "center": -1, "colliderGroups": [1]}],
            "colliderGroups": [{"node": 88, "colliders": []}],
        }

    report = _report("0", edit)
    assert _found(report) == [
        ("UNRESOLVED_REFERENCE", f"{sec}/colliderGroups/0/node"),
        ("UNRESOLVED_REFERENCE", f"{sec}/boneGroups/0/bones/1"),
    ]
    assert _found(report, "warning") == [
        ("VRM_SPRING_REFERENCE_UNRESOLVED", f"{sec}/boneGroups/0/colliderGroups/0")
    ]


def test_node_constraint_source_resolves() -> None:
    def edit(t: dict[str, Any]) -> None:
        t["extensionsUsed"].append("VRMC_node_constraint")
        t["nodes"][2]["extensions"] = {"VRMC_node_constraint": {"constraint": {"rotation": {"source": 50}}}}

    report = _report("1.0", edit)
    assert _found(report) == [
        ("UNRESOLVED_REFERENCE", "/nodes/2/extensions/VRMC_node_constraint/constraint/rotation/source")
    ]
