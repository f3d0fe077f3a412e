"""QA findings 3 and 11: every output-path and database failure in the report is one ``error:``
line and exit 1 (no traceback, nothing half-written); alembic's INFO lines stay out of the way.
(`generate` printing the id `generations choose` takes: tests/integration/test_generation_ids.py.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from studio.cli import main
from studio.domain.errors import OfflineError
from studio.store.migrate import upgrade
from tests.fixtures.paths import DATA_DIR

VRM1 = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
UNREACHABLE = "postgresql://nobody:hunter2secret@127.0.0.1:1/x"  # nothing listens on port 1

pytestmark = pytest.mark.usefixtures("studio_home")


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_output_path_failures_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "badjson.json"
    a_file.write_text("{")
    a_dir = tmp_path / "adir.webp"
    a_dir.mkdir()
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"base": "feminine"}))
    for argv, needle in (
        (["export", str(VRM1), "--out", str(a_file)], "is a file"),
        (["export", str(VRM1), "--out", "/proc/qa", "--thumbnail-size", "0"], "cannot write /proc/qa"),
        (["thumbnail", str(VRM1), "--out", str(a_dir)], "is a folder"),
        (["make-avatar", "--params", str(params), "--out", "/proc/x.vrm"], "cannot write /proc/x.vrm"),
        (["make-prebuilts", str(a_file)], "is a file"),
    ):
        assert main(argv) == 1, argv
        assert needle in _error_line(capsys), argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir.webp", "badjson.json", "p.json"]
    assert list(a_dir.iterdir()) == []


def test_unreachable_database_is_one_offline_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_DATABASE_URL", UNREACHABLE)
    assert main(["db", "upgrade"]) == 1
    line = _error_line(capsys)
    assert "cannot reach the database at 127.0.0.1:1/x" in line and "hunter2secret" not in line
    assert main(["db", "current", "--url", UNREACHABLE]) == 1
    assert "127.0.0.1:1" in _error_line(capsys)
    assert main(["wardrobe", "list", "--username", "qa", "--address", "0x2"]) == 1  # the app's own store
    assert "hunter2secret" not in _error_line(capsys)
    with pytest.raises(OfflineError):
        upgrade(UNREACHABLE)


def test_alembic_steps_are_quiet_unless_verbose(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what the desktop app's logging.basicConfig(level=INFO) does
    upgrade(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert not [r for r in caplog.records if r.name.startswith("alembic")]
    upgrade(f"sqlite:///{tmp_path / 'b.sqlite3'}", verbose=True)
    assert any("Running upgrade" in r.getMessage() for r in caplog.records if r.name.startswith("alembic"))
    assert logging.getLogger("alembic").level == logging.WARNING  # back to quiet after the verbose run
