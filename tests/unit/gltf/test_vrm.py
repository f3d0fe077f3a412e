"""VRM 0.x and 1.0 read into one model: bones (incl. VRoid aliases), expressions, meta/licence."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.gltf.io import load, read_glb
from studio.gltf.vrm import VRM1_BONES, parse_vrm, resolve_bone, vrm1_name, vroid_name
from tests.unit.gltf.seeds import BONES, make_avatar


def test_vrm1_sample(samples: Path) -> None:
    info = parse_vrm(load(samples / "vrm1" / "VRMC_vrm_expressions_isBinary_Overrides.vrm"))
    assert info.version == "1.0"
    assert info.humanoid["hips"] == 21 and info.humanoid["head"] == 0
    assert set(info.expressions) == {"happy", "blink"}
    assert info.expressions["happy"].preset
    meta = info.meta
    assert (meta.name, meta.authors, meta.license_name) == (
        "isBinary overrides",
        ("pixiv Inc.",),
        "VRM Public License 1.0",
    )
    assert meta.allow_modification and meta.allow_redistribution and meta.commercial_usage == "corporation"
    assert info.has_look_at and info.has_first_person
    with pytest.raises(TypeError):
        info.humanoid["hips"] = 3  # type: ignore[index]


def test_vrm0_sample_maps_presets_and_thumbs(samples: Path) -> None:
    info = parse_vrm(load(samples / "vrm0" / "EmissionMigration_v0.106.0.vrm"))
    assert info.version == "0.x"
    assert {
        "happy",
        "sad",
        "relaxed",
        "angry",
        "aa",
        "ih",
        "ou",
        "ee",
        "oh",
        "blinkLeft",
        "blinkRight",
        "lookUp",
        "neutral",
    } <= set(info.expressions)
    assert "leftThumbMetacarpal" in info.humanoid and "leftThumbIntermediate" not in info.humanoid
    assert info.meta.license_name == "CC0" and info.meta.credit_notation == "unnecessary"
    assert info.has_mtoon


def test_vrm0_expression_binds_and_licence() -> None:
    info = parse_vrm(read_glb(make_avatar(vrm="0")))
    happy = info.expressions["happy"]
    assert [(b.mesh, b.index, b.weight) for b in happy.morph_binds] == [(0, 0, 1.0)]
    meta = info.meta
    assert meta.license_name == "CC_BY_ND"
    assert not meta.allow_modification and meta.allow_redistribution
    assert meta.allowed_user == "everyone" and meta.commercial_usage == "personalNonProfit"
    assert info.has_spring_bones and info.has_mtoon and info.has_look_at and info.has_first_person


def test_vrm1_binds_resolve_node_to_mesh() -> None:
    info = parse_vrm(read_glb(make_avatar(vrm="1.0")))
    bind = info.expressions["happy"].morph_binds[0]
    assert (bind.mesh, bind.index, bind.node) == (0, 0, len(BONES))  # the body node follows the bones


def test_plain_glb_is_not_vrm() -> None:
    info = parse_vrm(read_glb(make_avatar(vrm=None)))
    assert info.version is None and not info.humanoid
    # VRoid node names still resolve without a humanoid map
    assert resolve_bone(info, "hips") == 0
    assert resolve_bone(info, "J_Bip_C_Neck") == 3


@pytest.mark.parametrize(
    ("name", "bone"),
    [
        ("J_Bip_C_Hips", "hips"),
        ("J_Bip_L_UpperArm", "leftUpperArm"),
        ("J_Bip_R_Thumb1", "rightThumbMetacarpal"),
        ("J_Bip_L_Little3", "leftLittleDistal"),
        ("J_Bip_R_ToeBase", "rightToes"),
        ("J_Adj_L_FaceEye", "leftEye"),
        ("j_bip_c_upperchest", "upperChest"),
        ("leftThumbIntermediate", "leftThumbProximal"),
        ("J_Bip_X_Hips", None),
        ("J_Bip_L_Hand2", None),
        ("J_Bip_C_UpperArm", None),
    ],
)
def test_bone_aliases(name: str, bone: str | None) -> None:
    assert vrm1_name(name) == bone


def test_vroid_names_round_trip() -> None:
    assert all(vrm1_name(vroid_name(b) or "") == b for b in VRM1_BONES)


def test_resolve_bone_on_vrm0_and_vrm1(samples: Path) -> None:
    doc0 = load(samples / "vrm0" / "EmissionMigration_v0.106.0.vrm")
    info0 = parse_vrm(doc0)
    # in a 0.x file "leftThumbProximal" is the 0.x joint, i.e. 1.0's leftThumbMetacarpal
    assert resolve_bone(doc0, "leftThumbProximal") == info0.humanoid["leftThumbMetacarpal"]
    assert resolve_bone(doc0, "J_Bip_C_Hips") == info0.humanoid["hips"]
    doc1 = load(samples / "vrm1" / "VRMC_materials_mtoon_UV_Animation_Test.vrm")
    info1 = parse_vrm(doc1)
    assert resolve_bone(info1, "leftThumbProximal") == info1.humanoid["leftThumbProximal"]
    assert resolve_bone(info1, "J_Bip_L_UpperArm") == info1.humanoid["leftUpperArm"]
    assert resolve_bone(info1, "no such bone") is None


def test_hostile_extension_content_never_raises() -> None:
    doc = read_glb(make_avatar(vrm="1.0"))
    doc.json["extensions"]["VRMC_vrm"] = {
        "humanoid": {"humanBones": {"hips": 5, "head": {"node": -1}}},
        "expressions": {"preset": [], "custom": {"x": {"morphTargetBinds": [1]}}},
        "meta": {"authors": "me", "allowRedistribution": "yes"},
    }
    info = parse_vrm(doc)
    assert info.version == "1.0" and not info.humanoid and not info.meta.allow_redistribution
