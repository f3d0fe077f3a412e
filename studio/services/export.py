"""Export an avatar the way seed 004 stores it: ``<id>.glb`` (runtime, what the world loads),
``<id>.vrm`` (lossless source, for re-editing) and ``<id>.webp`` (portrait thumbnail).

The three files are written atomically, and only after all three have been produced in memory, so
a failure (a bad key in the metadata, a licence refusal, a cancel) leaves the folder as it was.
Size limits from the seed ("reject >50MB GLB, >100MB VRM") are checked before anything is written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.domain.errors import CancelledError, InvalidInputError
from studio.fsutil import write_atomic
from studio.gltf.export.runtime import RuntimeReport
from studio.gltf.limits import DEFAULT_LIMITS, Limits
from studio.gltf.vrm.migrate import MigrationReport
from studio.services.edit_plan import FolderItems, ItemSource
from studio.services.editor import AvatarEditor

Progress = Callable[[str, float], None]
Cancel = Callable[[], bool]
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass
class ExportResult:
    glb: Path
    vrm: Path | None
    webp: Path | None
    runtime: RuntimeReport
    sizes: dict[str, int] = field(default_factory=dict)
    #: what the VRM 0.x -> 1.0 migration could not carry over (``migrate_vrm1=True`` only)
    migration: MigrationReport | None = None


def read_metadata_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise InvalidInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path}: metadata must be a JSON object")
    return data


def check_avatar_id(avatar_id: str) -> str:
    if not _ID.match(avatar_id):
        raise InvalidInputError(f"--id {avatar_id!r}: use letters, digits, '.', '_' or '-' (at most 128)")
    return avatar_id


def export_avatar(
    src: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    metadata: dict[str, Any] | None = None,
    preset: str = "web",
    strip_vrm: bool = False,
    avatar_id: str | None = None,
    items: ItemSource | str | os.PathLike[str] | None = None,
    thumbnail_size: int | None = 512,
    migrate_vrm1: bool = False,
    quantize_mesh: bool | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    limits: Limits | None = None,
) -> ExportResult:
    """Open ``src``, apply ``metadata``, write ``<id>.glb``, ``<id>.vrm`` (when the source is a VRM)
    and ``<id>.webp`` (unless ``thumbnail_size`` is None) into ``out_dir``. ``migrate_vrm1``: the
    source VRM is migrated from 0.x to 1.0 (refused for other files); the report is in the result.

    Refused before anything is written: a source the validator refuses (GltfError with its code),
    an output that would replace ``src`` itself, files over ``limits`` (the settings' size caps)."""
    report = progress or (lambda _m, _f: None)
    limits = limits or DEFAULT_LIMITS
    avatar_id = check_avatar_id(avatar_id or Path(src).stem)
    check_not_source(src, out_dir, avatar_id)
    source = FolderItems(items) if isinstance(items, str | os.PathLike) else items
    report("reading", 0.0)
    editor = AvatarEditor.open(src, items=source, limits=limits)
    if metadata:
        report("applying edits", 0.05)
        editor.apply(metadata)
    editor.check_redistribution()

    def sub(label: str, fraction: float) -> None:
        report(label, 0.1 + 0.6 * fraction)

    glb, runtime = editor.export_runtime(
        preset, strip=strip_vrm, quantize_mesh=quantize_mesh, progress=sub, cancel=cancel
    )
    migration = None
    vrm: bytes | None
    if migrate_vrm1:
        report("migrating to VRM 1.0", 0.7)
        vrm, migration = editor.migrate_vrm1()
    else:
        vrm = editor.export_source() if editor.info.is_vrm else None
    _check_sizes(glb, vrm, limits)
    webp = None
    if thumbnail_size:
        _check_cancel(cancel)
        report("thumbnail", 0.8)
        from studio.services.thumbnail import thumbnail_webp

        webp = thumbnail_webp(editor.document, thumbnail_size)
    _check_cancel(cancel)
    result = _write(Path(out_dir), avatar_id, {"glb": glb, "vrm": vrm, "webp": webp}, runtime, migration)
    report("done", 1.0)
    return result


def _write(
    out: Path, avatar_id: str, files: dict[str, bytes | None], runtime: RuntimeReport,
    migration: MigrationReport | None,
) -> ExportResult:  # fmt: skip
    """Write the files produced in memory (``{"glb": .., "vrm": .., "webp": ..}``), each atomically."""
    paths = {kind: write_atomic(out / f"{avatar_id}.{kind}", data) for kind, data in files.items() if data}
    sizes = {kind: len(data) for kind, data in files.items() if data}
    return ExportResult(paths["glb"], paths.get("vrm"), paths.get("webp"), runtime, sizes, migration)


def _check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("export cancelled")


def check_not_source(src: str | os.PathLike[str], out_dir: str | os.PathLike[str], avatar_id: str) -> None:
    """Refuse an export whose ``<id>.glb``/``.vrm``/``.webp`` would replace the source file: the
    edited (and, with ``--preset web``, lossily re-encoded) file must never overwrite the original."""
    source = Path(src)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise InvalidInputError(f"--out {out_dir} is a file; give a folder for the exported files")
    for ext in ("glb", "vrm", "webp"):
        target = Path(out_dir) / f"{avatar_id}.{ext}"
        if _same_file(source, target):
            raise InvalidInputError(
                f"exporting to {Path(out_dir)} would overwrite the source file {source} with {target.name}; "
                "choose another --out folder or another --id"
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n} bytes"


def _check_sizes(glb: bytes, vrm: bytes | None, limits: Limits) -> None:
    if len(glb) > limits.max_glb_bytes:
        raise InvalidInputError(
            f"the runtime GLB is {_size(len(glb))}; the limit is {_size(limits.max_glb_bytes)}"
            " (max_glb_bytes; try --preset web)"
        )
    if vrm is not None and len(vrm) > limits.max_vrm_bytes:
        raise InvalidInputError(
            f"the source VRM is {_size(len(vrm))}; the limit is {_size(limits.max_vrm_bytes)} (max_vrm_bytes)"
        )
