"""The generated humanoid itself: skeleton, closed skinned meshes, morphs, proportions, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from studio.domain.errors import InvalidInputError
from studio.domain.supermesh import BODY_MORPHS, FACE_MORPHS, parse_supermesh
from studio.procedural.geometry import signed_volume
from studio.procedural.humanoid import build_avatar
from studio.procedural.model import AvatarModel
from studio.procedural.morphs import EXPRESSION_PRESETS
from studio.procedural.skeleton import REQUIRED_VRM0, REQUIRED_VRM1, VRM0_BONES, VRM1_BONES
from studio.procedural.spec import AvatarSpec
from studio.procedural.vrm1 import write_vrm1


def _heads(model: AvatarModel) -> dict[str, np.ndarray]:
    return {j.name: j.head for j in model.joints}


def test_skeleton_has_every_required_and_optional_humanoid_bone(feminine: AvatarModel) -> None:
    names = {j.name for j in feminine.joints}
    vrm1 = {VRM1_BONES[n] for n in names if n in VRM1_BONES}
    vrm0 = {VRM0_BONES[n] for n in names if n in VRM0_BONES}
    assert vrm1 >= REQUIRED_VRM1 and vrm0 >= REQUIRED_VRM0
    for optional in ("chest", "upperChest", "neck", "leftToes", "rightEye", "leftShoulder"):
        assert optional in vrm1
    fingers = [b for b in vrm1 if any(f in b for f in ("Thumb", "Index", "Middle", "Ring", "Little"))]
    assert len(fingers) == 30
    assert {"leftThumbMetacarpal", "leftThumbProximal", "leftThumbDistal"} <= vrm1
    assert {"leftThumbProximal", "leftThumbIntermediate", "leftThumbDistal"} <= vrm0
    assert "J_Bip_L_UpperArm" in names and "J_Bip_C_Hips" in names


def test_t_pose_faces_plus_z_with_left_on_plus_x(feminine: AvatarModel) -> None:
    h = _heads(feminine)
    assert h["J_Bip_L_Hand"][0] > 0.5 and h["J_Bip_R_Hand"][0] < -0.5
    assert abs(h["J_Bip_L_Hand"][1] - h["J_Bip_L_UpperArm"][1]) < 1e-6  # arms level: T-pose
    assert h["J_Bip_L_ToeBase"][2] > h["J_Bip_L_Foot"][2]  # toes point forward (+Z)
    face = next(m for m in feminine.meshes if m.name == "Face")
    nose_z = face.primitives[0].positions[:, 2].max()
    assert nose_z > h["J_Bip_C_Head"][2] + 0.08


def test_bases_have_different_proportions(feminine: AvatarModel, masculine: AvatarModel) -> None:
    f, m = _heads(feminine), _heads(masculine)
    assert m["J_Bip_C_Head"][1] > f["J_Bip_C_Head"][1] + 0.1
    assert m["J_Bip_L_UpperArm"][0] > f["J_Bip_L_UpperArm"][0] + 0.02  # broader shoulders


def test_meshes_are_closed_and_outward(feminine: AvatarModel) -> None:
    body = next(m for m in feminine.meshes if m.name == "Body").primitives[0]
    assert signed_volume(body.positions, body.faces) > 0.02  # litres of body, not a sheet
    edges = np.sort(body.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert (counts == 2).all()  # every edge shared by exactly two triangles: watertight


def test_skin_weights_are_normalised_with_four_influences(feminine: AvatarModel) -> None:
    for mesh in feminine.meshes:
        for prim in mesh.primitives:
            assert prim.joints.shape[1] == 4 and prim.weights.dtype == np.float32
            sums = prim.weights.sum(axis=1, dtype=np.float32)
            assert np.abs(sums - 1).max() <= 1e-6
            assert (prim.joints[prim.weights == 0] == 0).all()
            assert int(prim.joints.max()) < len(feminine.joints)


def test_body_blends_across_joints(feminine: AvatarModel) -> None:
    body = next(m for m in feminine.meshes if m.name == "Body").primitives[0]
    influences = (body.weights > 0).sum(axis=1)
    assert (influences >= 2).mean() > 0.3  # smooth skinning, not rigid parts


def test_morph_targets_and_expressions(feminine: AvatarModel) -> None:
    names = {n for m in feminine.meshes for n in m.morph_names}
    assert set(BODY_MORPHS) <= names and set(FACE_MORPHS) <= names
    assert set(feminine.expressions) == set(EXPRESSION_PRESETS)
    face = next(m for m in feminine.meshes if m.name == "Face")
    for preset, binds in feminine.expressions.items():
        for bind in binds:
            index = face.morph_names.index(bind.morph)
            moved = max(float(np.abs(p.morphs[index]).max()) for p in face.primitives)
            assert moved > 0.003, f"{preset} barely moves ({moved} m)"
    assert feminine.expressions["neutral"] == []


def test_blink_closes_the_eyes(feminine: AvatarModel) -> None:
    face = next(m for m in feminine.meshes if m.name == "Face")
    eyes = next(p for p in face.primitives if p.material == "EyeIris_00_EYE")
    closed = eyes.positions + eyes.morphs[face.morph_names.index("Fcl_EYE_Close")]
    assert np.ptp(closed[:, 1]) < 0.25 * np.ptp(eyes.positions[:, 1])


def test_parameters_are_baked_into_the_shape() -> None:
    thin = build_avatar(AvatarSpec(parse_supermesh({"bodyMorphs": {"weight": -1.0}})))
    heavy = build_avatar(AvatarSpec(parse_supermesh({"bodyMorphs": {"weight": 1.0}})))
    vol = [
        signed_volume(m.meshes[0].primitives[0].positions, m.meshes[0].primitives[0].faces)
        for m in (thin, heavy)
    ]
    assert vol[1] > vol[0] * 1.15


def test_same_parameters_give_identical_bytes(seed_spec: AvatarSpec) -> None:
    assert write_vrm1(build_avatar(seed_spec)) == write_vrm1(build_avatar(seed_spec))


def test_different_skin_tone_changes_the_texture(seed_spec: AvatarSpec) -> None:
    other = AvatarSpec(
        seed_spec.params.model_copy(
            update={"skin": seed_spec.params.skin.model_copy(update={"tone": "#6b4430"})}
        ),
        seed_spec.name,
    )
    a = next(m for m in build_avatar(seed_spec).materials if m.name == "Body_00_SKIN")
    b = next(m for m in build_avatar(other).materials if m.name == "Body_00_SKIN")
    assert a.texture_png != b.texture_png


def test_unknown_item_category_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="hats-cowboy-01"):
        build_avatar(AvatarSpec(parse_supermesh({"clothing": ["hats-cowboy-01"]})))
