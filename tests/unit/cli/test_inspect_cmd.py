"""``studio inspect`` / ``studio validate``: output a user reads, stable JSON, exit status 0/1/2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from studio.cli import main
from tests.unit.gltf.seeds import make_avatar

DATA = Path(__file__).resolve().parents[2] / "data"
SPHERE = DATA / "samples" / "vrm0" / "sphere.vrm"


def test_inspect_human_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(SPHERE)]) == 0
    out = capsys.readouterr().out
    assert "sphere.vrm: VRM 0.x" in out
    assert "vertices:    1,984" in out and "triangles:   960" in out
    assert "licence:     CC0; modification allowed, redistribution allowed" in out
    assert "warning: ACCESSOR_NON_UNIT" in out


def test_inspect_json_is_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seed.vrm"
    path.write_bytes(make_avatar(vrm="1.0", textures=1, texture_size=16))
    assert main(["inspect", str(path), "--json"]) == 0
    first = capsys.readouterr().out
    assert main(["inspect", str(path), "--json"]) == 0
    assert capsys.readouterr().out == first
    out = json.loads(first)
    assert out["format"] == "VRM 1.0" and out["expressions"] == ["happy"] and out["valid"]
    assert out["textures"][0]["width"] == 16 and out["humanoid_bones"] == 17


def test_inspect_refused_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = DATA / "invalid" / "validator" / "glb__invalid_magic.glb"
    assert main(["inspect", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "GLB_INVALID_MAGIC" in err and "Traceback" not in err
    assert main(["inspect", str(bad), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["issues"]["messages"][0]["code"] == "GLB_INVALID_MAGIC"


def test_validate_many_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = shutil.copy(SPHERE, tmp_path / "sphere.vrm")
    bad = DATA / "invalid" / "validator" / "node__unresolved_skin.gltf"
    assert main(["validate", str(good)]) == 0
    assert "valid (0 errors, 1 warnings)" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad), "--json"]) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [r["issues"]["numErrors"] for r in reports] == [0, 2]
    assert reports[1]["issues"]["messages"][0] == {
        "code": "UNSATISFIED_DEPENDENCY",
        "message": "Dependency failed. 'mesh' must be defined.",
        "severity": 0,
        "pointer": "/nodes/0/skin",
    }


def test_every_invalid_case_exits_1_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    files = [p for p in sorted((DATA / "invalid").rglob("*")) if p.suffix in (".glb", ".gltf", ".vrm")]
    assert len(files) == 28
    assert main(["validate", *map(str, files)]) == 1
    out = capsys.readouterr()
    assert out.out.count(": INVALID (") == 28 and "Traceback" not in out.err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["validate"], ["inspect"], ["inspect", "a", "b"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    capsys.readouterr()


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "none.glb")]) == 1
    assert "FILE_UNREADABLE" in capsys.readouterr().out
