"""``studio sync [--dry-run]``, ``studio sync status``, ``studio sync gc``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from studio.sync.report import SyncProgress


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sync", help="sync records and files with the server")
    parser.add_argument("--dry-run", action="store_true", help="show what would be pushed and pulled")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run_sync)
    sub = parser.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")
    status = sub.add_parser("status", help="pending local changes, cursor, last sync")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)
    gc = sub.add_parser("gc", help="delete stored files no entry uses any more")
    gc.add_argument(
        "--grace-hours", type=float, default=24.0, help="keep files younger than this (default 24)"
    )
    gc.add_argument("--local", action="store_true", help="clean the local store instead of the server")
    gc.set_defaults(func=run_gc)


def _studio() -> Any:
    from studio.app import open_studio

    return open_studio()


def _progress(p: SyncProgress) -> None:
    print(f"\r{p.phase}: {p.items_done}/{p.items_total} items, {p.bytes_done} bytes", end="", file=sys.stderr)


def run_sync(args: argparse.Namespace) -> int:
    report = _studio().sync.sync_now(dry_run=args.dry_run, progress=None if args.json else _progress)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
        return 0
    print(file=sys.stderr)
    print(report.summary())
    for note in report.conflicts:
        print(f"conflict: {note.message()}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = _studio().sync.status()
    if args.json:
        print(json.dumps(asdict(status), indent=2))
    else:
        print(
            f"device: {status.device}\npending changes: {status.pending}\ncursor: {status.cursor}\n"
            f"last sync: {status.last_sync or 'never'}"
        )
    return 0


def run_gc(args: argparse.Namespace) -> int:
    from studio.domain.errors import InvalidInputError

    if args.grace_hours < 0:
        raise InvalidInputError("--grace-hours cannot be negative")
    report = _studio().sync.collect_garbage(grace=timedelta(hours=args.grace_hours), remote=not args.local)
    print(
        f"scanned {report.scanned} file(s), deleted {report.deleted} ({report.deleted_bytes} bytes), "
        f"kept {report.kept_young} younger than the grace period; layout: {report.layout_repaired} repaired, "
        f"{report.layout_removed} removed"
    )
    return 0
