"""The renderable scene: meshes, materials, skeleton and humanoid info, plus live overrides.

Pure numpy; no OpenGL and no Qt. The 3D preview and the thumbnail renderer both draw a
:class:`Scene`. Edits made while the user drags a slider (tint, morph weight, expression, bone
scale/rotation, bones overlay) go through the ``set_*`` methods, which bump a revision counter per
kind of change so :meth:`studio.render.renderer.Renderer.update` re-uploads only what changed. Setting
a value it already has bumps nothing: the preview re-applies every override on each edit, and a
pose revision re-skins every vertex (a tint or morph drag would otherwise cost a skin pass a frame).

Overrides are preview state only: they never touch the Document. Saving an edit is the job of the
transforms in ``studio.gltf`` (tint, transform bones, bake morphs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from studio.domain.errors import InvalidInputError
from studio.gltf.document import Document
from studio.gltf.errors import GltfError
from studio.gltf.limits import DEFAULT_LIMITS, Limits
from studio.render import mathutil
from studio.render.model import Expression, Material, Mesh, Node, Skin

#: revision keys, one per kind of change the renderer reacts to
MATERIALS, MORPHS, POSE, BONES = "materials", "morphs", "pose", "bones"


@dataclass
class Scene:
    nodes: list[Node]
    roots: list[int]
    meshes: list[Mesh]
    materials: list[Material]
    skins: list[Skin]
    images: dict[int, np.ndarray]  # image index -> (h, w, 4) uint8
    #: VRM 1.0 humanoid bone name -> node index (VRM 0.x names are mapped by parse_vrm)
    humanoid: dict[str, int] = field(default_factory=dict)
    #: "0.x", "1.0" or None for plain glTF
    vrm_version: str | None = None
    expressions: dict[str, Expression] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: image index -> digest of its file bytes (equal keys: equal pixels; see materials.image_keys)
    image_keys: dict[int, bytes] = field(default_factory=dict)
    bones_visible: bool = False
    revisions: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((MATERIALS, MORPHS, POSE, BONES), 0)
    )

    def __post_init__(self) -> None:
        self._base_colors = [m.base_color for m in self.materials]
        self._base_shades = [m.shade_color for m in self.materials]
        #: the user's tint per material (base colour, shade); expressions act on top of it
        self._tints = list(zip(self._base_colors, self._base_shades, strict=True))
        self._base_emissive = [m.emissive for m in self.materials]
        self._base_uv = [(m.uv_offset, m.uv_scale) for m in self.materials]
        self._manual = [m.default_weights.astype(np.float32) for m in self.meshes]
        self._expr_weights: dict[str, float] = {}
        self._node_scale: dict[int, tuple[float, float, float]] = {}
        self._node_rotation: dict[int, tuple[float, float, float, float]] = {}

    # -- facing -----------------------------------------------------------------------------
    @property
    def forward(self) -> np.ndarray:
        """The direction the avatar faces in its rest pose: VRM 0.x faces -Z, VRM 1.0 and glTF +Z."""
        return np.array([0.0, 0.0, -1.0 if self.vrm_version == "0.x" else 1.0])

    # -- overrides --------------------------------------------------------------------------
    def set_material_color(self, material: str | int, rgba: Sequence[float]) -> int:
        """Tint: the base colour factor (linear RGBA, as glTF ``baseColorFactor``) of every material
        called ``material`` (or the one at that index). The MToon shade colour follows by the same
        per-channel ratio so the shadowed side tints too. Returns the number of materials changed."""
        color = tuple(float(c) for c in rgba) + (1.0,) * (4 - len(rgba))
        hits = [i for i, m in enumerate(self.materials) if material in (i, m.name)]
        if not hits:
            raise InvalidInputError(f"no material called {material!r}")
        if all(self._tints[i][0] == color[:4] for i in hits):
            return len(hits)  # unchanged: no revision, no GPU work
        for i in hits:
            base = self._base_colors[i]
            ratio = [c / b if b > 1e-6 else c for c, b in zip(color[:3], base[:3], strict=True)]
            shade = self._base_shades[i]
            self._tints[i] = (
                (color[0], color[1], color[2], color[3]),
                (shade[0] * ratio[0], shade[1] * ratio[1], shade[2] * ratio[2]),
            )
        self._apply_materials()
        return len(hits)

    def set_morph_weight(self, mesh: str | int | None, morph: str | int, weight: float) -> int:
        """Set a morph slider. ``mesh`` None sets target ``morph`` (a name) on every mesh that has it:
        body morphs are repeated on the clothes fitted to the body. Returns the number of meshes set."""
        if mesh is None:
            hits = [i for i, m in enumerate(self.meshes) if morph in m.target_names]
            if not hits:
                raise InvalidInputError(f"no mesh has a morph target {morph!r}")
        else:
            hits = [self._mesh_index(mesh)]
        changed = False
        for mi in hits:
            names = self.meshes[mi].target_names
            ti = morph if isinstance(morph, int) else (names.index(morph) if morph in names else -1)
            if not 0 <= ti < len(names):
                raise InvalidInputError(f"mesh {self.meshes[mi].name!r} has no morph target {morph!r}")
            if self._manual[mi][ti] != np.float32(weight):
                self._manual[mi][ti] = float(weight)
                changed = True
        if changed:
            self.revisions[MORPHS] += 1
        return len(hits)

    def set_expression(self, name: str, weight: float) -> None:
        """Preview a VRM expression (``happy``, ``blink``...) at ``weight``: its morph binds, and its
        material colour and texture transform binds (a texture-atlas face changes its UVs)."""
        if name not in self.expressions:
            known = ", ".join(sorted(self.expressions)) or "none"
            raise InvalidInputError(f"no expression called {name!r} (this avatar has: {known})")
        if self._expr_weights.get(name, 0.0) != float(weight):
            self._expr_weights[name] = float(weight)
            self.revisions[MORPHS] += 1
            expr = self.expressions[name]
            if expr.colors or expr.uvs:
                self._apply_materials()

    def set_node_scale(self, node: int, scale: Sequence[float]) -> None:
        self._check_node(node)
        value = (float(scale[0]), float(scale[1]), float(scale[2]))
        if self._node_scale.get(node) != value:  # unchanged: the skinned vertices stay valid
            self._node_scale[node] = value
            self.revisions[POSE] += 1

    def set_node_rotation(self, node: int, quat_xyzw: Sequence[float]) -> None:
        self._check_node(node)
        q = quat_xyzw
        value = (float(q[0]), float(q[1]), float(q[2]), float(q[3]))
        if self._node_rotation.get(node) != value:
            self._node_rotation[node] = value
            self.revisions[POSE] += 1

    def reset_overrides(self) -> None:
        """Back to the file's colours, morph weights and pose, no expression (undo to the start).
        Re-applying the same edits after a reset costs no GPU work: only changed weights re-upload."""
        self._tints = list(zip(self._base_colors, self._base_shades, strict=True))
        self._manual = [m.default_weights.astype(np.float32) for m in self.meshes]
        self._expr_weights.clear()
        self._apply_materials()
        self._node_scale.clear()
        self._node_rotation.clear()
        for key in (MORPHS, POSE):
            self.revisions[key] += 1

    def show_bones(self, visible: bool) -> None:
        self.bones_visible = bool(visible)
        self.revisions[BONES] += 1

    def _mesh_index(self, mesh: str | int) -> int:
        for i, m in enumerate(self.meshes):
            if mesh in (i, m.name):
                return i
        raise InvalidInputError(f"no mesh called {mesh!r}")

    def _check_node(self, node: int) -> None:
        if not 0 <= int(node) < len(self.nodes):
            raise InvalidInputError(f"no node {node} (the scene has {len(self.nodes)})")

    # -- evaluated state --------------------------------------------------------------------
    def morph_weights(self, mesh: int) -> np.ndarray:
        """Slider weight plus every expression's contribution, for mesh ``mesh``."""
        w = self._manual[mesh].copy()
        for expr, amount in self._active_expressions():
            for bind in expr.binds:
                if bind.mesh == mesh and bind.index < len(w):
                    w[bind.index] += bind.weight * amount
        return w

    def _active_expressions(self) -> list[tuple[Expression, float]]:
        """Expressions set above zero with their effective weight (``isBinary`` snaps at 0.5)."""
        out = []
        for name, amount in self._expr_weights.items():
            expr = self.expressions[name]
            if expr.is_binary:
                amount = 1.0 if amount > 0.5 else 0.0
            if amount != 0.0:
                out.append((expr, amount))
        return out

    def _apply_materials(self) -> None:
        """Each material = the user's tint, then every active expression's colour and texture
        transform binds, each adding ``(target - initial) x weight`` (as three-vrm does)."""
        for m, (color, shade), emissive, (offset, scale) in zip(
            self.materials, self._tints, self._base_emissive, self._base_uv, strict=True
        ):
            m.base_color, m.shade_color, m.emissive = color, shade, emissive
            m.uv_offset, m.uv_scale = offset, scale
        for expr, w in self._active_expressions():
            for c in expr.colors:
                m, (color, shade) = self.materials[c.material], self._tints[c.material]
                if c.kind == "color":
                    m.base_color = _toward(m.base_color, color, c.target, w)  # type: ignore[assignment]
                elif c.kind == "shadeColor":
                    m.shade_color = _toward(m.shade_color, shade, c.target, w)  # type: ignore[assignment]
                else:
                    initial = self._base_emissive[c.material]
                    m.emissive = _toward(m.emissive, initial, c.target, w)  # type: ignore[assignment]
            for u in expr.uvs:
                m, (offset, scale) = self.materials[u.material], self._base_uv[u.material]
                m.uv_offset = _toward(m.uv_offset, offset, u.offset, w)  # type: ignore[assignment]
                m.uv_scale = _toward(m.uv_scale, scale, u.scale, w)  # type: ignore[assignment]
        self.revisions[MATERIALS] += 1

    def local_matrix(self, i: int) -> np.ndarray:
        n = self.nodes[i]
        if n.matrix is not None and i not in self._node_scale and i not in self._node_rotation:
            return n.matrix
        t, r, s = (n.translation, n.rotation, n.scale) if n.matrix is None else _decompose(n.matrix)
        r = self._node_rotation.get(i, r)
        if i in self._node_scale:
            s = tuple(a * b for a, b in zip(s, self._node_scale[i], strict=True))
        return mathutil.compose(t, r, s)

    def world_matrices(self) -> np.ndarray:
        """(nodes, 4, 4) world transforms of the current pose."""
        out = np.tile(np.eye(4), (len(self.nodes), 1, 1))
        stack = [(r, np.eye(4)) for r in self.roots]
        seen = set()
        while stack:
            i, parent = stack.pop()
            if i in seen:  # a cycle (refused by validation; never loop here)
                continue
            seen.add(i)
            out[i] = parent @ self.local_matrix(i)
            stack.extend((c, out[i]) for c in self.nodes[i].children)
        return out

    def joint_matrices(self, skin: int, world: np.ndarray) -> np.ndarray:
        """(joints, 4, 4): world(joint) @ inverseBind; vertices land in world space (glTF §3.7.3)."""
        s = self.skins[skin]
        return world[s.joints] @ s.inverse_bind

    def mesh_instances(self) -> list[tuple[int, int]]:
        """(node index, mesh index) for every node in the scene that draws a mesh."""
        world_nodes = []
        stack, seen = list(self.roots), set()
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            if self.nodes[i].mesh is not None:
                world_nodes.append((i, int(self.nodes[i].mesh)))  # type: ignore[arg-type]
            stack.extend(self.nodes[i].children)
        return sorted(world_nodes)


