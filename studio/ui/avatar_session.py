"""One avatar open in the wardrobe editor: the editor service's ``AvatarEditor`` plus what the
panes show (editable names, the preview baseline). Built on a worker thread; no widgets here.

The preview needs every override spelled out, not only the edited ones: when an undo removes a
tint or a bone scale from the metadata, the scene must go back to the file's value, so
:meth:`AvatarSession.preview_metadata` lays the edits over a baseline taken when the file opened.
Hair and clothing change the meshes themselves: the preview's scene is rebuilt (on a worker) from
the opened file wearing them, :meth:`AvatarSession.items_scene`, and the overrides laid over it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from studio.domain.errors import CancelledError, StudioError
from studio.domain.metadata import LIST_SLOTS, format_hex_color
from studio.domain.supermesh import BODY_MORPHS, FACE_MORPHS
from studio.fsutil import write_atomic
from studio.gltf.export.runtime import expression_targets
from studio.gltf.functions._lookup import linear_to_srgb
from studio.render.scene import Scene, build_scene
from studio.services.edit_plan import built_with
from studio.services.editor import AvatarEditor, LinearRGB, texture_means
from studio.services.thumbnail import thumbnail_webp

#: the bones the Proportions tab offers (VRM 1.0 names); the rest of the skeleton follows them
PROPORTION_BONES = (
    "hips",
    "spine",
    "chest",
    "neck",
    "head",
    "leftUpperArm",
    "rightUpperArm",
    "leftLowerArm",
    "rightLowerArm",
    "leftHand",
    "rightHand",
    "leftUpperLeg",
    "rightUpperLeg",
    "leftLowerLeg",
    "rightLowerLeg",
    "leftFoot",
    "rightFoot",
)
Progress = Callable[[float | None, str], None]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def items_key(metadata: dict[str, Any]) -> tuple[Any, ...]:
    """What the metadata wears: the preview scene is rebuilt when this changes."""
    hair = metadata.get("hair")
    lists = tuple(tuple(metadata.get(slot) or ()) for slot in LIST_SLOTS)
    return (hair or None, *lists)


@dataclass
class AvatarSession:
    entry: Any
    editor: AvatarEditor
    #: what the preview draws: the opened file wearing :attr:`scene_items`
    scene: Scene
    materials: list[str]
    body_morphs: list[str]
    face_morphs: list[str]
    bones: list[str]
    baseline: dict[str, Any]
    scene_items: tuple[Any, ...] = ()
    #: the player's inventory (hair, clothing, attachments) when the avatar was opened
    inventory: list[Any] = field(default_factory=list)
    #: why the preview could not show the saved items (empty when it could)
    scene_note: str = ""
    #: the worn items' materials -> their authored colour (#rrggbb): an item's own materials,
    #: and one that takes the name of an avatar material it replaced (new hair is "Hair_00_HAIR"
    #: too, with its own colour)
    item_colors: dict[str, str] = field(default_factory=dict)
    #: the materials the scene draws now, by name: what the Tints tab offers (a swapped-out top
    #: stays in the scene, detached, and is not offered)
    worn: list[str] = field(default_factory=list)
    #: drawn textured materials -> their base colour texture's average (linear RGB): a tint
    #: multiplies it, so the tint editor shows ``tint x average`` (computed on the worker with
    #: the scene, from the textures drawn now: new hair's, not the hair it replaced)
    texture_means: dict[str, LinearRGB] = field(default_factory=dict)

    @property
    def can_modify(self) -> bool:
        return bool(self.editor.licence.can_modify)

    @property
    def can_redistribute(self) -> bool:
        return bool(self.editor.licence.can_redistribute)

    @property
    def licence_text(self) -> str:
        return str(self.editor.licence.reason)

    def note_item_colors(self) -> None:
        """Main thread, as soon as a scene is in place and before any override: remember what the
        scene draws and the colours the worn items' materials were authored with (the tint
        editor's baseline). The avatar's own materials come first in the scene: a drawn material
        that is not the first of its name belongs to an item that took that name."""
        first: dict[str, int] = {}
        for index, material in enumerate(self.scene.materials):
            first.setdefault(material.name, index)
        own = set(self.materials)
        drawn = drawn_materials(self.scene)
        self.worn = _unique([self.scene.materials[i].name for i in drawn])
        self.item_colors = {
            m.name: format_hex_color([linear_to_srgb(c) for c in m.base_color[:3]])
            for i, m in ((i, self.scene.materials[i]) for i in drawn)
            if m.name not in own or first[m.name] != i
        }

    def authored_colors(self) -> dict[str, str]:
        """Every tintable material's colour as the file has it (``#rrggbb``): where the tint
        editor's colour dialog starts when no tint is set."""
        own = {n: v.get("tint") for n, v in self.baseline.get("materials", {}).items()}
        return {n: c for n, c in {**own, **self.item_colors}.items() if isinstance(c, str)}

    def tintable(self) -> list[str]:
        """Every material the Tints tab offers: the avatar's own, then those of what it wears,
        drawn now (all of the file's before :meth:`note_item_colors` has looked at a scene)."""
        if not self.worn:
            return _unique([*self.materials, *self.item_colors])
        worn = set(self.worn)
        return _unique([*(n for n in self.materials if n in worn), *self.worn])

    def output_metadata(self, edits: dict[str, Any]) -> dict[str, Any]:
        """The edits to save or export: tints of items no longer worn are dropped (they would name
        a material the avatar does not have)."""
        out = copy.deepcopy(edits)
        materials = out.get("materials")
        if isinstance(materials, dict):
            keep = set(self.tintable())
            out["materials"] = {k: v for k, v in materials.items() if k in keep}
        return out

    def preview_metadata(self, edits: dict[str, Any]) -> dict[str, Any]:
        """The edits over the baseline: every override spelled out, so removing an edit (undo)
        puts the file's value back. A supermesh keeps its own shape (its ``base`` tells it apart)."""
        merged = copy.deepcopy(self.baseline)
        merged.setdefault("materials", {}).update({n: {"tint": c} for n, c in self.item_colors.items()})
        for key, value in edits.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged

    def items_scene(self, edits: dict[str, Any]) -> Scene:
        """Worker: the scene of the opened file wearing ``edits``' items (equip swaps meshes, which
        no live override can do). Tints, morphs and bones are laid over it by the preview."""
        return build_scene(self.editor.items_document(edits))

    def dressed(self, edits: dict[str, Any]) -> tuple[Scene, dict[str, LinearRGB]]:
        """Worker: :meth:`items_scene` and its textures' averages (the worn items bring their own)."""
        scene = self.items_scene(edits)
        return scene, drawn_means(scene)


