"""``studio thumbnail SRC --out FILE.webp [--size 256|512]``: a portrait rendered with no display."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "thumbnail", help="render a webp portrait of an avatar (framed on its head; no display needed)"
    )
    parser.add_argument("src", metavar="SRC", help="avatar file (.vrm, .glb, .gltf)")
    parser.add_argument("--out", required=True, metavar="FILE.webp", help="where to write the webp")
    parser.add_argument("--size", type=int, choices=(256, 512), default=512, help="square size in pixels")
    parser.set_defaults(func=_thumbnail)


def _thumbnail(args: argparse.Namespace) -> int:
    from studio.app import open_studio
    from studio.services.thumbnail import make_thumbnail

    result = make_thumbnail(args.src, args.out, args.size, limits=open_studio().limits)
    total = sum(result.timings.values())
    print(f"wrote {result.path} ({result.size}x{result.size}, {result.byte_count} bytes, {total:.2f} s)")
    return 0