def _decompose(m: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    t = tuple(float(v) for v in m[:3, 3])
    s = np.linalg.norm(m[:3, :3], axis=0)
    r = m[:3, :3] / np.where(s > 1e-12, s, 1.0)
    w = np.sqrt(max(0.0, 1 + r[0, 0] + r[1, 1] + r[2, 2])) / 2
    if w > 1e-6:
        q = ((r[2, 1] - r[1, 2]) / (4 * w), (r[0, 2] - r[2, 0]) / (4 * w), (r[1, 0] - r[0, 1]) / (4 * w), w)
    else:  # 180 degree turn: fall back to the largest diagonal term
        k = int(np.argmax(np.diag(r)))
        axis = np.zeros(3)
        axis[k] = 1.0
        q = (axis[0], axis[1], axis[2], 0.0)
    return t, tuple(float(v) for v in q), tuple(float(v) for v in s)


def build_scene(
    doc: Document, *, max_texture_size: int | None = None, limits: Limits = DEFAULT_LIMITS
) -> Scene:
    """Read everything the renderer needs from ``doc``. ``max_texture_size`` downsizes textures
    (thumbnails use 1024). Raises :class:`GltfError` when the file's structure cannot be drawn."""
    from studio.render import loader

    try:
        return loader.load_scene(doc, max_texture_size=max_texture_size, limits=limits)
    except GltfError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise GltfError("SCENE_INVALID", "", f"the model cannot be drawn: {exc}") from exc


def _toward(
    current: Sequence[float], initial: Sequence[float], target: Sequence[float], weight: float
) -> tuple[float, ...]:
    """``current`` moved by ``(target - initial) x weight``, per component."""
    return tuple(c + (t - i) * weight for c, i, t in zip(current, initial, target, strict=False))
