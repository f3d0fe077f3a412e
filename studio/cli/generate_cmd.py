"""``studio generate``, ``studio generations``, ``studio styles``, ``studio fal-key``, ``studio fake-fal``.

Handlers call services only (through :func:`studio.app.open_studio`) and return an exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
import threading
from typing import Any

from studio.generation.ports import Progress
from studio.store.generation_logs import LogView


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("generate", help="generate four avatar portraits with Fal")
    p.add_argument("prompt", help='what the avatar looks like, e.g. "cyberpunk warrior with a red visor"')
    p.add_argument("--style", help="a style preset (see `studio styles list`)")
    p.add_argument("--seed", type=int, help="the seed (same prompt + seed -> same portraits)")
    p.add_argument("--wait", action="store_true", help="follow the job and keep the images before returning")
    _identity_flags(p)
    p.set_defaults(func=_generate)

    g = sub.add_parser("generations", help="your portrait generations")
    gsub = g.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = gsub.add_parser("list", help="newest first, with status and kept images")
    lst.add_argument("--limit", type=int, default=20)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)
    res = gsub.add_parser("resume", help="follow every unfinished job (after a restart)")
    res.set_defaults(func=_resume)
    can = gsub.add_parser("cancel", help="cancel a pending job")
    can.add_argument("id")
    can.set_defaults(func=_cancel)
    cho = gsub.add_parser("choose", help="make one kept image your profile avatar")
    cho.add_argument("id")
    cho.add_argument("index", type=int, nargs="?", default=0, help="0-based image number (default 0)")
    cho.set_defaults(func=_choose)
    quo = gsub.add_parser("quota", help="how many generations are left, and when the next one is")
    quo.set_defaults(func=_quota)
    for action in (lst, res, can, cho, quo):
        _identity_flags(action)

    s = sub.add_parser("styles", help="style presets for `studio generate --style`")
    ssub = s.add_subparsers(dest="action", metavar="ACTION", required=True)
    ssub.add_parser("list").set_defaults(func=_styles_list)
    add = ssub.add_parser("add", help="add or replace a user style (saved in styles.json)")
    add.add_argument("name")
    add.add_argument("words", help="the prompt words the style adds")
    add.set_defaults(func=_styles_add)

    k = sub.add_parser("fal-key", help="the Fal API key in the OS keyring (FAL_KEY wins when set)")
    k.add_argument("action", choices=("set", "clear", "status"))
    k.set_defaults(func=_fal_key)

    f = sub.add_parser("fake-fal", help="run the local Fal stand-in (for demos and offline work)")
    f.add_argument("--port", type=int, default=8787)
    f.add_argument("--queue", type=int, default=3, help="status polls spent in the queue")
    f.add_argument("--run", type=int, default=4, help="status polls spent running")
    f.add_argument("--latency", type=float, default=0.2, help="seconds added to every request")
    f.set_defaults(func=_fake_fal)


def _identity_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--username", help="Cartridge username (default: from settings)")
    p.add_argument("--address", help="Starknet address (default: from settings)")


def _studio(args: argparse.Namespace) -> tuple[Any, Any]:
    from studio.app import open_studio

    studio = open_studio()
    return studio, studio.identity(getattr(args, "username", None), getattr(args, "address", None))


def _print_progress(update: Progress) -> None:
    if update.state == "queued":
        print(f"  in queue, position {update.position}", file=sys.stderr)
    elif update.state == "running":
        for line in update.logs:
            print(f"  fal: {line}", file=sys.stderr)
    elif update.state in ("downloading", "stored"):
        print(f"  {update.state}: {update.message}", file=sys.stderr)
    # "submitted" carries Fal's request id; users need the generation id, printed by _generate


def _submitted(log: LogView) -> None:
    print(
        f"  submitted: generation {log.id} (`studio generations choose {log.id}` once it is done)",
        file=sys.stderr,
    )


def _describe(log: LogView) -> str:
    style = f" [{log.style}]" if log.style else ""
    lines = [f"{log.id}  {log.status:<11} {log.created_at:%Y-%m-%d %H:%M}  {log.prompt}{style}"]
    if log.error_message:
        lines.append(f"    {log.error_message}")
    lines.extend(f"    {n}: {ref}" for n, ref in enumerate(log.image_urls))
    return "\n".join(lines)


def _generate(args: argparse.Namespace) -> int:
    studio, me = _studio(args)
    service = studio.generation
    log = service.start(me, args.prompt, args.style, args.seed, on_progress=_print_progress)
    _submitted(log)
    if args.wait:
        stop = threading.Event()
        try:
            log = service.wait(me, log.id, _print_progress, stop.is_set)
        except KeyboardInterrupt:
            service.cancel(me, log.id)
            raise
    else:
        print("submitted; follow it with `studio generations resume`", file=sys.stderr)
    print(_describe(log))
    return 0


def _list(args: argparse.Namespace) -> int:
    studio, me = _studio(args)
    logs = studio.generation.list_generations(me, limit=args.limit)
    if args.json:
        rows = [
            {"id": v.id, "status": v.status, "prompt": v.prompt, "style": v.style, "seed": v.seed,
             "error": v.error_message, "images": list(v.image_urls), "created_at": v.created_at.isoformat()}
            for v in logs
        ]
        print(json.dumps(rows, indent=2))
    else:
        print("\n".join(_describe(v) for v in logs) or "no generations yet")
    return 0


def _resume(args: argparse.Namespace) -> int:
    studio, me = _studio(args)
    done = studio.generation.resume(me, _print_progress)
    print("\n".join(_describe(v) for v in done) or "nothing to resume")
    return 0


def _cancel(args: argparse.Namespace) -> int:
    studio, me = _studio(args)
    print(_describe(studio.generation.cancel(me, args.id)))
    return 0


def _choose(args: argparse.Namespace) -> int:
    studio, me = _studio(args)
    profile = studio.generation.choose_avatar(me, args.id, args.index)
    print(f"avatar set: {profile.avatar_url}")
    return 0


def _quota(args: argparse.Namespace) -> int:
    studio, me = _studio(args)
    q = studio.generation.quota(me)
    hours = q.window.total_seconds() / 3600
    print(f"{q.used} of {q.limit} generation(s) used in the last {hours:g} hours")
    if q.next_available_at is not None:
        print(f"next generation available at {q.next_available_at:%Y-%m-%d %H:%M} UTC")
    else:
        print("a generation is available now")
    return 0


def _styles_list(args: argparse.Namespace) -> int:
    from studio.app import open_studio

    for preset in open_studio().generation.styles():
        origin = "built-in" if preset.builtin else "yours"
        print(f"{preset.name:<14} ({origin}) {preset.words}")
    return 0


def _styles_add(args: argparse.Namespace) -> int:
    from studio.app import open_studio

    preset = open_studio().generation.save_style(args.name, args.words)
    print(f"saved style {preset.name}: {preset.words}")
    return 0


def _fal_key(args: argparse.Namespace) -> int:
    from studio import secrets

    if args.action == "set":
        key = getpass.getpass("Fal API key (input hidden): ") if sys.stdin.isatty() else sys.stdin.readline()
        secrets.store_fal_key(key)
        print("the Fal key is stored in the OS keyring")
    elif args.action == "clear":
        print("removed" if secrets.forget_fal_key() else "no key was stored in the keyring")
    else:
        key = secrets.fal_key()
        print("a Fal key is available" if key else "no Fal key: set FAL_KEY or run `studio fal-key set`")
    return 0


def _fake_fal(args: argparse.Namespace) -> int:
    from studio.generation.standin import FalStandIn
    from studio.generation.standin_media import Scenario

    server = FalStandIn("127.0.0.1", args.port, scenario=Scenario(queue=args.queue, run=args.run),
                        latency=args.latency)
    print(f"Fal stand-in on {server.url} (any key works). In another shell:\n"
          f"  STUDIO_FAL_PROXY_URL={server.url} FAL_KEY=demo studio generate \"a knight\" --wait\n"
          "Ctrl-C stops it.", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
