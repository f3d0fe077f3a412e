"""`studio generate` / `studio generations` as a user runs them, against the Fal stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli import main
from studio.generation.standin import FalStandIn


@pytest.fixture
def me(monkeypatch: pytest.MonkeyPatch, studio_home: Path, fal_env: FalStandIn) -> FalStandIn:
    monkeypatch.setenv("STUDIO_USERNAME", "Alice")
    monkeypatch.setenv("STUDIO_ADDRESS", "0x5a")
    return fal_env


def test_generate_wait_then_list_and_choose(me: FalStandIn, capsys: pytest.CaptureFixture[str],
                                            studio_home: Path) -> None:
    assert main(["generate", "storm mage [[fake:queue=1,run=1]]", "--style", "cyberpunk", "--seed", "5",
                 "--wait"]) == 0
    out, err = capsys.readouterr()
    assert "success" in out and "in queue, position 0" in err and "fal: step" in err
    assert main(["generations", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["status"] == "success" and rows[0]["style"] == "cyberpunk" and rows[0]["seed"] == 5
    assert len(rows[0]["images"]) == 4
    assert all((studio_home / "data" / "blobs" / ref).is_file() for ref in rows[0]["images"])

    assert main(["generations", "choose", rows[0]["id"], "1"]) == 0
    assert rows[0]["images"][1] in capsys.readouterr().out

    assert main(["generate", "another one"]) == 1
    assert "next one is available at" in capsys.readouterr().err
    assert main(["generations", "quota"]) == 0
    assert "next generation available at" in capsys.readouterr().out


def test_refused_prompt_exits_1_with_the_reason(me: FalStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "h3nt4i girl"]) == 1
    assert 'blocked term "hentai"' in capsys.readouterr().err


def test_submit_now_resume_later(me: FalStandIn, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "ninja [[fake:queue=1,run=1]]"]) == 0
    assert "pending" in capsys.readouterr().out
    assert main(["generations", "resume"]) == 0
    assert "success" in capsys.readouterr().out


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, studio_home: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STUDIO_USERNAME", "alice")
    monkeypatch.setenv("STUDIO_ADDRESS", "0x5a")
    monkeypatch.delenv("FAL_KEY", raising=False)
    monkeypatch.setattr("studio.secrets.keyring.get_password", lambda *a: None)
    assert main(["generate", "knight"]) == 1
    assert "No Fal API key" in capsys.readouterr().err


def test_user_styles(me: FalStandIn, capsys: pytest.CaptureFixture[str], studio_home: Path) -> None:
    assert main(["styles", "add", "noir", "film noir, high contrast black and white"]) == 0
    assert main(["styles", "list"]) == 0
    out = capsys.readouterr().out
    assert "noir" in out and "(yours)" in out and "cyberpunk" in out
    assert (studio_home / "config" / "styles.json").is_file()
