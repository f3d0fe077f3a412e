"""Publish a built prebuilt folder: files to the blob store's public prefix, rows to the catalogue.

For every item the last ``studio prebuilts build`` marked as built:
1. each file (glb, vrm, webp) is checked against the SHA-256 the build recorded, stored once under
   its content address with :func:`studio.blobs.content.put_content` (the sync layer's upload:
   checksummed, retried, never overwritten) and copied to its public layout key
   ``prebuilts/{id}.{ext}`` with :func:`studio.blobs.content.publish`;
2. then, in one transaction per database, the ``prebuilts`` rows are upserted (local store, and the
   shared PostgreSQL server when configured). Rows hold content keys, like every other blob column
   (the garbage collector keeps what rows point at); the public keys and URLs are in ``metadata``.

Files go first, rows last: a crash in between leaves uploaded objects no row points at yet (the
next publish reuses them), never a row pointing at nothing. See docs/prebuilts.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from studio.blobs.base import BlobStore, CancelFn, check_cancel, sha256_file
from studio.blobs.content import publish, put_content
from studio.blobs.layout import content_type_for, object_key, prebuilt_key
from studio.domain.errors import InvalidInputError
from studio.services.prebuilts import load_catalogue
from studio.store.engine import write_session
from studio.store.repositories import PrebuiltRepository

COLUMNS = {"glb": "glb_url", "vrm": "source_url", "webp": "thumbnail_url"}
Progress = Callable[[str, int, int], None]  # (item id, done, total)


@dataclass
class PublishedItem:
    id: str
    keys: dict[str, str]  # kind -> content key (what the row points at)
    public: dict[str, str]  # kind -> public layout key (prebuilts/{id}.{ext})
    urls: dict[str, str]  # kind -> URL a game world can fetch
    uploaded: int = 0  # files the store did not hold yet
    bytes: int = 0


@dataclass
class PublishReport:
    items: list[PublishedItem]
    not_published: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    databases: int = 0
    seconds: float = 0.0


def publish_prebuilts(
    out_dir: str | os.PathLike[str],
    store: BlobStore,
    engines: Sequence[Engine],
    *,
    progress: Progress | None = None,
    cancel: CancelFn | None = None,
) -> PublishReport:
    """Upload every built item of ``out_dir``'s catalogue to ``store`` and upsert its row into each
    of ``engines``. Items the build marked failed are listed in ``not_published``."""
    started = time.perf_counter()
    out = Path(out_dir)
    catalogue = load_catalogue(out)
    if not catalogue:
        raise InvalidInputError(
            f"{out}: no catalogue.json; run `studio prebuilts build SRC --out {out}` first"
        )
    entries = [e for e in catalogue.values() if e.get("status") == "built"]
    report = PublishReport(
        [],
        [(e["id"], e.get("message") or "failed") for e in catalogue.values() if e.get("status") != "built"],
    )
    for entry in entries:
        _check_files(out, entry)  # everything is checked before the first upload
    for done, entry in enumerate(entries):
        check_cancel(cancel)
        report.items.append(_upload(out, entry, store, cancel))
        if progress is not None:
            progress(entry["id"], done + 1, len(entries))
    by_id = {item.id: item for item in report.items}
    for engine in engines:
        upsert_rows(engine, [(entry, by_id[entry["id"]]) for entry in entries])
        report.databases += 1
    report.seconds = time.perf_counter() - started
    return report


def upsert_rows(engine: Engine, items: Sequence[tuple[dict[str, Any], PublishedItem]]) -> None:
    """Insert or update the ``prebuilts`` rows of published items, all in one transaction."""
    with write_session(engine) as session:
        repo = PrebuiltRepository(session)
        for entry, published in items:
            repo.upsert(entry["id"], **row_fields(entry, published))


def row_fields(entry: dict[str, Any], published: PublishedItem) -> dict[str, Any]:
    files = entry["files"]
    metadata = dict(entry.get("metadata") or {})
    metadata["prebuilt"] = {
        "public": published.public,
        "urls": published.urls,
        "files": {kind: {"size": f["size"], "sha256": f["sha256"]} for kind, f in files.items()},
        "validation": {
            kind: {"errors": v["errors"], "warnings": v["warnings"]}
            for kind, v in (entry.get("validation") or {}).items()
        },
    }
    return {
        "name": entry.get("name") or entry["id"],
        "kind": entry.get("kind") or "avatar",
        **{column: published.keys.get(kind) for kind, column in COLUMNS.items()},
        "content_hash": entry["content_hash"],
        "size_bytes": int(files["glb"]["size"]),  # the runtime file, what a game world downloads
        "metadata_": metadata,
    }


def _check_files(out: Path, entry: dict[str, Any]) -> None:
    if "glb" not in (entry.get("files") or {}):
        raise InvalidInputError(f"{entry['id']}: the catalogue lists no runtime GLB; rebuild it")
    for kind, f in entry["files"].items():
        path = out / f["path"]
        if not path.is_file():
            raise InvalidInputError(f"{path}: missing ({entry['id']} {kind}); run the build again")
        if path.stat().st_size != f["size"] or sha256_file(path) != f["sha256"]:
            raise InvalidInputError(f"{path} changed since it was built; run the build again")


def _upload(out: Path, entry: dict[str, Any], store: BlobStore, cancel: CancelFn | None) -> PublishedItem:
    item = PublishedItem(entry["id"], {}, {}, {})
    for kind, f in sorted(entry["files"].items()):
        if kind not in COLUMNS:
            continue
        had = store.exists(object_key(f["sha256"]))
        ref = put_content(
            store, out / f["path"], content_type_for(f["path"]), sha256=f["sha256"], cancel=cancel
        )
        layout = prebuilt_key(entry["id"], kind)
        publish(store, ref.key, layout)
        item.keys[kind], item.public[kind] = ref.key, layout
        item.urls[kind] = store.presigned_url(layout)
        if not had:
            item.uploaded += 1
            item.bytes += ref.size
    return item
