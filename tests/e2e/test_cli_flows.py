"""CLI flows a new user runs, as found working by QA (regression tests; see /work/qa-report.md).

Artist: make an avatar from seed 004's supermesh example, inspect / validate it, export it with wardrobe
metadata (tints and VRoid-named bone transforms), render a thumbnail. Player: wardrobe, inventory and
profile lookups with an explicit identity. Bad input: one ``error:`` line on stderr, exit 1 (2 for usage
errors), no traceback, nothing written to the output folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli import main

SUPERMESH = {  # seed 004, "SuperMesh avatar (Phase 3)", verbatim
    "base": "feminine",
    "bodyMorphs": {"muscularity": 0.3, "chest_size": 0.5},
    "faceMorphs": {"jaw_width": -0.1, "lip_fullness": 0.4},
    "skin": {"tone": "#c4956a", "freckles": 0.3},
    "clothing": ["tops-jacket-formal-01", "bottoms-skirt-pleated-02"],
    "attachments": ["earring-hoop-gold", "necklace-pendant-01"],
}
MODS = {  # seed 004's "VRM avatar with modifications" without the hair/clothing items
    "base": "prebuilt-fem-03",
    "boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}, "J_Bip_L_UpperArm": {"x": 0.15}},
    "materials": {"Body_00_SKIN": {"tint": "#d4a574"}, "EyeIris_00_EYE": {"tint": "#3a7d4e"}},
}
ADDRESS = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
ME = ("--username", "QA_Tester", "--address", ADDRESS)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code: int, err: str, expected: int = 1) -> None:
    assert code == expected
    assert "Traceback" not in err
    if expected == 1:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), err


@pytest.fixture(scope="module")
def avatar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("qa-avatar")
    params = folder / "supermesh.json"
    params.write_text(json.dumps(SUPERMESH))
    out = folder / "sm.vrm"
    assert main(["make-avatar", "--params", str(params), "--out", str(out)]) == 0
    return out


def test_artist_make_inspect_validate(
    avatar: Path, studio_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "inspect", str(avatar))
    assert code == 0 and "VRM 1.0" in out and "blinkLeft" in out
    code, out, _ = run(capsys, "inspect", "--json", str(avatar))
    report = json.loads(out)
    assert code == 0 and report["valid"] and report["humanoid_bones"] >= 50
    code, out, _ = run(capsys, "validate", str(avatar))
    assert code == 0 and "valid (0 errors" in out


def test_artist_export_with_seed_metadata(
    avatar: Path, studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = tmp_path / "mods.json"
    meta.write_text(json.dumps(MODS))
    out_dir = tmp_path / "export"
    code, out, err = run(
        capsys,
        "export",
        str(avatar),
        "--meta",
        str(meta),
        "--out",
        str(out_dir),
        "--id",
        "qa-avatar",
        "--thumbnail-size",
        "256",
    )
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["qa-avatar.glb", "qa-avatar.vrm", "qa-avatar.webp"]
    assert (out_dir / "qa-avatar.webp").read_bytes()[8:12] == b"WEBP"
    code, out, _ = run(capsys, "validate", str(out_dir / "qa-avatar.glb"), str(out_dir / "qa-avatar.vrm"))
    assert code == 0 and out.count("valid (0 errors") == 2


def test_artist_thumbnail(
    avatar: Path, studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "thumb.webp"
    code, out, _ = run(capsys, "thumbnail", str(avatar), "--out", str(target), "--size", "256")
    assert code == 0 and "256x256" in out
    assert target.read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize(
    ("content", "label"),
    [
        (None, "missing"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "png-renamed"),
        ("trunc", "truncated"),
    ],
)
def test_bad_avatar_files_are_refused_cleanly(
    avatar: Path,
    studio_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | str | None,
    label: str,
) -> None:
    src = tmp_path / f"{label}.vrm"
    if content == "trunc":
        src.write_bytes(avatar.read_bytes()[:1000])
    elif isinstance(content, bytes):
        src.write_bytes(content)
    out_dir = tmp_path / "out"
    for argv in (
        ("inspect", str(src)),
        ("validate", str(src)),
        ("thumbnail", str(src), "--out", str(out_dir / "t.webp")),
        ("export", str(src), "--out", str(out_dir)),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "Traceback" not in err, argv
    assert not out_dir.exists()


def test_directory_instead_of_file(
    studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "adir.vrm"
    folder.mkdir()
    code, _, err = run(capsys, "export", str(folder), "--out", str(tmp_path / "out"))
    assert_clean_error(code, err)
    assert "Is a directory" in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("meta", "needle"),
    [
        ('{"materials": {"Body_00_SKIN": {"tint": "#d4a574"}', "not valid JSON"),
        ('{"materials": {"Body_00_SKIN": {"tint": "#zzzzzz"}}}', "materials.Body_00_SKIN.tint"),
        ('{"boneTransforms": {"NotABone": {"y": 1.05}}}', "boneTransforms.NotABone"),
        ('{"materials": {"NoSuchMaterial": {"tint": "#d4a574"}}}', "materials.NoSuchMaterial"),
        ('{"bodyMorphs": {"muscularity": "lots"}}', "bodyMorphs.muscularity"),
        ('{"boneTransforms": {"J_Bip_C_Hips": {"y": 0}}}', "boneTransforms.J_Bip_C_Hips.y"),
        ("[1, 2, 3]", "must be a JSON object"),
    ],
)
def test_bad_metadata_names_the_key_and_writes_nothing(
    avatar: Path,
    studio_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    meta: str,
    needle: str,
) -> None:
    meta_file = tmp_path / "meta.json"
    meta_file.write_text(meta)
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "export", str(avatar), "--meta", str(meta_file), "--out", str(out_dir))
    assert_clean_error(code, err)
    assert needle in err and not out_dir.exists()


def test_bad_supermesh_params_are_refused(
    studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for params, needle in (
        ({"base": "feminine", "skin": {"tone": "#zzz"}}, "skin.tone"),
        ({"base": "robot"}, "base"),
        ({"base": "feminine", "bodyMorphs": {"muscularity": 7}}, "outside [-1, 1]"),
    ):
        path = tmp_path / "p.json"
        path.write_text(json.dumps(params))
        code, _, err = run(capsys, "make-avatar", "--params", str(path), "--out", str(tmp_path / "a.vrm"))
        assert_clean_error(code, err)
        assert needle in err
    assert not (tmp_path / "a.vrm").exists()


def test_usage_errors_exit_2(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["validate"],
        ["export", "x.vrm", "--out", "o", "--preset", "mobile"],
        ["wardrobe", "list", "--frobnicate"],
        ["explode"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


def test_player_wardrobe_inventory_profile(
    avatar: Path, studio_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, _ = run(capsys, "wardrobe", "add", str(avatar), "--name", "First", *ME)
    assert code == 0
    first = out.split()[0]
    code, out, _ = run(capsys, "wardrobe", "add", str(avatar), "--name", "Second", "--activate", *ME)
    second = out.split()[1]
    assert code == 0 and out.startswith("*")
    code, out, _ = run(capsys, "wardrobe", "activate", first, *ME)
    assert code == 0 and first in out
    code, out, _ = run(capsys, "wardrobe", "list", "--json", *ME)
    entries = {e["id"]: e for e in json.loads(out)}
    assert entries[first]["isActive"] and not entries[second]["isActive"]
    assert run(capsys, "wardrobe", "rm", second, *ME)[0] == 0
    code, _, err = run(capsys, "wardrobe", "rm", second, *ME)
    assert_clean_error(code, err)

    assert run(capsys, "inventory", "grant", "hair", "fem-long-01", *ME)[0] == 0
    code, _, err = run(capsys, "inventory", "grant", "hair", "fem-long-01", *ME)
    assert_clean_error(code, err)
    assert "already owns" in err
    code, out, _ = run(capsys, "inventory", "list", *ME)
    assert code == 0 and "fem-long-01" in out
    assert run(capsys, "inventory", "revoke", "fem-long-01", *ME)[0] == 0
    code, _, err = run(capsys, "inventory", "revoke", "fem-long-01", *ME)
    assert_clean_error(code, err)


def test_identity_errors(studio_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "wardrobe", "list")
    assert_clean_error(code, err)
    assert "who are you?" in err
    for bad in ("0xZZZ", "0x" + "f" * 64, "49d36570d4e4"):
        code, _, err = run(capsys, "wardrobe", "list", "--username", "qa", "--address", bad)
        assert_clean_error(code, err)
        assert "not a Starknet address" in err
    code, _, err = run(capsys, "wardrobe", "list", "--username", "bad name!!", "--address", "0x2")
    assert_clean_error(code, err)
    code, _, err = run(capsys, "profile", "get", "nobody_here")
    assert_clean_error(code, err)
    assert "no player named nobody_here" in err
