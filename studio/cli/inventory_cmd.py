"""``studio inventory grant|list|revoke``: items a player owns (seed 004 Phase 3)."""

from __future__ import annotations

import argparse
from typing import Any

from studio.app import open_studio
from studio.cli.db_cmd import add_identity_args, add_json_arg, me_of, print_json
from studio.services.inventory import InventoryItemView
from studio.store.models import ITEM_SOURCES, ITEM_TYPES


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("inventory", help="hair, clothing and attachments you own")
    sub = parser.add_subparsers(dest="inventory_command", metavar="ACTION", required=True)

    grant = sub.add_parser(
        "grant", help="add a built-in item (by id) or an item's GLB file (validated) to the inventory"
    )
    grant.add_argument("item_type", choices=ITEM_TYPES)
    grant.add_argument("item_id", help="a built-in item id (fem-long-01, tops-hoodie-02...) or a new id")
    grant.add_argument("file", nargs="?", metavar="FILE", help="the item's GLB (for items not built in)")
    grant.add_argument("--source", choices=ITEM_SOURCES, default="default")
    add_json_arg(grant)
    grant.set_defaults(func=_grant)

    lst = sub.add_parser("list", help="list owned items")
    lst.add_argument("--type", dest="item_type", choices=ITEM_TYPES)
    add_json_arg(lst)
    lst.set_defaults(func=_list)

    revoke = sub.add_parser("revoke", help="remove an item from the inventory")
    revoke.add_argument("item_id")
    revoke.set_defaults(func=_revoke)

    for p in (grant, lst, revoke):
        add_identity_args(p)


def _line(item: InventoryItemView) -> str:
    return f"{item.item_type}\t{item.item_id}\t{item.source}\t{item.glb_url}"


def _grant(args: argparse.Namespace) -> int:
    studio = open_studio()
    item = studio.inventory.acquire(
        me_of(studio, args), args.item_type, args.item_id, args.file, source=args.source
    )
    if args.json:
        print_json(item.to_api())
    else:
        print(_line(item))
    return 0


def _list(args: argparse.Namespace) -> int:
    studio = open_studio()
    items = studio.inventory.list(me_of(studio, args), args.item_type)
    if args.json:
        print_json([i.to_api() for i in items])
    else:
        for item in items:
            print(_line(item))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    studio = open_studio()
    studio.inventory.revoke(me_of(studio, args), args.item_id)
    print(f"revoked {args.item_id}")
    return 0