def open_session(
    entry: Any, data: bytes, progress: Progress, cancelled: Callable[[], bool], items: Any = None
) -> AvatarSession:
    """Parse ``data`` (the entry's source file), list what can be edited, build the render scene.
    ``items`` is the item source hair and clothing are equipped from (the built-in library)."""
    progress(0.1, "Reading the file…")
    # validated like every other way in: what `studio validate` refuses is refused here too
    suffix = "vrm" if entry.source_url else "glb"  # a plain glTF avatar is not held to VRM rules
    editor = AvatarEditor.open(
        data, items=items, name=f"{entry.name}.{suffix}", avatar_type=entry.avatar_type
    )
    if cancelled():
        raise CancelledError("cancelled")
    progress(0.4, "Listing materials, morphs and bones…")
    materials = editor.materials()
    morphs = editor.morphs()
    bones = [b.bone for b in editor.bones()]
    if cancelled():
        raise CancelledError("cancelled")
    progress(0.6, "Preparing the preview…")
    metadata = dict(entry.metadata or {})
    scene, note = _first_scene(editor, metadata)
    wanted = [b for b in PROPORTION_BONES if b in bones] or bones
    body, face = _morph_names(entry.avatar_type, morphs, expression_targets(editor.document))
    weights = {m.name: m.weight for m in morphs}
    baseline: dict[str, Any] = {
        "materials": {m.name: {"tint": m.color} for m in materials},
        "boneTransforms": {b: {"x": 1.0, "y": 1.0, "z": 1.0} for b in wanted},
        "bodyMorphs": {n: weights[n] for n in body},
        "faceMorphs": {n: weights[n] for n in face},
    }
    if entry.avatar_type == "supermesh":
        baseline["base"] = built_with(editor.original).base
    return AvatarSession(
        entry, editor, scene, _unique([m.name for m in materials]), body, face, wanted, baseline,
        scene_items=items_key(metadata), scene_note=note, texture_means=drawn_means(scene),
    )  # fmt: skip


