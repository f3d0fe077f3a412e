"""Supermesh avatar metadata (seed 004, Phase 3): the parameters of a procedural avatar.

Accepts the seed's example as written::

    {"base": "feminine", "bodyMorphs": {"muscularity": 0.3, "chest_size": 0.5},
     "faceMorphs": {"jaw_width": -0.1, "lip_fullness": 0.4},
     "skin": {"tone": "#c4956a", "freckles": 0.3},
     "clothing": ["tops-jacket-formal-01", "bottoms-skirt-pleated-02"],
     "attachments": ["earring-hoop-gold", "necklace-pendant-01"]}

Unknown keys are kept (``extra="allow"``) so metadata written by a newer studio survives a round trip.
Bad values are refused with :class:`InvalidInputError` naming the key (``bodyMorphs.muscularity``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.domain.errors import InvalidInputError

#: the morph weights a supermesh may set; values are in [-1, 1] (0 = the base shape)
BODY_MORPHS: tuple[str, ...] = (
    "muscularity",
    "chest_size",
    "weight",
    "calf_size",
    "hip_width",
    "waist_size",
    "shoulder_width",
    "belly",
    "glute_size",
    "thigh_size",
    "arm_size",
    "neck_thickness",
)
FACE_MORPHS: tuple[str, ...] = (
    "jaw_width",
    "lip_fullness",
    "eye_size",
    "nose_size",
    "nose_length",
    "chin_length",
    "cheek_fullness",
    "brow_height",
    "eye_spacing",
    "face_width",
    "mouth_width",
    "forehead_height",
)
ITEM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SkinParams(BaseModel):
    model_config = ConfigDict(extra="allow")

    tone: str = "#e8beac"
    freckles: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("tone")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError("must be a colour like #c4956a")
        return value.lower()


class SupermeshMetadata(BaseModel):
    """The parameters of one procedural avatar; see module docstring."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    base: Literal["feminine", "masculine"] = "feminine"
    body_morphs: dict[str, float] = Field(default_factory=dict, alias="bodyMorphs")
    face_morphs: dict[str, float] = Field(default_factory=dict, alias="faceMorphs")
    skin: SkinParams = Field(default_factory=lambda: SkinParams())
    hair: str | None = None
    hair_colour: str = Field("#3b2a20", alias="hairColor")
    eye_colour: str = Field("#4a6b8a", alias="eyeColor")
    clothing: list[str] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)
    name: str | None = None

    @field_validator("body_morphs")
    @classmethod
    def _body(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_morphs(value, BODY_MORPHS)

    @field_validator("face_morphs")
    @classmethod
    def _face(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_morphs(value, FACE_MORPHS)

    @field_validator("hair")
    @classmethod
    def _hair(cls, value: str | None) -> str | None:
        if value is not None and not ITEM_ID.match(value):
            raise ValueError(f"{value!r} is not an item id like fem-short-01")
        return value

    @field_validator("clothing", "attachments")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        for item in value:
            if not ITEM_ID.match(item):
                raise ValueError(f"{item!r} is not an item id like tops-tshirt-01")
        return value

    @field_validator("hair_colour", "eye_colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError("must be a colour like #3b2a20")
        return value.lower()

    def to_json(self) -> dict[str, Any]:
        """Seed 004's spelling (camelCase keys), unknown keys included."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def _check_morphs(value: dict[str, float], known: tuple[str, ...]) -> dict[str, float]:
    for key, weight in value.items():
        # "@key:" lets parse_supermesh name the nested key (bodyMorphs.muscularity)
        if key not in known:
            raise ValueError(f"@{key}: unknown morph; known: {', '.join(known)}")
        if not -1.0 <= weight <= 1.0:
            raise ValueError(f"@{key}: {weight} is outside [-1, 1]")
    return dict(value)


def parse_supermesh(data: Any) -> SupermeshMetadata:
    """Validate a parsed JSON value; raise InvalidInputError naming the bad key."""
    if not isinstance(data, dict):
        raise InvalidInputError("supermesh metadata must be a JSON object")
    try:
        return SupermeshMetadata.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(root)"
        message = str(first["msg"]).removeprefix("Value error, ")
        if message.startswith("@"):
            nested, _, message = message[1:].partition(": ")
            key = f"{key}.{nested}"
        raise InvalidInputError(f"supermesh metadata: {key}: {message}") from None


def parse_supermesh_json(text: str | bytes) -> SupermeshMetadata:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"supermesh metadata is not valid JSON: {exc}") from None
    return parse_supermesh(data)
