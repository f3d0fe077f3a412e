"""Seed 004's supermesh metadata as the avatar parameters."""

from __future__ import annotations

import pytest

from studio.domain.errors import InvalidInputError
from studio.domain.supermesh import parse_supermesh, parse_supermesh_json
from tests.unit.procedural.conftest import SEED_EXAMPLE


def test_seed_example_is_accepted_as_written() -> None:
    params = parse_supermesh(SEED_EXAMPLE)
    assert params.base == "feminine" and params.body_morphs["chest_size"] == 0.5
    assert params.skin.tone == "#c4956a" and params.attachments[0] == "earring-hoop-gold"
    assert params.to_json()["bodyMorphs"] == SEED_EXAMPLE["bodyMorphs"]


def test_unknown_keys_are_kept() -> None:
    params = parse_supermesh({**SEED_EXAMPLE, "futureField": {"x": 1}})
    assert params.to_json()["futureField"] == {"x": 1}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"base": "robot"}, "base"),
        ({"bodyMorphs": {"muscularity": 2}}, "bodyMorphs.muscularity"),
        ({"faceMorphs": {"ear_size": 0.1}}, "faceMorphs.ear_size"),
        ({"skin": {"tone": "brown"}}, "skin.tone"),
        ({"skin": {"freckles": 1.5}}, "skin.freckles"),
        ({"clothing": ["Tops Jacket"]}, "clothing"),
    ],
)
def test_bad_values_are_refused_naming_the_key(data: dict, key: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_supermesh(data)
    assert f"{key}:" in str(info.value)


def test_not_json_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        parse_supermesh_json(b"{base: feminine")
    with pytest.raises(InvalidInputError, match="JSON object"):
        parse_supermesh_json(b"[1, 2]")
