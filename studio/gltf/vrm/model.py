"""The frozen VRM parse result later stages dispatch on, the same for VRM 0.x and 1.0.

Names follow VRM 1.0 (bones, expression presets, meta vocabulary); 0.x input is mapped onto them
by ``studio.gltf.vrm.vrm0``. The untouched extension dicts stay in ``raw`` for lossless export.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

VrmVersion = Literal["0.x", "1.0"]
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class MorphBind:
    mesh: int
    index: int
    #: 0..1 (0.x weights of 0..100 are divided by 100)
    weight: float
    #: the node that carries the mesh (VRM 1.0 binds by node); None for 0.x
    node: int | None = None


@dataclass(frozen=True)
class MaterialBind:
    material: int | None
    #: 1.0 bind type (``color``, ``emissionColor``...) or the 0.x shader property (``_Color``...)
    property: str
    target: tuple[float, ...]


@dataclass(frozen=True)
class TextureBind:
    """A 1.0 ``textureTransformBinds`` entry (0.x ``_MainTex_ST`` values are converted): the
    material's texture coordinates become ``uv * scale + offset`` at full weight."""

    material: int | None
    scale: tuple[float, float] = (1.0, 1.0)
    offset: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class ExpressionInfo:
    name: str
    preset: bool
    morph_binds: tuple[MorphBind, ...] = ()
    material_binds: tuple[MaterialBind, ...] = ()
    is_binary: bool = False
    texture_binds: tuple[TextureBind, ...] = ()


@dataclass(frozen=True)
class VrmMeta:
    name: str = ""
    version: str = ""
    authors: tuple[str, ...] = ()
    contact: str = ""
    references: tuple[str, ...] = ()
    license_name: str = ""
    license_url: str = ""
    #: may the avatar be modified at all
    allow_modification: bool = False
    #: may the (unmodified) avatar file be redistributed
    allow_redistribution: bool = False
    #: 1.0 ``modification`` vocabulary: prohibited | allowModification | allowModificationRedistribution
    modification: str = "prohibited"
    #: 1.0 ``avatarPermission``: onlyAuthor | onlySeparatelyLicensedPerson | everyone
    allowed_user: str = "onlyAuthor"
    #: 1.0 ``commercialUsage``: personalNonProfit | personalProfit | corporation
    commercial_usage: str = "personalNonProfit"
    #: required | unnecessary
    credit_notation: str = "required"
    allow_violent_usage: bool = False
    allow_sexual_usage: bool = False
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False)


@dataclass(frozen=True)
class VrmInfo:
    version: VrmVersion | None = None
    #: VRM 1.0 bone name -> node index
    humanoid: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    #: VRM 1.0 preset names (happy, aa, blinkLeft...) and custom names -> expression
    expressions: Mapping[str, ExpressionInfo] = field(default_factory=lambda: _EMPTY)
    meta: VrmMeta = field(default_factory=VrmMeta)
    has_spring_bones: bool = False
    has_mtoon: bool = False
    has_look_at: bool = False
    has_first_person: bool = False
    #: node names by index, for VRoid-style alias lookups when a bone is not in ``humanoid``
    node_names: tuple[str, ...] = ()
    spec_version: str = ""

    @property
    def is_vrm(self) -> bool:
        return self.version is not None


def frozen_map(items: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(items))
