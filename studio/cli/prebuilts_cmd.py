"""``studio prebuilts build SRC_DIR --out OUT [--preset web] [--workers N] [--json]`` and
``studio prebuilts publish OUT [--json]``: the artists' curated collection (docs/prebuilts.md).

Both show a progress bar on stderr (when it is a terminal) and print a per-item report on stdout.
Exit status 1 when an item failed to build (the others are still built and recorded) or could not
be published because its build had failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    from studio.gltf.export.runtime import PRESETS

    parser = subparsers.add_parser("prebuilts", help="build and publish the curated prebuilt collection")
    sub = parser.add_subparsers(dest="prebuilts_command", metavar="ACTION", required=True)
    build = sub.add_parser(
        "build", help="export every .vrm/.glb of a folder (runtime GLB, source VRM, webp) in parallel"
    )
    build.add_argument(
        "src", metavar="SRC_DIR", help="folder of source .vrm/.glb files (+ optional NAME.json)"
    )
    build.add_argument("--out", required=True, metavar="OUT", help="output folder (files + catalogue.json)")
    build.add_argument("--preset", choices=sorted(PRESETS), default="web", help="runtime GLB preset")
    build.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: all cores)")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.set_defaults(func=_build)
    publish = sub.add_parser(
        "publish", help="upload a built folder to the public prebuilts prefix and update the catalogue rows"
    )
    publish.add_argument("out", metavar="OUT", help="a folder written by `studio prebuilts build`")
    publish.add_argument("--json", action="store_true", help="print the report as JSON")
    publish.set_defaults(func=_publish)


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _build(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from studio.services.prebuilt_collection import PrebuiltCollection

    with tqdm(unit="item", file=sys.stderr, disable=None, desc="prebuilts") as bar:

        def progress(item: Any, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(f"{item.id} {item.status}", refresh=False)
            bar.update(done - bar.n)

        # building needs no store or database: no Studio (and no settings) is opened for it
        report = PrebuiltCollection.build(
            args.src, args.out, preset=args.preset, workers=args.workers, progress=progress
        )
    if args.json:
        print(json.dumps(_build_json(report), indent=2))
    else:
        _print_build(report)
    return 0 if report.ok else 1


def _build_json(report: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "items": [asdict(item) for item in report.items],
        "built": report.count("built"),
        "skipped": report.count("skipped"),
        "failed": report.count("failed"),
        "seconds": round(report.seconds, 3),
        "workers": report.workers,
    }


def _print_build(report: Any) -> None:
    print(f"{'id':<24} {'status':<8} {'glb':>9} {'vrm':>9} {'webp':>9}  validation")
    for item in report.items:
        sizes = [_size(item.files.get(kind)) for kind in ("glb", "vrm", "webp")]
        checks = ", ".join(
            f"{kind} {v['errors']} errors {v['warnings']} warnings" for kind, v in item.validation.items()
        )
        print(f"{item.id:<24} {item.status:<8} {sizes[0]:>9} {sizes[1]:>9} {sizes[2]:>9}  {checks or '-'}")
        if item.message:
            print(f"    {item.status}: {item.message}")
        for kind, v in item.validation.items():
            for message in v.get("messages", []):
                print(f"    {kind}: {message}")
    print(
        f"{len(report.items)} items: {report.count('built')} built, {report.count('skipped')} skipped "
        f"(unchanged), {report.count('failed')} failed in {report.seconds:.1f} s ({report.workers} workers)"
    )


def _size(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "-"
    size = float(entry["size"])
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "-"


def _publish(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from studio.app import open_studio

    studio = open_studio()
    with tqdm(unit="item", file=sys.stderr, disable=None, desc="publishing") as bar:

        def progress(item_id: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(item_id, refresh=False)
            bar.update(done - bar.n)

        report = studio.prebuilts.publish(args.out, progress=progress)
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(report), indent=2))
    else:
        for item in report.items:
            print(
                f"{item.id:<24} {item.urls.get('glb', '')}  ({item.uploaded} new files, {item.bytes} bytes)"
            )
        for item_id, why in report.not_published:
            print(f"{item_id:<24} not published: {why}")
        print(
            f"{len(report.items)} published to {type(studio.blob_store).__name__}, "
            f"rows in {report.databases} database(s), {len(report.not_published)} not published"
        )
    return 0 if not report.not_published else 1
