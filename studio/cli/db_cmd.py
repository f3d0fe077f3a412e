"""``studio db upgrade|current``: migrate the record store. Also the helpers the record commands share."""

from __future__ import annotations

import argparse
import json
from typing import Any

from studio.app import Studio, open_studio
from studio.domain.identity import Identity


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="the record store (local SQLite or PostgreSQL)")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = sub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.add_argument("--url", help="database URL (default: the local store from settings)")
    up.set_defaults(func=_upgrade)
    cur = sub.add_parser("current", help="print the schema revision of the database")
    cur.add_argument("--url", help="database URL (default: the local store from settings)")
    cur.set_defaults(func=_current)


def _url(args: argparse.Namespace) -> str:
    return str(args.url or open_studio().settings.local_database_url)


def _upgrade(args: argparse.Namespace) -> int:
    from studio.store.migrate import upgrade

    print(f"database at revision {upgrade(_url(args))}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from studio.store.migrate import current_revision, head_revision

    current = current_revision(_url(args))
    head = head_revision()
    print(
        f"{current or '(empty)'}"
        + ("" if current == head else f" (newest is {head}; run `studio db upgrade`)")
    )
    return 0


# --- shared by the profile / wardrobe / inventory commands -----------------------------------------


def add_identity_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--username", help="your Cartridge username (default: from settings)")
    parser.add_argument("--address", dest="me_address", help="your Starknet address (default: from settings)")


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def me_of(studio: Studio, args: argparse.Namespace) -> Identity:
    return studio.identity(getattr(args, "username", None), getattr(args, "me_address", None))


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))
