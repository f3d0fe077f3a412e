"""One prebuilt item's work (export + validation) and the worker processes that run it in parallel.

Threads per process follow one rule, :func:`threads_per_worker` = cores // workers, so ``N`` workers
never start more busy threads than there are cores: a serial build (one worker, in the calling
process) keeps the defaults, which is the rule's answer for it (two image threads, llvmpipe's one
rasteriser thread per core); each of two workers on two cores gets one thread (image work inline,
llvmpipe rasterising in the worker's own thread).

Workers start from a ``forkserver`` (Linux, macOS) that has already imported everything an item
needs (:data:`PRELOAD`), so each worker's start costs a fork, not an interpreter and its imports, and
the first item of each worker does not pay for lazy imports again. They never inherit the caller's
threads or OpenGL context (a forked EGL context is unusable; the UI and the test run hold one).
Elsewhere (Windows) they are spawned.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import PIL.WebPImagePlugin  # noqa: F401  (registers WebP: saving never falls back to loading every plugin)

from studio.domain.errors import InvalidInputError, StudioError
from studio.gltf.io import load
from studio.gltf.validate import validate
from studio.services.export import export_avatar, read_metadata_file
from studio.services.prebuilts import KINDS, MAX_MESSAGES, ItemReport, PrebuiltSource
from studio.threads import set_image_threads

#: imported once by the forkserver, before it forks workers (this module imports the exporter,
#: validator and thumbnail renderer; the rest is what they import lazily on the first item)
PRELOAD = [
    "studio.services.prebuilt_worker",
    "studio.services.thumbnail",
    "studio.render.thumbnail",
    "studio.render.loader",
    "glcontext.egl",
    "ctypes.util",
    "numpy.ma",
    # what Pillow's first Image.open imports (PIL.Image.preinit)
    "PIL.BmpImagePlugin",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PngImagePlugin",
    "PIL.PpmImagePlugin",
]


def threads_per_worker(workers: int, cores: int) -> int:
    """Busy threads each of ``workers`` processes may use on ``cores`` cores (at least one)."""
    return max(1, cores // max(1, workers))


def mp_context() -> Any:
    """``forkserver`` with :data:`PRELOAD` where the platform has it, ``spawn`` elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def worker_init(threads: int) -> None:
    """Runs first in every worker, before its OpenGL context exists: ``threads`` image threads and
    llvmpipe rasteriser threads (``LP_NUM_THREADS``; 0 = rasterise in the worker's own thread).
    An ``LP_NUM_THREADS`` the user set is kept."""
    set_image_threads(threads)
    os.environ.setdefault("LP_NUM_THREADS", str(threads if threads > 1 else 0))


def build_one(source: PrebuiltSource, digest: str, out_dir: str, preset: str) -> ItemReport:
    """Export one source and validate what was written. Never raises for a bad source (the item is
    reported as failed with the reason). ``seconds``/``cpu_seconds``: wall and CPU time of this
    process (all its threads) for the item."""
    started, cpu = time.perf_counter(), time.process_time()
    item = ItemReport(source.id, "built", digest, name=source.id)
    try:
        _export_one(source, item, Path(out_dir), preset)
    except StudioError as exc:
        item.status, item.message = "failed", str(exc)
    except Exception as exc:  # one broken file must not stop the batch; the message names the cause
        item.status, item.message = "failed", f"unexpected error ({type(exc).__name__}: {exc})"
    item.seconds = time.perf_counter() - started
    item.cpu_seconds = time.process_time() - cpu
    return item


def _export_one(source: PrebuiltSource, item: ItemReport, out: Path, preset: str) -> None:
    metadata = read_metadata_file(source.metadata_path) if source.metadata_path else {}
    item.name = str(metadata.pop("name", source.id))
    item.kind = str(metadata.pop("kind", "avatar"))
    if item.kind not in KINDS:
        raise InvalidInputError(
            f"{source.metadata_path}: kind {item.kind!r} is not one of {', '.join(KINDS)}"
        )
    item.metadata = metadata
    result = export_avatar(source.path, out, metadata=metadata, preset=preset, avatar_id=source.id)
    for kind, path in (("glb", result.glb), ("vrm", result.vrm), ("webp", result.webp)):
        if path is not None:
            item.files[kind] = _file_entry(Path(path), out)
    item.validation = _validate_outputs(result.glb, result.vrm)
    failing = [k for k, v in item.validation.items() if v["errors"]]
    if failing:
        first = item.validation[failing[0]]["messages"][:1]
        item.status = "failed"
        item.message = f"the exported {'/'.join(failing)} does not validate" + (
            f": {first[0]}" if first else ""
        )


def _validate_outputs(glb: Path, vrm: Path | None) -> dict[str, dict[str, Any]]:
    """Validate the files as written (read back from disk, not the bytes in memory)."""
    report = {}
    for kind, path in (("glb", glb), ("vrm", vrm)):
        if path is None:
            continue
        result = validate(load(path))
        shown = [*result.errors, *result.warnings][:MAX_MESSAGES]
        report[kind] = {
            "errors": result.counts.get("error", 0),
            "warnings": result.counts.get("warning", 0),
            "messages": [f"{i.severity} {i.code}: {i.message}" for i in shown],
        }
    return report


def _file_entry(path: Path, root: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {
        "path": path.relative_to(root).as_posix(),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
