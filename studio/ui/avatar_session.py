"""One avatar open in the wardrobe editor: the editor service's ``AvatarEditor`` plus what the
panes show (editable names, the preview baseline). Built on a worker thread; no widgets here.

The preview needs every override spelled out, not only the edited ones: when an undo removes a
tint or a bone scale from the metadata, the scene must go back to the file's value, so
:meth:`AvatarSession.preview_metadata` lays the edits over a baseline taken when the file opened.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.domain.errors import CancelledError
from studio.fsutil import write_atomic
from studio.render.scene import Scene, build_scene
from studio.services.editor import AvatarEditor
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


@dataclass
class AvatarSession:
    entry: Any
    editor: AvatarEditor
    scene: Scene
    materials: list[str]
    body_morphs: list[str]
    face_morphs: list[str]
    bones: list[str]
    baseline: dict[str, Any]

    @property
    def can_modify(self) -> bool:
        return bool(self.editor.licence.can_modify)

    @property
    def licence_text(self) -> str:
        return str(self.editor.licence.reason)

    def preview_metadata(self, edits: dict[str, Any]) -> dict[str, Any]:
        merged = copy.deepcopy(self.baseline)
        for key, value in edits.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged


def open_session(entry: Any, data: bytes, progress: Progress, cancelled: Callable[[], bool],
                 items: Any = None) -> AvatarSession:
    """Parse ``data`` (the entry's source file), list what can be edited, build the render scene.
    ``items`` is the item source hair and clothing are equipped from (the built-in library)."""
    progress(0.1, "Reading the file…")
    # validated like every other way in: what `studio validate` refuses is refused here too
    editor = AvatarEditor.open(data, name=f"{entry.name}.vrm", avatar_type=entry.avatar_type)
    if cancelled():
        raise CancelledError("cancelled")
    progress(0.4, "Listing materials, morphs and bones…")
    materials = editor.materials()
    morphs = editor.morphs()
    bones = [b.bone for b in editor.bones()]
    if cancelled():
        raise CancelledError("cancelled")
    progress(0.6, "Preparing the preview…")
    scene = build_scene(editor.original)
    wanted = [b for b in PROPORTION_BONES if b in bones] or bones
    baseline: dict[str, Any] = {
        "materials": {m.name: {"tint": m.color} for m in materials},
        "boneTransforms": {b: {"x": 1.0, "y": 1.0, "z": 1.0} for b in wanted},
        "bodyMorphs": {m.name: m.weight for m in morphs if m.group == "body"},
        "faceMorphs": {m.name: m.weight for m in morphs if m.group == "face"},
    }
    return AvatarSession(
        entry,
        editor,
        scene,
        _unique([m.name for m in materials]),
        _unique([m.name for m in morphs if m.group == "body"]),
        _unique([m.name for m in morphs if m.group == "face"]),
        wanted,
        baseline,
    )


def export_files(
    session: AvatarSession,
    metadata: dict[str, Any],
    folder: Path,
    formats: tuple[str, ...],
    progress: Progress,
    cancelled: Callable[[], bool],
) -> list[Path]:
    """Seed 004's names: ``<id>.glb`` (runtime, edits baked), ``<id>.vrm`` (source), ``<id>.webp``."""
    editor = session.editor
    progress(0.05, "Applying the edits…")
    editor.apply(metadata)
    stem, written = str(session.entry.id), []
    steps = {
        "glb": lambda: editor.export_runtime("web", cancel=cancelled)[0],
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
