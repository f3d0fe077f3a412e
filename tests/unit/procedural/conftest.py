"""Shared, once-per-session procedural avatars (generation takes a fraction of a second each)."""

from __future__ import annotations

import pytest

from studio.domain.supermesh import parse_supermesh
from studio.procedural.humanoid import build_avatar
from studio.procedural.model import AvatarModel
from studio.procedural.spec import AvatarSpec

#: seed 004's supermesh example, verbatim
SEED_EXAMPLE = {
    "base": "feminine",
    "bodyMorphs": {"muscularity": 0.3, "chest_size": 0.5},
    "faceMorphs": {"jaw_width": -0.1, "lip_fullness": 0.4},
    "skin": {"tone": "#c4956a", "freckles": 0.3},
    "clothing": ["tops-jacket-formal-01", "bottoms-skirt-pleated-02"],
    "attachments": ["earring-hoop-gold", "necklace-pendant-01"],
}


@pytest.fixture(scope="session")
def seed_spec() -> AvatarSpec:
    return AvatarSpec(parse_supermesh(SEED_EXAMPLE), "Seed Example")


@pytest.fixture(scope="session")
def feminine(seed_spec: AvatarSpec) -> AvatarModel:
    return build_avatar(seed_spec)


@pytest.fixture(scope="session")
def masculine() -> AvatarModel:
    params = parse_supermesh(
        {"base": "masculine", "clothing": ["tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01"]}
    )
    return build_avatar(AvatarSpec(params, "Masc"))
