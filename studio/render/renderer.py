"""Draw a :class:`~studio.render.scene.Scene` with moderngl into any framebuffer.

The renderer takes a moderngl ``Context`` it does not own: a standalone EGL context for thumbnails
(:mod:`studio.render.context`), or the preview window's ``QOpenGLContext`` wrapped with
``moderngl.create_context()`` (``studio/ui/panes/preview_view.py``), drawing into its framebuffer.

``upload(scene)`` once, ``update(scene)`` after edits (cheap: joint matrices, morph weight lists,
bones; colours are uniforms read at draw time), ``render(camera, framebuffer)`` per frame.

A GUI thread that must not stall uses ``begin_upload(scene)`` and then ``upload_step(budget)`` once
per event-loop turn instead: geometry first (a few ms for 47k vertices), then one texture per step
(creating a 2048² texture takes ~12 ms in llvmpipe, building its mipmaps ~32 ms). Until a texture
arrives its materials are drawn in the texture's average colour, so the avatar shows at once.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache, partial

import moderngl
import numpy as np

from studio.render import mathutil, shaders
from studio.render.camera import Camera
from studio.render.gpu import (
    GpuPrimitive,
    Uniforms,
    create_image_texture,
    finish_image_texture,
    image_texture,
    matrix_texture,
    morph_texture,
    placeholder_color,
    write_matrices,
)
from studio.render.model import ALPHA_BLEND, ALPHA_MASK, Material
from studio.render.scene import BONES, MORPHS, POSE, Scene

#: (distance from the eye, node, primitive, material)
_DrawItem = tuple[float, int, GpuPrimitive, Material]
_DEFAULT_MATERIAL = Material("default", base_color=(0.8, 0.8, 0.8, 1.0))
_ALPHA_CODES = {ALPHA_MASK: 1, ALPHA_BLEND: 2}
BONE_COLOR = (1.0, 0.55, 0.1, 1.0)
#: texture units
_UNIT_BASE, _UNIT_JOINTS, _UNIT_MORPH_POS, _UNIT_MORPH_NRM = 0, 1, 2, 3
#: an upload step: (is it a texture step, the work)
_Step = tuple[bool, Callable[[], None]]


class Renderer:
    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.programs = {
            kind: ctx.program(vertex_shader=shaders.vertex_source(kind), fragment_shader=shaders.FRAGMENT)
            for kind in ("direct", "cached")
        }
        self.programs["skin"] = ctx.program(
            vertex_shader=shaders.vertex_source("skin"), varyings=shaders.SKIN_VARYINGS
        )
        self.line_program = ctx.program(
            vertex_shader=shaders.LINE_VERTEX, fragment_shader=shaders.LINE_FRAGMENT
        )
        self._uniforms = {id(p): Uniforms(p) for p in [*self.programs.values(), self.line_program]}
        # Stand-ins where a primitive has no texture. llvmpipe compiles a shader variant per texture
        # state (format, filters, mipmapped or not, power-of-two sides), 20-80 ms each on the GUI
        # thread, so the stand-ins look like the real thing: a mipmapped power-of-two RGBA8 image,
        # a 4096-wide RGBA16F morph texture with a non-power-of-two height (gpu.morph_texture).
        self._dummy = image_texture(ctx, np.full((2, 2, 4), 255, np.uint8))
        self._dummy_morph = morph_texture(ctx, [], 1)
        self.scene: Scene | None = None
        self.background: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        self._clear_resources()

    def _clear_resources(self) -> None:
        self._prims: dict[tuple[int, int], list[GpuPrimitive]] = {}  # (node, mesh) -> primitives
        self._images: dict[int, moderngl.Texture] = {}
        self._arriving: dict[int, moderngl.Texture] = {}  # created, mipmaps not built yet
        self._placeholders: dict[int, tuple[float, float, float, float]] = {}
        self._joint_tex: dict[int, moderngl.Texture] = {}  # node -> joint matrices of its skin
        self._world = np.zeros((0, 4, 4))
        self._bone_vao: moderngl.VertexArray | None = None
        self._bone_buffer: moderngl.Buffer | None = None
        self._bone_count = 0
        self._seen: dict[str, int] = {}
        self._pose = 0
        self._queue: deque[_Step] = deque()
        self._geometry_ready = False

    # -- lifecycle --------------------------------------------------------------------------
    def upload(self, scene: Scene) -> None:
        """Create every GPU resource for ``scene`` now (replacing the previous scene's)."""
        self.begin_upload(scene)
        self.upload_step(None)

    def begin_upload(self, scene: Scene) -> None:
        """Replace the previous scene and queue ``scene``'s GPU resources for :meth:`upload_step`.
        Textures of the previous scene with the same image key (the same file bytes) are kept:
        a scene rebuilt to wear other items shows its textures from the first frame."""
        kept = self._reusable(scene)
        self.release_scene(keep=kept)
        self.scene = scene
        self._images.update(kept)
        self._queue.extend((False, partial(self._upload_mesh, n, m)) for n, m in scene.mesh_instances())
        self._queue.append((False, self._geometry_done))
        for index in sorted(set(scene.images) - set(kept)):
            self._queue.append((True, partial(self._upload_image, index)))
            self._queue.append((True, partial(self._finish_image, index)))

    @property
    def uploading(self) -> bool:
        """Whether queued upload work remains (see :meth:`upload_step`)."""
        return bool(self._queue)

    @property
    def drawable(self) -> bool:
        """Whether :meth:`render` draws the scene (its geometry is on the GPU, textures may follow)."""
        return self._geometry_ready

    def upload_step(self, budget_s: float | None = 0.025) -> bool:
        """Do queued upload work for about ``budget_s`` seconds (everything when None); True once
        the whole scene is on the GPU. Cheap geometry steps are batched; a texture step (tens of ms
        for 2048²) only ever starts a slice, so one call costs about max(budget, one texture)."""
        start = time.perf_counter()
        done_any = False
        while self._queue:
            heavy, work = self._queue[0]
            if budget_s is not None and done_any and (heavy or time.perf_counter() - start >= budget_s):
                break
            self._queue.popleft()
            work()
            done_any = True
        return not self._queue

    def _upload_mesh(self, node: int, mesh: int) -> None:
        assert self.scene is not None
        skinned = self.scene.nodes[node].skin is not None
        prims = self.scene.meshes[mesh].primitives
        self._prims[(node, mesh)] = [GpuPrimitive(self.ctx, p, self.programs, skinned=skinned) for p in prims]

    def _geometry_done(self) -> None:
        assert self.scene is not None
        self._geometry_ready = True
        self.update(self.scene, force=True)

    def _upload_image(self, index: int) -> None:
        assert self.scene is not None
        self._arriving[index] = create_image_texture(self.ctx, self.scene.images[index])

    def _finish_image(self, index: int) -> None:
        # drawn from now on, mipmapped from the start (one sampler state: one shader variant)
        tex = self._images[index] = self._arriving.pop(index)
        finish_image_texture(tex)

    def update(self, scene: Scene, *, force: bool = False) -> None:
        """Bring the GPU copy in line with the scene's overrides; only changed kinds are redone."""
        if scene is not self.scene:
            self.upload(scene)
            return
        if not self._geometry_ready:
            return  # the last geometry step brings everything in line
        changed = {k for k, v in scene.revisions.items() if force or self._seen.get(k) != v}
        if POSE in changed or BONES in changed:
            self._pose += 1  # every skinned cache is stale
            self._world = scene.world_matrices()
            self._update_joints(scene)
            self._update_bones(scene)
        if MORPHS in changed:
            for (_, mesh), gpus in self._prims.items():
                weights = scene.morph_weights(mesh)
                for g in gpus:
                    g.set_weights(weights)
        self._seen = dict(scene.revisions)

    def _update_joints(self, scene: Scene) -> None:
        for node, _mesh in self._prims:
            skin = scene.nodes[node].skin
            if skin is None:
                continue
            matrices = scene.joint_matrices(skin, self._world)
            tex = self._joint_tex.get(node)
            if tex is None or tex.size[1] != max(len(matrices), 1):
                self._joint_tex[node] = matrix_texture(self.ctx, matrices)
            else:
                write_matrices(tex, matrices)

    def _update_bones(self, scene: Scene) -> None:
        if not scene.bones_visible:
            return
        bones = set(scene.humanoid.values()) or {j for s in scene.skins for j in s.joints}
        segments = []
        for b in bones:
            parent = scene.nodes[b].parent
            while parent is not None and parent not in bones:
                parent = scene.nodes[parent].parent
            if parent is not None:
                segments += [self._world[parent][:3, 3], self._world[b][:3, 3]]
        data = np.asarray(segments, dtype=np.float32).reshape(-1, 3)
        if self._bone_buffer is None or self._bone_buffer.size < max(data.nbytes, 12):
            if self._bone_vao is not None and self._bone_buffer is not None:
                self._bone_vao.release()
                self._bone_buffer.release()
            self._bone_buffer = self.ctx.buffer(reserve=max(data.nbytes, 12), dynamic=True)
            self._bone_vao = self.ctx.vertex_array(self.line_program, [(self._bone_buffer, "3f", "in_pos")])
        self._bone_buffer.write(data.tobytes())
        self._bone_count = len(data)

    def _reusable(self, scene: Scene) -> dict[int, moderngl.Texture]:
        """``scene``'s image index -> a finished texture of the current scene with the same key."""
        if self.scene is None:
            return {}
        by_key = {self.scene.image_keys[i]: t for i, t in self._images.items() if i in self.scene.image_keys}
        return {i: by_key[k] for i, k in scene.image_keys.items() if k in by_key and i in scene.images}

    def release_scene(self, keep: dict[int, moderngl.Texture] | None = None) -> None:
        """Free the scene's GPU resources, except the textures in ``keep``."""
        kept = {id(t) for t in (keep or {}).values()}
        for gpus in self._prims.values():
            for g in gpus:
                g.release()
        textures = [*self._images.values(), *self._arriving.values(), *self._joint_tex.values()]
        for t in {id(t): t for t in textures if id(t) not in kept}.values():  # each once
            t.release()
        if self._bone_vao is not None and self._bone_buffer is not None:
            self._bone_vao.release()
            self._bone_buffer.release()
        self.scene = None
        self._clear_resources()

    def release(self) -> None:
        self.release_scene()
        for p in [*self.programs.values(), self.line_program]:
            p.release()
        self._dummy.release()
        self._dummy_morph.release()

    # -- drawing ----------------------------------------------------------------------------
    def render(self, camera: Camera, framebuffer: moderngl.Framebuffer) -> None:
        """Clear ``framebuffer`` and draw the scene seen by ``camera`` (what has been uploaded)."""
        framebuffer.use()
        width, height = framebuffer.viewport[2], framebuffer.viewport[3]  # use() applied the viewport
        framebuffer.clear(*self.background, depth=1.0)
        if self.scene is None or not self._geometry_ready:
            return
        aspect = width / max(height, 1)
        view_proj = camera.projection_matrix(aspect) @ camera.view_matrix()
        frame = _Frame(mathutil.gl_bytes(view_proj), tuple(_light_direction(camera)), aspect)
        self.ctx.enable(moderngl.DEPTH_TEST)
        opaque, blended = self._draw_list(camera)
        self.ctx.disable(moderngl.BLEND)
        for item in opaque:
            self._draw(item, frame)
        for item in opaque:
            if item[3].outline != "none":
                self._draw_outline(item, frame)
        self.ctx.enable(moderngl.BLEND)
        # colour: "over"; alpha: accumulate coverage, so a transparent background stays correct.
        # moderngl takes the separate (4-value) form; its stub only declares two values.
        self.ctx.blend_func = (  # type: ignore[assignment]
            moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        )
        framebuffer.depth_mask = False  # transparent surfaces do not hide what is behind them
        for item in blended:
            self._draw(item, frame)
        framebuffer.depth_mask = True
        self.ctx.disable(moderngl.BLEND)
        self.ctx.disable(moderngl.CULL_FACE)
        self.ctx.front_face = "ccw"
        if self.scene.bones_visible:
            self._draw_bones(view_proj)

    def _draw_list(self, camera: Camera) -> tuple[list[_DrawItem], list[_DrawItem]]:
        assert self.scene is not None
        opaque: list[_DrawItem] = []
        blended: list[_DrawItem] = []
        eye = camera.eye()
        for (node, _mesh), gpus in self._prims.items():
            depth = float(np.linalg.norm(self._world[node][:3, 3] - eye))
            for g in gpus:
                mat = self.scene.materials[g.prim.material] if g.prim.material >= 0 else _DEFAULT_MATERIAL
                (blended if mat.alpha_mode == ALPHA_BLEND else opaque).append((depth, node, g, mat))
        blended.sort(key=lambda item: -item[0])  # back to front
        return opaque, blended

    def _draw(self, item: _DrawItem, frame: _Frame, *, cull_front: bool = False) -> None:
        _, node, g, mat = item
        u = self._uniforms[id(g.vao.program)]
        u.set("u_view_proj", frame.view_proj)
        u.set("u_model", mathutil.gl_bytes(self._world[node]))
        u.set("u_light_dir", frame.light)
        self._bind_material(u, mat)
        if g.skinned:
            self._skin(g, node)
        self._bind_morphs(u, g)
        self._cull(mat, node, g.skinned, front=cull_front)
        g.vao.render(moderngl.TRIANGLES)

    def _draw_outline(self, item: _DrawItem, frame: _Frame) -> None:
        """MToon's outline: the surface again, pushed out along its normals, with only its back
        faces drawn (front faces culled), so a rim of outline colour shows around the silhouette
        and wherever the surface folds; the depth test hides it behind the surface itself."""
        _, _, g, mat = item
        u = self._uniforms[id(g.vao.program)]
        u.set("u_outline_world", mat.outline_width if mat.outline == "world" else 0.0)
        u.set("u_outline_screen", mat.outline_width if mat.outline == "screen" else 0.0)
        u.set("u_aspect", frame.aspect)
        u.set("u_outline_pass", 1)
        u.set("u_outline_color", mat.outline_color)
        u.set("u_outline_mix", mat.outline_mix)
        try:
            self._draw(item, frame, cull_front=True)
        finally:
            u.set("u_outline_world", 0.0)
            u.set("u_outline_screen", 0.0)
            u.set("u_outline_pass", 0)

    def _skin(self, g: GpuPrimitive, node: int) -> None:
        """Bring the primitive's skinned cache up to date (a no-op while the pose and the resting
        morphs stay as they are: dragging a morph or a tint, orbiting)."""
        if g.cached_for == (self._pose, g.bakes):
            return
        u = self._uniforms[id(self.programs["skin"])]
        joints = self._joint_tex.get(node)
        if joints is not None:
            joints.use(_UNIT_JOINTS)
            u.set("u_joints", _UNIT_JOINTS)
        u.set("u_model", mathutil.gl_bytes(self._world[node]))
        g.skin(self._pose)

    def _cull(self, mat: Material, node: int, skinned: bool, *, front: bool = False) -> None:
        """Back faces of single-sided materials are culled (glTF 2.0 §3.9.6 ``doubleSided``), which
        spares llvmpipe setting up half the triangles. A mirroring node transform (negative
        determinant) flips the winding (§3.7.4); skinned vertices are placed by their joints.
        ``front``: cull the front faces instead, whatever the material (the outline hull)."""
        if mat.double_sided and not front:
            self.ctx.disable(moderngl.CULL_FACE)
            return
        self.ctx.enable(moderngl.CULL_FACE)
        mirrored = not skinned and float(np.linalg.det(self._world[node][:3, :3])) < 0
        self.ctx.front_face = "cw" if mirrored != front else "ccw"

    def _bind_material(self, u: Uniforms, mat: Material) -> None:
        u.set("u_base_color", tuple(mat.base_color))
        u.set("u_shade_color", tuple(mat.shade_color))
        u.set("u_emissive", tuple(mat.emissive))
        u.set("u_mode", 2 if mat.unlit else (1 if mat.toon else 0))
        u.set("u_alpha_mode", _ALPHA_CODES.get(mat.alpha_mode, 0))
        u.set("u_cutoff", mat.alpha_cutoff)
        tex = self._images.get(mat.texture) if mat.texture is not None else None
        if tex is None and mat.texture is not None and self._queue:
            # still on its way to the GPU: the texture's average colour stands in for it
            mean = self._placeholder(mat.texture)
            u.set("u_base_color", tuple(b * m for b, m in zip(mat.base_color, mean, strict=True)))
        (tex or self._dummy).use(_UNIT_BASE)
        u.set("u_base_tex", _UNIT_BASE)
        u.set("u_uv_xform", _uv_bytes(mat.uv_offset, mat.uv_rotation, mat.uv_scale))
        u.set("u_has_tex", 1 if tex is not None else 0)

    def _placeholder(self, index: int) -> tuple[float, float, float, float]:
        if index not in self._placeholders:
            image = self.scene.images.get(index) if self.scene is not None else None
            self._placeholders[index] = (1.0,) * 4 if image is None else placeholder_color(image)
        return self._placeholders[index]

    def _bind_morphs(self, u: Uniforms, g: GpuPrimitive) -> None:
        slots, weights = g.active
        u.set("u_morph_count", len(slots))
        (g.morph_pos or self._dummy_morph).use(_UNIT_MORPH_POS)
        (g.morph_nrm or self._dummy_morph).use(_UNIT_MORPH_NRM)
        u.set("u_morph_pos", _UNIT_MORPH_POS)
        u.set("u_morph_nrm", _UNIT_MORPH_NRM)
        u.set("u_morph_normals", 1 if g.morph_nrm is not None else 0)
        u.set("u_vertex_count", g.vertex_count)
        if len(slots):
            pad = shaders.MAX_ACTIVE_MORPHS - len(slots)
            u.set("u_morph_slots", np.pad(slots, (0, pad)).astype(np.int32).tobytes())
            u.set("u_morph_weights", np.pad(weights, (0, pad)).astype(np.float32).tobytes())

    def _draw_bones(self, view_proj: np.ndarray) -> None:
        if self._bone_vao is None or not self._bone_count:
            return
        self.ctx.disable(moderngl.DEPTH_TEST)
        u = self._uniforms[id(self.line_program)]
        u.set("u_view_proj", mathutil.gl_bytes(view_proj))
        u.set("u_color", BONE_COLOR)
        self._bone_vao.render(moderngl.LINES, vertices=self._bone_count)
        self.ctx.enable(moderngl.PROGRAM_POINT_SIZE)
        self._bone_vao.render(moderngl.POINTS, vertices=self._bone_count)
        self.ctx.enable(moderngl.DEPTH_TEST)


class _Frame:
    """What every draw of one frame shares (computed once, not per primitive)."""

    __slots__ = ("aspect", "light", "view_proj")

    def __init__(self, view_proj: bytes, light: tuple[float, ...], aspect: float) -> None:
        self.view_proj, self.light, self.aspect = view_proj, light, aspect


def _light_direction(camera: Camera) -> np.ndarray:
    """A key light over the viewer's left shoulder, so faces read with soft shading."""
    view = camera.view_matrix()
    right, up, back = view[0, :3], view[1, :3], view[2, :3]
    d = back + 0.6 * up - 0.4 * right
    return d / (np.linalg.norm(d) or 1.0) if math.isfinite(float(d.sum())) else np.array([0.0, 0.0, 1.0])


@lru_cache(maxsize=256)
def _uv_bytes(offset: tuple[float, float], rotation: float, scale: tuple[float, float]) -> bytes:
    """Column-major float32 bytes of a material's texture transform (cached: a drag of an
    expression slider makes a few hundred distinct values at most)."""
    return np.ascontiguousarray(mathutil.uv_transform(offset, rotation, scale).T, dtype=np.float32).tobytes()