def drawn_materials(scene: Scene) -> list[int]:
    """The indices of the materials a node's mesh draws, in the scene's order (a mesh an equip
    detached keeps its materials in the scene, undrawn); every material when nothing is drawn."""
    used = {
        p.material
        for node in scene.nodes
        if node.mesh is not None
        for p in scene.meshes[node.mesh].primitives
        if 0 <= p.material < len(scene.materials)
    }
    return sorted(used) if used else list(range(len(scene.materials)))


def drawn_means(scene: Scene) -> dict[str, LinearRGB]:
    """Worker: :func:`texture_means` of the drawn materials only, so a name shared by a swapped-out
    material and its replacement (both hairs are "Hair_00_HAIR") gives the one shown now."""
    drawn = [scene.materials[i] for i in drawn_materials(scene)]
    return texture_means(SimpleNamespace(materials=drawn, images=scene.images))


def _first_scene(editor: AvatarEditor, metadata: dict[str, Any]) -> tuple[Scene, str]:
    """The scene wearing the saved items; the bare file (and why) when they cannot be put on."""
    try:
        return build_scene(editor.items_document(metadata)), ""
    except StudioError as exc:
        return build_scene(editor.original), f"The saved hair and clothing are not shown: {exc}"


def _morph_names(
    avatar_type: str, morphs: list[Any], expressions: set[tuple[int, int]]
) -> tuple[list[str], list[str]]:
    """The sliders: a supermesh offers its parameter morphs (seed 004's ``bodyMorphs`` /
    ``faceMorphs`` names); any other avatar offers its morph targets, grouped by the editor
    service. Targets a VRM expression drives (``expressions``: (mesh, target); VRoid's "Fcl_ALL_Joy",
    "Fcl_MTH_A"…) are left out: they belong to the expression preview, and a slider would bake a
    smile or a closed eye into the avatar that the game's own expressions then fight."""
    names = {m.name for m in morphs}
    if avatar_type == "supermesh":
        return [n for n in BODY_MORPHS if n in names], [n for n in FACE_MORPHS if n in names]
    bound = {m.name for m in morphs if (m.mesh, m.target) in expressions}
    shapes = [m for m in morphs if m.name not in bound]
    body = _unique([m.name for m in shapes if m.group == "body"])
    return body, _unique([m.name for m in shapes if m.group == "face"])


#: characters no common filesystem (Windows included) accepts in a file name
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)}


def file_stem(name: str, fallback: str) -> str:
    """``name`` as a file name every OS accepts ("New feminine" stays as it is); ``fallback``
    (the entry id) when nothing usable is left."""
    stem = _UNSAFE.sub("_", name).strip().strip(".").strip()[:100]
    if not stem.strip("_") or stem.lower() in _RESERVED:
        return fallback
    return stem


def export_files(
    session: AvatarSession,
    metadata: dict[str, Any],
    folder: Path,
    formats: tuple[str, ...],
    progress: Progress,
    cancelled: Callable[[], bool],
    *,
    stem: str | None = None,
    preset: str = "web",
) -> list[Path]:
    """``<stem>.glb`` (runtime ``preset``, edits baked), ``<stem>.vrm`` (source), ``<stem>.webp``;
    ``stem`` defaults to the avatar's name made safe for file names."""
    editor = session.editor
    progress(0.05, "Applying the edits…")
    editor.apply(metadata)
    stem = stem or file_stem(session.entry.name, str(session.entry.id))
    written = []
    steps = {
        "glb": lambda: editor.export_runtime(preset, cancel=cancelled)[0],
        "vrm": lambda: editor.export_source(),
        "webp": lambda: thumbnail_webp(editor.document, 512),
    }
    for n, kind in enumerate(formats):
        if cancelled():
            raise CancelledError("cancelled")
        progress(0.1 + 0.9 * n / len(formats), f"Writing {stem}.{kind}…")
        written.append(write_atomic(Path(folder) / f"{stem}.{kind}", steps[kind]()))
    progress(1.0, "Exported.")
    return written
