"""``studio wardrobe list|add|activate|rm``: your saved avatars (seed 004 Phase 2)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from studio.app import open_studio
from studio.cli.db_cmd import add_identity_args, add_json_arg, me_of, print_json
from studio.domain.errors import InvalidInputError
from studio.services.wardrobe import WardrobeEntryView
from studio.store.models import AVATAR_TYPES


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("wardrobe", help="your saved avatars; one is active")
    sub = parser.add_subparsers(dest="wardrobe_command", metavar="ACTION", required=True)

    lst = sub.add_parser("list", help="list your avatars (* marks the active one)")
    add_json_arg(lst)
    lst.set_defaults(func=_list)

    add = sub.add_parser(
        "add", help="import an avatar file (.vrm/.glb): validated, stored with a portrait, added"
    )
    add.add_argument("file", metavar="FILE", help="the avatar file (.vrm or .glb)")
    add.add_argument("--name", help="the entry's name (default: the file name)")
    add.add_argument(
        "--type", dest="avatar_type", choices=AVATAR_TYPES, help="default: from --metadata, else vrm"
    )
    add.add_argument("--metadata", help="a JSON object (seed 004: bone transforms, materials, ...)")
    add.add_argument("--activate", action="store_true", help="make it the active avatar")
    add_json_arg(add)
    add.set_defaults(func=_add)

    act = sub.add_parser("activate", help="make an entry the active avatar")
    act.add_argument("entry_id")
    act.set_defaults(func=_activate)

    rm = sub.add_parser("rm", help="remove an entry from the wardrobe")
    rm.add_argument("entry_id")
    rm.set_defaults(func=_rm)

    for p in (lst, add, act, rm):
        add_identity_args(p)


def _line(e: WardrobeEntryView) -> str:
    return f"{'*' if e.is_active else ' '} {e.id}\t{e.name}\t{e.avatar_type}\t{e.glb_url}"


def _list(args: argparse.Namespace) -> int:
    studio = open_studio()
    entries = studio.wardrobe.list(me_of(studio, args))
    if args.json:
        print_json([e.to_api() for e in entries])
    else:
        for e in entries:
            print(_line(e))
    return 0


def _metadata(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"--metadata is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInputError("--metadata must be a JSON object")
    return value


def _add(args: argparse.Namespace) -> int:
    studio = open_studio()
    entry = studio.wardrobe.import_avatar(
        me_of(studio, args), args.file, name=args.name, avatar_type=args.avatar_type,
        metadata=_metadata(args.metadata), activate=args.activate,
    )  # fmt: skip
    if args.json:
        print_json(entry.to_api())
    else:
        print(_line(entry))
    return 0


def _activate(args: argparse.Namespace) -> int:
    studio = open_studio()
    print(_line(studio.wardrobe.activate(me_of(studio, args), args.entry_id)))
    return 0


def _rm(args: argparse.Namespace) -> int:
    studio = open_studio()
    studio.wardrobe.delete(me_of(studio, args), args.entry_id)
    print(f"removed {args.entry_id}")
    return 0
