"""The format-neutral avatar the writers serialise: joints, skinned meshes, materials, expressions.

Everything is in VRM 1.0's frame (facing +Z, +Y up, metres); the VRM 0.x writer rotates on output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Joint:
    name: str
    parent: str | None
    head: np.ndarray  # world position at rest


@dataclass
class Primitive:
    material: str
    positions: np.ndarray  # (n,3) float64
    normals: np.ndarray  # (n,3) float32, unit
    uvs: np.ndarray  # (n,2)
    faces: np.ndarray  # (m,3) int
    joints: np.ndarray  # (n,4) uint16, indices into AvatarModel.joints
    weights: np.ndarray  # (n,4) float32, rows sum to 1
    #: one delta array (n,3) per name in the owning mesh's ``morph_names``
    morphs: list[np.ndarray] = field(default_factory=list)


@dataclass
class Mesh:
    name: str
    primitives: list[Primitive]
    morph_names: list[str] = field(default_factory=list)

    @property
    def vertex_count(self) -> int:
        return sum(len(p.positions) for p in self.primitives)


@dataclass
class Material:
    name: str
    base_color: tuple[float, float, float, float]
    texture_png: bytes | None = None
    shade_color: tuple[float, float, float] = (0.8, 0.7, 0.7)
    alpha_mode: str = "OPAQUE"
    double_sided: bool = False
    metallic: float = 0.0
    roughness: float = 0.9
    #: heavy avatars only: MToon shade texture and a tangent-space normal map
    shade_png: bytes | None = None
    normal_png: bytes | None = None
    #: MToon draw order among transparent materials (the iris after the eye white)
    render_queue_offset: int = 0


@dataclass
class MorphBind:
    mesh: str
    morph: str
    weight: float = 1.0


@dataclass
class SpringChain:
    name: str
    joints: list[str]
    stiffness: float = 1.0
    gravity: float = 0.1
    drag: float = 0.4
    hit_radius: float = 0.02


@dataclass
class Collider:
    joint: str
    offset: tuple[float, float, float]
    radius: float


@dataclass
class AvatarMeta:
    name: str
    version: str = "1.0"
    authors: tuple[str, ...] = ("Avatar Studio",)
    copyright: str = ""
    license_url: str = "https://vrm.dev/licenses/1.0/"
    avatar_permission: str = "everyone"
    commercial_usage: str = "personalNonProfit"
    allow_redistribution: bool = True
    modification: str = "allowModificationRedistribution"
    violent: bool = False
    sexual: bool = False
    political: bool = False
    antisocial: bool = False
    credit: str = "unnecessary"


@dataclass
class AvatarModel:
    meta: AvatarMeta
    joints: list[Joint]
    meshes: list[Mesh]
    materials: list[Material]
    #: VRM 1.0 preset name -> binds (empty list: the preset exists but moves nothing, e.g. neutral)
    expressions: dict[str, list[MorphBind]] = field(default_factory=dict)
    springs: list[SpringChain] = field(default_factory=list)
    colliders: list[Collider] = field(default_factory=list)
    #: True for a full humanoid (VRM exportable); items carry only the joints their meshes use
    humanoid: bool = True
    #: mesh names that are first-person "thirdPersonOnly" (the head, hair)
    head_meshes: tuple[str, ...] = ()
    extras: dict[str, object] = field(default_factory=dict)

    def joint_index(self, name: str) -> int:
        for i, joint in enumerate(self.joints):
            if joint.name == name:
                return i
        raise KeyError(name)

    @property
    def vertex_count(self) -> int:
        return sum(m.vertex_count for m in self.meshes)

    @property
    def morph_count(self) -> int:
        return sum(len(m.morph_names) for m in self.meshes)
