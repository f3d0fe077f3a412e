"""``studio profile get|batch|me``: seed 000's profile lookups from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from studio.app import open_studio
from studio.cli.db_cmd import add_identity_args, add_json_arg, me_of, print_json
from studio.domain.errors import NotFoundError
from studio.services.profiles import ProfileSummary, ProfileView


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("profile", help="look up player profiles")
    sub = parser.add_subparsers(dest="profile_command", metavar="ACTION", required=True)

    get = sub.add_parser("get", help="one profile by username or --address")
    key = get.add_mutually_exclusive_group(required=True)
    key.add_argument("username", nargs="?", help="Cartridge username")
    key.add_argument("--address", help="Starknet address")
    add_json_arg(get)
    get.set_defaults(func=_get)

    batch = sub.add_parser("batch", help="many profiles in one query, answers in input order")
    keys = batch.add_mutually_exclusive_group(required=True)
    keys.add_argument("--addresses", nargs="+", metavar="ADDR")
    keys.add_argument("--usernames", nargs="+", metavar="NAME")
    add_json_arg(batch)
    batch.set_defaults(func=_batch)

    me = sub.add_parser("me", help="your own profile")
    add_identity_args(me)
    add_json_arg(me)
    me.set_defaults(func=_me)


def _line(view: ProfileView | ProfileSummary) -> str:
    return f"{view.cartridge_username}\t{view.player_address}\t{view.avatar_url or '-'}"


def _show(view: ProfileView | None, as_json: bool, missing: str) -> int:
    if view is None:
        raise NotFoundError(missing)
    if as_json:
        print_json(view.to_api())
    else:
        print(_line(view))
    return 0


def _get(args: argparse.Namespace) -> int:
    profiles = open_studio().profiles
    if args.address:
        return _show(profiles.by_address(args.address), args.json, f"no player with address {args.address}")
    return _show(profiles.get(args.username), args.json, f"no player named {args.username}")


def _batch(args: argparse.Namespace) -> int:
    profiles = open_studio().profiles
    if args.addresses:
        keys, views = args.addresses, profiles.batch_by_addresses(args.addresses)
    else:
        keys, views = args.usernames, profiles.batch_by_usernames(args.usernames)
    if args.json:  # seed 000's POST /avatars/profiles response shape
        print_json(
            {"profiles": [_api_entry(k, v, bool(args.addresses)) for k, v in zip(keys, views, strict=True)]}
        )
        return 0
    for key, view in zip(keys, views, strict=True):
        print(_line(view) if view else f"{key}\t(unknown)")
    return 0


def _api_entry(key: str, view: ProfileSummary | None, by_address: bool) -> dict[str, Any]:
    if view is None:
        return {"playerAddress": key if by_address else None, "cartridgeUsername": None, "avatarUrl": None}
    return view.to_api()


def _me(args: argparse.Namespace) -> int:
    studio = open_studio()
    me = me_of(studio, args)
    return _show(studio.profiles.me(me), args.json, f"no profile for {me.username} yet")
