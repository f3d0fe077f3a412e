"""``studio export SRC [--meta M.json] --out DIR [--preset web|desktop] [--strip-vrm] [--id ID]
[--items DIR] [--migrate-vrm1] [--[no-]quantize]``: write ``<id>.glb`` (runtime), ``<id>.vrm``
(lossless source) and ``<id>.webp`` (portrait), seed 004's names."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    from studio.gltf.export.runtime import PRESETS

    parser = subparsers.add_parser(
        "export", help="export an avatar as runtime GLB, source VRM and webp thumbnail (edits from --meta)"
    )
    parser.add_argument("src", metavar="SRC", help="avatar file (.vrm, .glb)")
    parser.add_argument("--meta", metavar="M.json", help="wardrobe metadata to apply (seed 004 format)")
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="folder for <id>.glb, <id>.vrm, <id>.webp"
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="web",
        help="runtime GLB preset: web (textures <= 1024, WebP) or desktop (<= 2048)",
    )
    parser.add_argument("--strip-vrm", action="store_true", help="runtime GLB without VRM extensions")
    parser.add_argument(
        "--quantize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="smaller runtime geometry via KHR_mesh_quantization (default: on for web, off for desktop)",
    )
    parser.add_argument("--id", dest="avatar_id", metavar="ID", help="file name stem (default: SRC's stem)")
    parser.add_argument(
        "--items",
        metavar="DIR",
        help="item library with hair/, clothing/, attachments/ (default: the built-in library)",
    )
    parser.add_argument(
        "--thumbnail-size",
        type=int,
        choices=(0, 256, 512),
        default=512,
        help="portrait size in pixels (0: no thumbnail)",
    )
    parser.add_argument(
        "--migrate-vrm1",
        action="store_true",
        help="write the source <id>.vrm as VRM 1.0 (SRC must be VRM 0.x); prints what was not migrated",
    )
    parser.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from studio.app import open_studio
    from studio.services.export import export_avatar, read_metadata_file

    studio = open_studio()
    metadata = read_metadata_file(args.meta) if args.meta else None

    def progress(label: str, fraction: float) -> None:
        if sys.stderr.isatty():
            print(f"\r{fraction:4.0%} {label:<24}", end="", file=sys.stderr, flush=True)

    result = export_avatar(
        args.src,
        args.out,
        metadata=metadata,
        preset=args.preset,
        strip_vrm=args.strip_vrm,
        avatar_id=args.avatar_id,
        items=args.items or studio.item_library,
        thumbnail_size=args.thumbnail_size or None,
        migrate_vrm1=args.migrate_vrm1,
        quantize_mesh=args.quantize,
        progress=progress,
        limits=studio.limits,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for path in (result.glb, result.vrm, result.webp):
        if path is not None:
            print(f"wrote {path} ({path.stat().st_size} bytes)")
    if result.migration is not None:
        lines = result.migration.lines()
        print(f"migrated {result.vrm} to VRM 1.0" + (":" if lines else " (nothing left out)"))
        for line in lines:
            print(f"  {line}")
    return 0
