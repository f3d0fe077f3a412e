"""PyInstaller entry point: the same `studio` command the wheel installs."""

import multiprocessing

from studio.cli import main

if __name__ == "__main__":
    # The prebuilt pipeline's worker processes (forkserver/spawn) re-run this binary; PyInstaller's
    # freeze_support diverts them to the worker code instead of the CLI.
    multiprocessing.freeze_support()
    raise SystemExit(main())
