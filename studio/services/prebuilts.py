"""The artists' prebuilt pipeline: a folder of source VRM/GLB files -> runtime GLB, source VRM, webp
thumbnail and a catalogue, built in parallel on every core; unchanged sources are skipped.

A source ``NAME.vrm`` (or ``.glb``) may have ``NAME.json`` beside it: seed 004 metadata applied before
export, plus optional ``"name"`` and ``"kind"`` for the catalogue. The content hash covers the
source bytes, the metadata bytes, the preset and :data:`PIPELINE_VERSION`, so a change to any of
them rebuilds that item and nothing else.

The catalogue (``catalogue.json``) is written atomically after every item, so a cancelled or
crashed build keeps what it finished and the next run picks up where it stopped. Publishing the
result (blob store + database rows) is :mod:`studio.services.publish_prebuilts`. See docs/prebuilts.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from studio.domain.errors import CancelledError, InvalidInputError
from studio.fsutil import write_atomic

#: bump when the exporter's output changes for the same input, so every item is rebuilt once
PIPELINE_VERSION = "1"
CATALOGUE = "catalogue.json"
SOURCE_SUFFIXES = (".vrm", ".glb")
#: the catalogue kinds (the ``prebuilts.kind`` column's CHECK constraint in studio.store.models)
KINDS = ("avatar", "hair", "clothing", "attachment")
MAX_MESSAGES = 5  # validation messages kept per file in the report (counts stay exact)
Progress = Callable[["ItemReport", int, int], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True)
class PrebuiltSource:
    id: str
    path: Path
    metadata_path: Path | None


@dataclass
class ItemReport:
    """One item's outcome. ``files``: kind -> {path (relative to OUT), size, sha256};
    ``validation``: kind -> {errors, warnings, messages}."""

    id: str
    status: str  # "built" | "skipped" | "failed"
    content_hash: str
    name: str = ""
    kind: str = "avatar"
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the building process's CPU time, all threads (not in the catalogue)

    @property
    def size_bytes(self) -> int:
        return sum(int(f["size"]) for f in self.files.values())


@dataclass
class BuildReport:
    items: list[ItemReport]
    seconds: float
    workers: int = 1

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0


def discover(src_dir: str | os.PathLike[str]) -> list[PrebuiltSource]:
    """Every ``*.vrm``/``*.glb`` directly in ``src_dir`` (sorted), with its ``.json`` metadata if any."""
    root = Path(src_dir)
    if not root.is_dir():
        raise InvalidInputError(f"{root}: not a folder of source avatars")
    sources = []
    seen: dict[str, Path] = {}
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in SOURCE_SUFFIXES or not path.is_file():
            continue
        if path.stem in seen:
            raise InvalidInputError(
                f"{path.name} and {seen[path.stem].name} would both export as {path.stem!r}"
            )
        seen[path.stem] = path
        meta = path.with_suffix(".json")
        sources.append(PrebuiltSource(path.stem, path, meta if meta.is_file() else None))
    if not sources:
        raise InvalidInputError(f"{root}: no .vrm or .glb files to build")
    return sources


def content_hash(source: PrebuiltSource, preset: str) -> str:
    digest = hashlib.sha256(f"studio-prebuilt/{PIPELINE_VERSION}/{preset}\0".encode())
    with source.path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(b"\0meta\0")
    if source.metadata_path is not None:
        digest.update(source.metadata_path.read_bytes())
    return digest.hexdigest()


def load_catalogue(out_dir: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The last build's catalogue rows by id ({} when there is none yet)."""
    path = Path(out_dir) / CATALOGUE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {item["id"]: item for item in data["items"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path}: unreadable catalogue ({exc}); delete it to rebuild") from exc


def default_workers() -> int:
    """The cores this process may use (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def build_prebuilts(
    src_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    preset: str = "web",
    workers: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> BuildReport:
    """Build every changed source in parallel (``workers`` processes, default: all cores).

    ``progress(item, done, total)`` is called once per item (skipped ones first). A failed item is
    reported and recorded; it never stops the others."""
    started = time.perf_counter()
    out = Path(out_dir)
    sources = discover(src_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = load_catalogue(out)
    done: dict[str, ItemReport] = {}
    todo: list[tuple[PrebuiltSource, str]] = []
    for source in sources:
        digest = content_hash(source, preset)
        old = previous.get(source.id)
        if old and old.get("content_hash") == digest and _outputs_present(out, old):
            done[source.id] = _skipped(old)
        else:
            todo.append((source, digest))
    total = len(sources)
    for item in list(done.values()):
        _notify(progress, item, len(done), total)
    count = max(1, min(workers or default_workers(), len(todo) or 1))
    try:
        # closing(): an exception in this loop (Ctrl-C, a progress callback) must shut the worker
        # pool down now, not whenever the suspended generator is collected (the interpreter would
        # wait at exit for workers that were never told to stop).
        with closing(_run(todo, out, preset, count, cancel)) as results:
            for item in results:
                done[item.id] = item
                _write_catalogue(out, [done[s.id] for s in sources if s.id in done])
                _notify(progress, item, len(done), total)
    finally:
        _remove_stale(out, previous, {s.id for s in sources})
    items = [done[s.id] for s in sources]
    _write_catalogue(out, items)
    return BuildReport(items, time.perf_counter() - started, count)


def _run(
    todo: list[tuple[PrebuiltSource, str]], out: Path, preset: str, workers: int, cancel: Cancel | None
) -> Generator[ItemReport, None, None]:
    if not todo:
        return
    from studio.services import prebuilt_worker as worker

    if workers == 1:  # in this process, with its default threads (the same rule's answer for 1)
        for source, digest in todo:
            _check_cancel(cancel)
            yield worker.build_one(source, digest, str(out), preset)
        return
    threads = worker.threads_per_worker(workers, default_workers())
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker.mp_context(),
        initializer=worker.worker_init,
        initargs=(threads,),
    )
    # largest sources first, so the last item to finish is a small one (less time with idle cores)
    queue = deque(sorted(todo, key=lambda pair: pair[0].path.stat().st_size, reverse=True))
    # At most one item per worker is handed over at a time (the executor would otherwise queue
    # more, already "running" and no longer cancellable): Stop then waits only for the items the
    # workers are building, and those are kept (the caller records each item as it arrives).
    in_flight: dict[Future[ItemReport], tuple[PrebuiltSource, str]] = {}
    try:
        while queue or in_flight:
            stopping = cancel is not None and cancel()
            while queue and len(in_flight) < workers and not stopping:
                source, digest = queue.popleft()
                in_flight[pool.submit(worker.build_one, source, digest, str(out), preset)] = (source, digest)
            if not in_flight:
                break
            finished, _ = wait(in_flight, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in finished:
                source, digest = in_flight.pop(future)
                yield _result(future, source, digest)
        if queue:  # stopped with sources left over: say so (the finished ones are kept)
            _check_cancel(cancel)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Future[ItemReport], source: PrebuiltSource, digest: str) -> ItemReport:
    try:
        return future.result()
    except BrokenProcessPool:
        # A worker died (killed, out of memory, a crash in a native library): the pool is gone.
        return ItemReport(
            source.id,
            "failed",
            digest,
            name=source.id,
            message="the worker process building it died (out of memory or a crash)",
        )


def _outputs_present(out: Path, entry: dict[str, Any]) -> bool:
    files = entry.get("files") or {}
    if entry.get("status") == "failed" or "glb" not in files:
        return False
    return all(
        (out / f["path"]).is_file() and (out / f["path"]).stat().st_size == f["size"] for f in files.values()
    )


def _remove_stale(out: Path, previous: dict[str, dict[str, Any]], current: set[str]) -> None:
    """Delete the outputs of sources that are gone, so OUT holds exactly what the catalogue lists."""
    for item_id, entry in previous.items():
        if item_id in current:
            continue
        for f in (entry.get("files") or {}).values():
            path = out / str(f.get("path", ""))
            if path.parent.resolve() == out.resolve():  # only our own flat outputs, never ../ paths
                path.unlink(missing_ok=True)


def _skipped(entry: dict[str, Any]) -> ItemReport:
    keys = ("id", "content_hash", "name", "kind", "metadata", "files", "validation")
    return ItemReport(status="skipped", **{k: entry[k] for k in keys if k in entry})


def _write_catalogue(out: Path, items: list[ItemReport]) -> None:
    rows = []
    for item in items:
        row = asdict(item)
        row.pop("seconds")
        row.pop("cpu_seconds")
        if row["status"] == "skipped":
            row["status"] = "built"  # the catalogue records the last build's outcome
        rows.append(row)
    payload = {"version": 1, "pipeline": PIPELINE_VERSION, "items": rows}
    write_atomic(out / CATALOGUE, json.dumps(payload, indent=2, sort_keys=True).encode("utf-8"))


def _notify(progress: Progress | None, item: ItemReport, done: int, total: int) -> None:
    if progress is not None:
        progress(item, done, total)


def _check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("prebuilt build stopped; the items finished so far are kept in the catalogue")
