from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def samples() -> Path:
    return DATA / "samples"


@pytest.fixture
def invalid_dir() -> Path:
    return DATA / "invalid"
