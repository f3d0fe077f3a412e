"""``studio make-avatar`` and ``studio make-prebuilts``: procedural avatars from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.services.make_avatar import make_avatar, make_prebuilts


def register(subparsers: argparse._SubParsersAction) -> None:
    make = subparsers.add_parser(
        "make-avatar", help="generate an avatar from supermesh parameters (seed 004 metadata JSON)"
    )
    make.add_argument("--params", type=Path, required=True, help="supermesh metadata JSON file")
    make.add_argument("--out", type=Path, required=True, help="output .vrm or .glb")
    fmt = make.add_mutually_exclusive_group()
    fmt.add_argument(
        "--vrm1", dest="format", action="store_const", const="vrm1", help="VRM 1.0 (default for .vrm)"
    )
    fmt.add_argument("--vrm0", dest="format", action="store_const", const="vrm0", help="VRM 0.x")
    fmt.add_argument("--glb", dest="format", action="store_const", const="glb", help="plain glTF binary")
    make.add_argument(
        "--heavy",
        action="store_true",
        help="VRoid-sized avatar (40k-50k vertices, 2048² textures, tens of MB)",
    )
    make.set_defaults(func=_make_avatar, format=None)

    pre = subparsers.add_parser("make-prebuilts", help="write the default avatar collection and item library")
    pre.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    pre.set_defaults(func=_make_prebuilts)


def _make_avatar(args: argparse.Namespace) -> int:
    path = make_avatar(args.params, args.out, args.format, heavy=args.heavy)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


def _make_prebuilts(args: argparse.Namespace) -> int:
    def progress(done: int, total: int, label: str) -> None:
        print(f"[{done}/{total}] {label}", file=sys.stderr)

    catalogue = make_prebuilts(args.out_dir, progress=progress)
    counts = ", ".join(f"{len(v)} {k}" for k, v in catalogue.items() if isinstance(v, list))
    print(f"wrote {args.out_dir}/catalogue.json: {counts}")
    return 0
