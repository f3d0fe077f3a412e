"""The wardrobe ``metadata`` JSON (design seed 004, ADR-005 "metadata JSONB Examples").

Three shapes share one column: a VRM avatar with modifications, an AI-mesh avatar and a supermesh
avatar (the last one is owned by :mod:`studio.domain.supermesh`). Rules, documented in
``docs/metadata.md``:

- Unknown keys are kept (``extra="allow"``) at every level and written back unchanged, so newer
  clients' fields survive an older studio.
- A bad value is refused with :class:`~studio.domain.errors.InvalidInputError` whose message names the
  key path (``boneTransforms.J_Bip_C_Hips.y: ...``).
- ``boneTransforms`` shorthand ``{"x": .., "y": .., "z": ..}`` is a per-axis *scale factor* in the
  bone's local axes (missing axis = 1.0): ``"J_Bip_C_Hips": {"y": 1.05}`` makes the body 5 % taller
  from the hips, ``"J_Bip_L_UpperArm": {"x": 0.15}`` shrinks the left arm along x to 15 %.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from studio.domain.errors import InvalidInputError
from studio.domain.supermesh import SupermeshMetadata

AvatarType = Literal["vrm", "ai_mesh", "supermesh"]
AVATAR_TYPES: tuple[str, ...] = ("vrm", "ai_mesh", "supermesh")

#: what an avatar wears, by seed 004's metadata keys: one hair, lists of clothing and attachments
ITEM_SLOTS = ("hair", "clothing", "attachments")
#: the slots that hold lists
LIST_SLOTS = ITEM_SLOTS[1:]

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
#: bone scale factors outside this range are refused: 0 collapses a limb, huge values explode it
MIN_SCALE, MAX_SCALE = 0.01, 10.0


def _check_hex(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"{value!r} is not a colour; use #rgb, #rrggbb or #rrggbbaa")
    return value


HexColor = Annotated[str, AfterValidator(_check_hex)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False, strict=True)]
Weight = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False, strict=True)]
ScaleFactor = Annotated[float, Field(ge=MIN_SCALE, le=MAX_SCALE, allow_inf_nan=False, strict=True)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def parse_hex_color(value: str) -> tuple[float, float, float, float]:
    """``#rgb`` / ``#rrggbb`` / ``#rrggbbaa`` -> sRGB components in [0, 1] (alpha defaults to 1)."""
    digits = _check_hex(value)[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 6:
        digits += "ff"
    r, g, b, a = (int(digits[i : i + 2], 16) / 255.0 for i in range(0, 8, 2))
    return (r, g, b, a)


def format_hex_color(srgb: Sequence[float]) -> str:
    """sRGB components in [0, 1] (alpha ignored) -> ``#rrggbb``: the inverse of
    :func:`parse_hex_color` (values outside [0, 1] are clamped)."""
    return "#" + "".join(f"{round(min(max(float(c), 0.0), 1.0) * 255):02x}" for c in srgb[:3])


class _Open(BaseModel):
    """Unknown keys are kept and dumped back unchanged."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_assignment=True)


class BoneTransform(_Open):
    """Per-axis scale factors in the bone's local axes; a missing axis means 1.0 (unchanged)."""

    x: ScaleFactor | None = None
    y: ScaleFactor | None = None
    z: ScaleFactor | None = None

    def factors(self) -> tuple[float, float, float]:
        return (self.x or 1.0, self.y or 1.0, self.z or 1.0)

    def is_identity(self) -> bool:
        return self.factors() == (1.0, 1.0, 1.0)


class MaterialEdit(_Open):
    tint: HexColor | None = None
    roughness: Unit | None = None


class SkinSettings(_Open):
    tone: HexColor | None = None
    freckles: Unit | None = None


class VrmAvatarMetadata(_Open):
    """A VRM (or any humanoid glTF) avatar with the studio's modifications."""

    base: Name | None = None
    boneTransforms: dict[Name, BoneTransform] = Field(default_factory=dict)
    materials: dict[Name, MaterialEdit] = Field(default_factory=dict)
    bodyMorphs: dict[Name, Weight] = Field(default_factory=dict)
    faceMorphs: dict[Name, Weight] = Field(default_factory=dict)
    skin: SkinSettings | None = None
    hair: Name | None = None
    clothing: list[Name] = Field(default_factory=list)
    attachments: list[Name] = Field(default_factory=list)


class MaterialOverrides(_Open):
    """Applied to every material of an AI-generated mesh."""

    roughness: Unit | None = None
    tint: HexColor | None = None


class AiMeshMetadata(_Open):
    source: Name
    retargetedFrom: Name | None = None
    materialOverrides: MaterialOverrides = Field(default_factory=MaterialOverrides)


AvatarMetadata = VrmAvatarMetadata | AiMeshMetadata | SupermeshMetadata
_MODELS: dict[str, type[BaseModel]] = {
    "vrm": VrmAvatarMetadata,
    "ai_mesh": AiMeshMetadata,
    "supermesh": SupermeshMetadata,
}
_AI_KEYS = {"source", "retargetedFrom", "materialOverrides"}
_SUPERMESH_BASES = ("feminine", "masculine")


def infer_avatar_type(data: dict[str, Any]) -> str:
    """The wardrobe row's ``avatar_type`` when the caller does not know it (a loose JSON file).

    AI-mesh keys (``source``, ``retargetedFrom``, ``materialOverrides``) make an AI-mesh document; a
    ``base`` naming a supermesh body ("feminine"/"masculine") a supermesh one; anything else is a
    VRM avatar's modifications (which may also carry morphs, skin, clothing and attachments).
    """
    if set(data) & _AI_KEYS:
        return "ai_mesh"
    if data.get("base") in _SUPERMESH_BASES:
        return "supermesh"
    return "vrm"


def parse_metadata(data: Any, avatar_type: str | None = None) -> AvatarMetadata:
    """Validate ``data`` (a JSON object) as ``avatar_type`` metadata (inferred when None)."""
    if not isinstance(data, dict):
        raise InvalidInputError(f"metadata must be a JSON object, not {type(data).__name__}")
    kind = avatar_type or infer_avatar_type(data)
    model = _MODELS.get(kind)
    if model is None:
        raise InvalidInputError(f"avatar_type {kind!r} is not one of {', '.join(AVATAR_TYPES)}")
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        raise InvalidInputError(format_validation_error(exc, kind)) from None


def dump_metadata(meta: BaseModel) -> dict[str, Any]:
    """JSON-ready dict: keys the user set (and unknown ones) only, no defaults filled in."""
    return meta.model_dump(mode="json", exclude_unset=True, by_alias=True)


def format_validation_error(exc: ValidationError, kind: str) -> str:
    """One line per problem, each starting with the key path (``materials.Body.tint: ...``)."""
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"]) or "(root)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{path}: {msg}")
    return f"invalid {kind} metadata: " + "; ".join(lines)
