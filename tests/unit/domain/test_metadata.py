"""The wardrobe metadata schema accepts seed 004's three examples as written and refuses bad values
with a message naming the key."""

from __future__ import annotations

import pytest

from studio.domain.errors import InvalidInputError
from studio.domain.metadata import (
    AiMeshMetadata,
    VrmAvatarMetadata,
    dump_metadata,
    infer_avatar_type,
    parse_hex_color,
    parse_metadata,
)
from studio.domain.supermesh import SupermeshMetadata

SEED_VRM = {
    "base": "prebuilt-fem-03",
    "boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}, "J_Bip_L_UpperArm": {"x": 0.15}},
    "materials": {"Body_00_SKIN": {"tint": "#d4a574"}, "EyeIris_00_EYE": {"tint": "#3a7d4e"}},
    "hair": "fem-long-03",
    "clothing": ["tops-hoodie-02", "bottoms-jeans-01", "shoes-sneaker-01"],
}
SEED_AI = {
    "source": "meshy3d",
    "retargetedFrom": "original-mesh-id",
    "materialOverrides": {"roughness": 0.65, "tint": "#ffffff"},
}
SEED_SUPERMESH = {
    "base": "feminine",
    "bodyMorphs": {"muscularity": 0.3, "chest_size": 0.5},
    "faceMorphs": {"jaw_width": -0.1, "lip_fullness": 0.4},
    "skin": {"tone": "#c4956a", "freckles": 0.3},
    "clothing": ["tops-jacket-formal-01", "bottoms-skirt-pleated-02"],
    "attachments": ["earring-hoop-gold", "necklace-pendant-01"],
}


def test_seed_vrm_example_parses_with_scale_shorthand() -> None:
    meta = parse_metadata(SEED_VRM)
    assert isinstance(meta, VrmAvatarMetadata)
    assert meta.boneTransforms["J_Bip_C_Hips"].factors() == (1.0, 1.05, 1.0)
    assert meta.boneTransforms["J_Bip_L_UpperArm"].factors() == (0.15, 1.0, 1.0)
    assert meta.materials["EyeIris_00_EYE"].tint == "#3a7d4e"
    assert dump_metadata(meta) == SEED_VRM


def test_seed_ai_and_supermesh_examples_parse() -> None:
    ai = parse_metadata(SEED_AI)
    assert isinstance(ai, AiMeshMetadata)
    assert ai.materialOverrides.roughness == 0.65
    sm = parse_metadata(SEED_SUPERMESH)
    assert isinstance(sm, SupermeshMetadata)
    assert infer_avatar_type(SEED_SUPERMESH) == "supermesh"
    assert infer_avatar_type(SEED_VRM) == "vrm"
    assert infer_avatar_type(SEED_AI) == "ai_mesh"


def test_unknown_keys_are_kept_at_every_level() -> None:
    data = {**SEED_VRM, "futureField": {"a": 1}, "materials": {"Body": {"tint": "#fff", "sheen": 0.2}}}
    out = dump_metadata(parse_metadata(data, "vrm"))
    assert out["futureField"] == {"a": 1}
    assert out["materials"]["Body"]["sheen"] == 0.2


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"boneTransforms": {"J_Bip_C_Hips": {"y": 0}}}, "boneTransforms.J_Bip_C_Hips.y"),
        ({"boneTransforms": {"J_Bip_C_Hips": {"y": "1.05"}}}, "boneTransforms.J_Bip_C_Hips.y"),
        ({"materials": {"Body_00_SKIN": {"tint": "skin"}}}, "materials.Body_00_SKIN.tint"),
        ({"bodyMorphs": {"belly": 3.0}}, "bodyMorphs.belly"),
        ({"clothing": "tops-hoodie-02"}, "clothing"),
        ({"hair": ""}, "hair"),
    ],
)
def test_bad_values_are_refused_naming_the_key(patch: dict, key: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_metadata({**SEED_VRM, **patch}, "vrm")
    assert key in str(info.value)


def test_bad_ai_and_supermesh_values_name_the_key() -> None:
    with pytest.raises(InvalidInputError, match=r"materialOverrides\.roughness"):
        parse_metadata({"source": "meshy3d", "materialOverrides": {"roughness": 2}})
    with pytest.raises(InvalidInputError, match=r"bodyMorphs"):
        parse_metadata({**SEED_SUPERMESH, "bodyMorphs": {"muscularity": 9.0}})
    with pytest.raises(InvalidInputError, match="JSON object"):
        parse_metadata(["not", "an", "object"])
    with pytest.raises(InvalidInputError, match="avatar_type"):
        parse_metadata({}, "robot")


def test_hex_colours() -> None:
    assert parse_hex_color("#fff") == (1.0, 1.0, 1.0, 1.0)
    assert parse_hex_color("#00000080")[3] == pytest.approx(128 / 255)
    with pytest.raises(ValueError, match="not a colour"):
        parse_hex_color("#12345")
