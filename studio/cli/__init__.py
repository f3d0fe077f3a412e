"""The headless front door: ``studio <command>``. With no command it opens the desktop app.

Each command group lives in its own module under ``studio.cli`` and exposes
``register(subparsers)``; the handler it sets with ``set_defaults(func=...)`` takes the parsed
arguments and returns an exit status. Handlers call services only.

Exit status: 0 success, 1 the operation failed (a :class:`StudioError`, message on stderr),
2 usage error (argparse).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from studio import __version__
from studio.domain.errors import StudioError

# One module per command group; each has register(subparsers).
COMMAND_MODULES: tuple[str, ...] = (
    "studio.cli.db_cmd",
    "studio.cli.profile_cmd",
    "studio.cli.wardrobe_cmd",
    "studio.cli.inventory_cmd",
    "studio.cli.sync_cmd",
    "studio.cli.inspect_cmd",
    "studio.cli.thumbnail_cmd",
    "studio.cli.generate_cmd",
    "studio.cli.export_cmd",
    "studio.cli.make_cmd",
    "studio.cli.prebuilts_cmd",
    "studio.cli.selftest_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio", description="Avatar Studio: make, edit and publish avatars."
    )
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser




def _only_avatar_files(argv: Sequence[str]) -> bool:
    """``studio a.vrm b.glb`` (a file manager's "Open with", the desktop entry's ``%F``): open the
    app with them. Every argument is an existing file and at least one is an avatar file
    (.vrm/.glb/.gltf); the app refuses the others, each with its reason. A command name, an option
    or a path that does not exist still reaches the argument parser and its message."""
    commands = {name.rsplit(".", 1)[-1].removesuffix("_cmd").replace("_", "-") for name in COMMAND_MODULES}
    if not argv or argv[0] in commands or any(a.startswith("-") for a in argv):
        return False
    if not all(os.path.isfile(a) for a in argv):
        return False
    from studio.gltf.limits import AVATAR_SUFFIXES

    return any(a.lower().endswith(AVATAR_SUFFIXES) for a in argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or _only_avatar_files(argv):
        from studio.ui.launch import launch  # Qt is imported only when the app opens

        return launch(files=argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `studio ... --json | head`: the reader went away; not an error of ours.
        sys.stderr.close()
        return 0
