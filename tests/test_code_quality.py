"""The house style is part of the suite: ruff (with complexity checks), mypy and the import-linter
contracts (only studio.ui imports Qt; the UI never reaches storage, network or Fal directly)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param((str(BIN / "ruff"), "check", "studio", "tests", "bench"), id="ruff"),
        pytest.param((str(BIN / "lint-imports"),), id="import-linter"),
        pytest.param((str(BIN / "mypy"),), id="mypy"),
    ],
)
def test_code_quality(command: tuple[str, ...]) -> None:
    result = _run(*command)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
