"""Plain data the renderer draws: numpy arrays and small records, no OpenGL, no Qt.

Built from a :class:`studio.gltf.document.Document` by :func:`studio.render.scene.build_scene`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ALPHA_OPAQUE, ALPHA_MASK, ALPHA_BLEND = "OPAQUE", "MASK", "BLEND"


@dataclass
class Primitive:
    positions: np.ndarray  # (n, 3) float32
    normals: np.ndarray  # (n, 3) float32 (computed when the file has none)
    indices: np.ndarray  # (m,) uint32, triangles
    material: int = -1  # index into Scene.materials, -1 = default grey
    uvs: np.ndarray | None = None  # (n, 2) float32
    colors: np.ndarray | None = None  # (n, 4) float32, COLOR_0
    joints: np.ndarray | None = None  # (n, 4) int32, JOINTS_0
    weights: np.ndarray | None = None  # (n, 4) float32, WEIGHTS_0
    #: per mesh morph target index: position deltas (n, 3) float32, or None where the target
    #: does not move this primitive (all-zero or absent), so no GPU memory is spent on it
    morph_positions: list[np.ndarray | None] = field(default_factory=list)
    morph_normals: list[np.ndarray | None] = field(default_factory=list)

    @property
    def vertex_count(self) -> int:
        return len(self.positions)


@dataclass
class Mesh:
    name: str
    primitives: list[Primitive]
    target_names: list[str]
    default_weights: np.ndarray  # (targets,) float32


@dataclass
class Material:
    name: str
    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)  # linear
    texture: int | None = None  # index into Scene.images
    alpha_mode: str = ALPHA_OPAQUE
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    #: MToon (VRM 0.x ``_ShadeColor`` / VRM 1.0 ``shadeColorFactor``): the colour of the unlit side
    toon: bool = False
    shade_color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)
    unlit: bool = False
    #: the base colour texture's ``KHR_texture_transform`` (offset, rotation in radians, scale);
    #: expressions' texture binds move offset and scale (:meth:`Scene.set_expression`)
    uv_offset: tuple[float, float] = (0.0, 0.0)
    uv_rotation: float = 0.0
    uv_scale: tuple[float, float] = (1.0, 1.0)
    #: MToon outline (an inverted hull): "none", "world" (``outline_width`` metres) or "screen"
    #: (a fraction of the picture's height); colour linear, mixed with the lit colour by ``outline_mix``
    outline: str = "none"
    outline_width: float = 0.0
    outline_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    outline_mix: float = 1.0


@dataclass
class Node:
    name: str
    parent: int | None
    children: list[int]
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    matrix: np.ndarray | None = None  # (4, 4) when the file gives a matrix instead of TRS
    mesh: int | None = None
    skin: int | None = None


@dataclass
class Skin:
    joints: list[int]
    inverse_bind: np.ndarray  # (joints, 4, 4) float64


@dataclass(frozen=True)
class MorphBind:
    """One morph target an expression drives: ``mesh``'s target ``index`` at ``weight`` (0..1)."""

    mesh: int
    index: int
    weight: float


@dataclass(frozen=True)
class ColorBind:
    """A material colour an expression moves towards ``target`` (linear; ``kind``: ``color``
    RGBA, ``shadeColor`` or ``emissionColor`` RGB; the kinds the preview does not draw are dropped)."""

    material: int
    kind: str
    target: tuple[float, ...]


@dataclass(frozen=True)
class UvBind:
    """An expression's texture transform of ``material`` at full weight (VRM 1.0 semantics)."""

    material: int
    scale: tuple[float, float]
    offset: tuple[float, float]


@dataclass
class Expression:
    name: str
    binds: list[MorphBind]
    #: VRM ``isBinary``: the expression snaps to 0 or 1 (above 0.5 counts as on)
    is_binary: bool = False
    colors: list[ColorBind] = field(default_factory=list)
    uvs: list[UvBind] = field(default_factory=list)
