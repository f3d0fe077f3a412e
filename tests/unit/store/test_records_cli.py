"""`studio db|profile|wardrobe|inventory` against the local store under STUDIO_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.app import open_studio
from studio.cli import main
from studio.domain.identity import Identity
from studio.store.migrate import head_revision
from tests.fixtures.paths import DATA_DIR

ME = ["--username", "Alice", "--address", "0xa11ce"]
AVATAR = DATA_DIR / "vrm" / "addon_minimal.vrm"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_db_upgrade_then_current(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "db", "upgrade")
    assert code == 0 and head_revision() in out
    assert (studio_home / "data" / "studio.sqlite3").exists()
    assert _run(capsys, "db", "current")[1].strip() == head_revision()


def test_profile_get_and_batch(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_studio().profiles.ensure(Identity.of("alice", "0xa11ce"))
    code, out, _ = _run(capsys, "profile", "get", "ALICE", "--json")
    assert code == 0 and json.loads(out)["playerAddress"] == "0x" + "0" * 59 + "a11ce"
    assert _run(capsys, "profile", "get", "--address", "0xA11CE")[1].startswith("alice\t")
    code, out, _ = _run(capsys, "profile", "batch", "--addresses", "0x1", "0xa11ce", "--json")
    profiles = json.loads(out)["profiles"]
    assert [p["cartridgeUsername"] for p in profiles] == [None, "alice"]
    code, _, err = _run(capsys, "profile", "get", "nobody")
    assert code == 1 and "no player named nobody" in err
    code, _, err = _run(capsys, "profile", "get", "--address", "0xnope")
    assert code == 1 and "not a Starknet address" in err


def test_wardrobe_commands(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `wardrobe add` imports a file (QA finding 4): a URL string is no longer taken on trust
    code, out, _ = _run(capsys, "wardrobe", "add", str(AVATAR), "--name", "Daily", "--json", *ME)
    first = json.loads(out)["id"]
    _run(capsys, "wardrobe", "add", str(AVATAR), "--activate", "--metadata", '{"hair": "h1"}', *ME)
    code, out, _ = _run(capsys, "wardrobe", "activate", first, *ME)
    assert code == 0 and out.startswith("* ")
    listing = _run(capsys, "wardrobe", "list", *ME)[1].splitlines()
    assert [line[0] for line in listing] == ["*", " "]
    assert _run(capsys, "wardrobe", "rm", first, *ME)[0] == 0
    assert len(json.loads(_run(capsys, "wardrobe", "list", "--json", *ME)[1])) == 1
    code, _, err = _run(capsys, "wardrobe", "add", str(AVATAR), "--metadata", "[1]", *ME)
    assert code == 1 and "JSON object" in err
    code, _, err = _run(capsys, "wardrobe", "list")
    assert code == 1 and "who are you" in err


def test_inventory_commands(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "inventory", "grant", "hair", "fem-long-03", *ME)[0] == 0  # a built-in item
    code, _, err = _run(capsys, "inventory", "grant", "hair", "fem-long-03", *ME)
    assert code == 1 and "already owns" in err
    items = json.loads(_run(capsys, "inventory", "list", "--json", *ME)[1])
    assert [i["itemId"] for i in items] == ["fem-long-03"]
    assert _run(capsys, "inventory", "revoke", "fem-long-03", *ME)[0] == 0
    assert _run(capsys, "inventory", "list", *ME)[1] == ""
    code, _, err = _run(capsys, "inventory", "revoke", "fem-long-03", *ME)
    assert code == 1 and "does not own" in err
