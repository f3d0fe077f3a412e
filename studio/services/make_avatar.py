"""Use cases: generate one procedural avatar file, or the whole default collection.

Files are written atomically; a cancelled or failed collection run leaves the files already
finished and never a partial one (the catalogue is written last, listing only what exists).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Literal

from studio.domain.errors import CancelledError, InvalidInputError
from studio.domain.supermesh import SupermeshMetadata, parse_supermesh, parse_supermesh_json
from studio.fsutil import write_atomic
from studio.procedural.collection import ITEMS, PREBUILTS, item_base
from studio.procedural.humanoid import build_avatar
from studio.procedural.model import AvatarModel
from studio.procedural.spec import HEAVY, STANDARD, AvatarSpec
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from studio.procedural.writer import write_glb
from studio.services.item_library import check_builtin, item_model

Format = Literal["vrm1", "vrm0", "glb"]
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
WRITERS: dict[str, Callable[[AvatarModel], bytes]] = {
    "vrm1": write_vrm1,
    "vrm0": write_vrm0,
    "glb": write_glb,
}


#: the file extension each format must be written under
EXTENSIONS: dict[str, str] = {"vrm1": ".vrm", "vrm0": ".vrm", "glb": ".glb"}


def format_for(path: Path, explicit: str | None = None) -> Format:
    """The explicit format, else from the extension (.vrm -> VRM 1.0, .glb -> GLB). A format that
    does not match the extension is refused: a ``.vrm`` holding a plain GLB is an invalid VRM."""
    suffix = Path(path).suffix.lower()
    if explicit:
        wanted = EXTENSIONS[explicit]
        if suffix != wanted:
            kind = "a plain GLB" if explicit == "glb" else "a VRM"
            raise InvalidInputError(
                f"--{explicit} writes {kind}, which belongs in a {wanted} file, not {Path(path).name!r}; "
                f"name the output *{wanted} (or drop the flag: the format follows the extension)"
            )
        return explicit  # type: ignore[return-value]
    if suffix == ".vrm":
        return "vrm1"
    if suffix == ".glb":
        return "glb"
    raise InvalidInputError(
        f"cannot tell the format from {Path(path).name!r}: use .vrm or .glb, or --vrm1/--vrm0/--glb"
    )


def check_items(params: SupermeshMetadata) -> None:
    """Refuse, by name, hair/clothing/attachments the built-in item library does not have
    (instead of inventing a garment for an unknown id)."""
    wanted = {"hair": [params.hair] if params.hair else [], "clothing": params.clothing}
    wanted["attachments"] = params.attachments
    for slot, ids in wanted.items():
        for item_id in ids:
            check_builtin(slot, item_id)


#: the avatar benchmarks generate with ``heavy=True``: a fully dressed VRoid-sized avatar (~47k
#: vertices, 85 morph names, 2048² textures, ~50 MB as VRM 1.0)
HEAVY_BENCH_PARAMS: dict[str, Any] = {
    "base": "feminine",
    "hair": "fem-long-01",
    "bodyMorphs": {"muscularity": 0.3, "chest_size": 0.5},
    "faceMorphs": {"jaw_width": -0.1, "lip_fullness": 0.4},
    "skin": {"tone": "#c4956a", "freckles": 0.3},
    "clothing": ["tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01"],
    "attachments": ["earring-hoop-gold"],
}


def heavy_avatar_bytes(fmt: Format = "vrm1") -> bytes:
    """The benchmarks' heavy avatar (:data:`HEAVY_BENCH_PARAMS`, ``heavy=True``)."""
    return avatar_bytes(parse_supermesh(HEAVY_BENCH_PARAMS), fmt, heavy=True, name="Heavy")


def avatar_bytes(
    params: SupermeshMetadata, fmt: Format, *, heavy: bool = False, name: str | None = None
) -> bytes:
    spec = AvatarSpec(params, name or params.name or "Avatar", HEAVY if heavy else STANDARD)
    return WRITERS[fmt](build_avatar(spec))


def make_avatar(params_file: Path, out: Path, fmt: str | None = None, *, heavy: bool = False) -> Path:
    """Read supermesh metadata JSON from ``params_file`` and write the avatar to ``out``."""
    try:
        text = Path(params_file).read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read parameters {params_file}: {exc.strerror or exc}") from None
    params = parse_supermesh_json(text)
    check_items(params)
    data = avatar_bytes(params, format_for(out, fmt), heavy=heavy, name=params.name or Path(out).stem)
    return write_atomic(Path(out), data)


def make_prebuilts(
    out_dir: Path, *, progress: Progress | None = None, cancel: Cancel | None = None
) -> dict[str, Any]:
    """Write the default collection in seed 004's layout plus ``catalogue.json``; returns the catalogue."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInputError(f"{out_dir} is a file; give a folder for the collection")
    jobs = _jobs()
    catalogue: dict[str, Any] = {"version": 1, "avatars": [], "hair": [], "clothing": [], "attachments": []}
    for done, (label, job) in enumerate(jobs):
        if cancel is not None and cancel():
            raise CancelledError(f"stopped after {done} of {len(jobs)} files")
        if progress is not None:
            progress(done, len(jobs), label)
        section, entry = job(out_dir)
        catalogue[section].append(entry)
    write_atomic(out_dir / "catalogue.json", json.dumps(catalogue, indent=2).encode("utf-8") + b"\n")
    if progress is not None:
        progress(len(jobs), len(jobs), "catalogue.json")
    return catalogue


def _jobs() -> list[tuple[str, Callable[[Path], tuple[str, dict[str, Any]]]]]:
    jobs: list[tuple[str, Callable[[Path], tuple[str, dict[str, Any]]]]] = [
        (f"avatars/{avatar_id}", partial(_write_prebuilt, avatar_id=avatar_id)) for avatar_id in PREBUILTS
    ]
    for folder, ids in ITEMS.items():
        jobs += [
            (f"{folder}/{item_id}.glb", partial(_write_item, folder=folder, item_id=item_id))
            for item_id in ids
        ]
    return jobs


def _write_prebuilt(out_dir: Path, avatar_id: str) -> tuple[str, dict[str, Any]]:
    params = parse_supermesh(PREBUILTS[avatar_id])
    model = build_avatar(AvatarSpec(params, avatar_id))
    write_atomic(out_dir / "avatars" / f"{avatar_id}.glb", write_glb(model))
    write_atomic(out_dir / "avatars" / f"{avatar_id}.vrm", write_vrm1(model))
    return "avatars", {
        "id": avatar_id,
        "glb": f"avatars/{avatar_id}.glb",
        "vrm": f"avatars/{avatar_id}.vrm",
        "vrmVersion": "1.0",
        "metadata": params.to_json(),
        "vertices": model.vertex_count,
        "morphTargets": sorted({n for m in model.meshes for n in m.morph_names}),
    }


def _write_item(out_dir: Path, folder: str, item_id: str) -> tuple[str, dict[str, Any]]:
    model = item_model(item_id)  # the same model studio.services.item_library caches
    write_atomic(out_dir / folder / f"{item_id}.glb", write_glb(model))
    return folder, {
        "id": item_id,
        "glb": f"{folder}/{item_id}.glb",
        "fittedTo": item_base(item_id),
        "bones": sorted(
            {
                model.joints[int(j)].name
                for m in model.meshes
                for p in m.primitives
                for j in set(p.joints[p.weights > 0].tolist())
            }
        ),
    }
