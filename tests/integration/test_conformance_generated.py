"""Every generated VRM 1.0, VRM 0.x and GLB passes the independent checker in
../shared/tools/conformance (Khronos glTF-Validator + three.js/three-vrm, run with Node).

This test never skips: on a machine without Node or the checker it FAILS saying what is missing
(CI has Node). It runs ``npm ci`` in the checker folder once if node_modules is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from studio.domain.supermesh import parse_supermesh
from studio.procedural.humanoid import build_avatar
from studio.procedural.skeleton import VRM1_BONES
from studio.procedural.spec import HEAVY, AvatarSpec
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from studio.procedural.writer import write_glb
from studio.services.make_avatar import HEAVY_BENCH_PARAMS, make_prebuilts

pytestmark = pytest.mark.node

REPO = Path(__file__).resolve().parents[2]
CHECKER = REPO.parent / "shared" / "tools" / "conformance"
BONES = len(VRM1_BONES)  # every humanoid bone we write: required + optional (54)
EXPRESSIONS = 14


def _checker() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("CONFORMANCE NOT RUN: Node.js is not installed (need node >= 18 on PATH)", pytrace=False)
    if not (CHECKER / "check.mjs").is_file():
        pytest.fail(f"CONFORMANCE NOT RUN: checker missing at {CHECKER}/check.mjs", pytrace=False)
    if not (CHECKER / "node_modules").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                f"CONFORMANCE NOT RUN: {CHECKER}/node_modules missing and npm not found", pytrace=False
            )
        done = subprocess.run(
            [npm, "ci"], cwd=CHECKER, capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0:
            pytest.fail(
                f"CONFORMANCE NOT RUN: npm ci failed in {CHECKER}:\n{done.stderr[-2000:]}", pytrace=False
            )
    return node, CHECKER / "check.mjs"


def _check(files: list[Path]) -> dict[str, dict]:
    node, script = _checker()
    done = subprocess.run(
        [node, str(script), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        env={"CHECK_TIMEOUT_MS": "120000", "PATH": str(Path(node).parent)},
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(results) == len(files), done.stderr[-2000:]
    return {Path(r["file"]).name: r for r in results}


def _assert_conformant(name: str, result: dict, vrm: str | None) -> None:
    v, t = result["validator"], result["three_vrm"]
    assert v["error"] is None and v["errors"] == 0, f"{name}: Khronos validator errors {v['first_errors']}"
    assert t["loaded"], f"{name}: three.js could not load it: {t['error']}"
    assert t["vrm_version"] == vrm, f"{name}: three-vrm saw VRM version {t['vrm_version']}, expected {vrm}"
    if vrm is not None:
        assert t["humanoid_bones"] == BONES, f"{name}: {t['humanoid_bones']} humanoid bones, expected {BONES}"
        assert t["expressions"] == EXPRESSIONS, f"{name}: {t['expressions']} expressions"


def test_generated_avatar_in_every_format(tmp_path: Path) -> None:
    params = parse_supermesh(
        {
            "base": "masculine",
            "skin": {"tone": "#8d5a3b", "freckles": 0.2},
            "clothing": ["tops-jacket-01", "bottoms-shorts-01", "shoes-boot-01"],
            "attachments": ["necklace-pendant-01"],
        }
    )
    model = build_avatar(AvatarSpec(params, "Conformance"))
    files = {"a1.vrm": (write_vrm1, "1"), "a0.vrm": (write_vrm0, "0"), "a.glb": (write_glb, None)}
    for name, (writer, _) in files.items():
        (tmp_path / name).write_bytes(writer(model))
    results = _check([tmp_path / n for n in files])
    for name, (_, version) in files.items():
        _assert_conformant(name, results[name], version)


def test_default_prebuilts_and_items(tmp_path: Path) -> None:
    make_prebuilts(tmp_path)
    files = sorted(p for p in tmp_path.rglob("*") if p.suffix in (".vrm", ".glb"))
    assert len(files) >= 23
    results = _check(files)
    for path in files:
        vrm = "1" if path.suffix == ".vrm" else None
        _assert_conformant(path.name, results[path.name], vrm)


@pytest.mark.slow
def test_heavy_avatar(tmp_path: Path) -> None:
    params = parse_supermesh(HEAVY_BENCH_PARAMS)
    model = build_avatar(AvatarSpec(params, "Heavy", HEAVY))
    assert 40_000 <= model.vertex_count <= 50_000
    assert 80 <= len({n for m in model.meshes for n in m.morph_names}) <= 90
    (tmp_path / "heavy1.vrm").write_bytes(write_vrm1(model))
    (tmp_path / "heavy0.vrm").write_bytes(write_vrm0(model))
    results = _check([tmp_path / "heavy1.vrm", tmp_path / "heavy0.vrm"])
    _assert_conformant("heavy1.vrm", results["heavy1.vrm"], "1")
    _assert_conformant("heavy0.vrm", results["heavy0.vrm"], "0")
    # TANGENT is written for every normal-mapped primitive: no "generated tangent space" warnings
    assert results["heavy1.vrm"]["validator"]["warnings"] == 0
    # VRM 0.x: only the validator's unavoidable note that "VRM" is not a valid extension name
    assert results["heavy0.vrm"]["validator"]["warnings"] <= 1
    assert 45e6 <= results["heavy1.vrm"]["bytes"] <= 55e6  # like a real VRoid export, under the 100 MB cap
