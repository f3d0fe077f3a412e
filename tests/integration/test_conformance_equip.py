"""Equipped items checked by an outside opinion (marker ``node``; fails loudly without Node or the
checker): the Khronos glTF-Validator and three.js + three-vrm (``../shared/tools/conformance``).

After the wardrobe swaps a generated avatar's bob for long hair and its hoodie for a t-shirt
(metadata through the editor, as ``studio export --meta`` does), the source VRM and the runtime GLB
have 0 validator errors and load in three-vrm as the same VRM version with all humanoid bones and
expressions, and three-vrm's spring-bone manager drives the item's joints (and only those: the
bob's chains left with it). Equipping procedural hair on the real sample VRMs (no hair of their
own) adds spring joints where there were none.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from studio.domain.supermesh import parse_supermesh
from studio.gltf.export.source import export_source
from studio.gltf.functions.equip import equip
from studio.gltf.glb import pack_glb
from studio.gltf.io import load, read_glb
from studio.procedural.collection import PREBUILTS
from studio.services.edit_plan import FolderItems
from studio.services.editor import AvatarEditor
from studio.services.item_library import item_glb
from studio.services.make_avatar import avatar_bytes
from tests.fixtures.paths import DATA_DIR, TESTS_DIR
from tests.integration.test_conformance_exports import _checker, _redistributable, check

pytestmark = pytest.mark.node
SPRINGS_SCRIPT = TESTS_DIR / "integration" / "three_vrm_springs.mjs"
ITEM_JOINT = "J_Sec_HairItem"


def springs(files: list[Path]) -> dict[str, dict]:
    """three-vrm's view of each file's spring bones (see three_vrm_springs.mjs)."""
    node, folder = _checker()
    proc = subprocess.run(
        [node, str(SPRINGS_SCRIPT), str(folder), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"spring check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return {str(Path(r["file"]).resolve()): r for r in results}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("items")
    for slot, item in (("hair", "fem-long-01"), ("clothing", "tops-tshirt-01")):
        (root / slot).mkdir(exist_ok=True)
        (root / slot / f"{item}.glb").write_bytes(item_glb(item))
    return root


@pytest.mark.parametrize("fmt", ["vrm1", "vrm0"])
def test_swapped_hair_and_top_conform_and_swing(fmt: str, library: Path, tmp_path: Path) -> None:
    data = avatar_bytes(parse_supermesh(PREBUILTS["default-fem-02"]), fmt, name="default-fem-02")
    src = tmp_path / f"fem02-{fmt}.vrm"
    src.write_bytes(_redistributable(data) if fmt == "vrm0" else data)
    editor = AvatarEditor.open(src, items=FolderItems(library))
    editor.apply({"hair": "fem-long-01", "clothing": ["tops-tshirt-01"]})
    source, runtime = tmp_path / f"{fmt}.source.vrm", tmp_path / f"{fmt}.runtime.glb"
    source.write_bytes(editor.export_source())
    runtime.write_bytes(editor.export_runtime("web")[0])
    files = [src, source, runtime]
    conformance, swing = check(files), springs(files)
    before = conformance[str(src.resolve())]["three_vrm"]
    assert before["loaded"] and before["humanoid_bones"] == 54
    own = swing[str(src.resolve())]
    assert own["spring_joints"] > 0 and not any(ITEM_JOINT in n for n in own["spring_bones"])
    for out in (source, runtime):
        result = conformance[str(out.resolve())]
        assert result["validator"]["errors"] == 0, (out.name, result["validator"]["first_errors"])
        for key in ("loaded", "vrm_version", "humanoid_bones", "expressions"):
            assert result["three_vrm"][key] == before[key], (out.name, key)
        moved = swing[str(out.resolve())]
        assert moved["springs_ok"], (out.name, moved["error"])
        assert moved["spring_swing_deg"] > 2, out.name  # the long hair swings when the body sways
        assert moved["spring_joints"] > 0, out.name
        assert all(name.startswith(ITEM_JOINT) for name in moved["spring_bones"]), out.name
        assert len(set(moved["spring_bones"])) == moved["spring_joints"]


def test_procedural_hair_swings_on_sample_vrms(tmp_path: Path) -> None:
    item = read_glb(item_glb("fem-long-01"), name="fem-long-01.glb")
    pairs = []
    for src in sorted((DATA_DIR / "vrm").glob("*.vrm")):
        avatar = load(src)
        equip(avatar, item, slot="hair", item="fem-long-01")
        out = tmp_path / f"{src.stem}.hair.vrm"
        doc = read_glb(export_source(avatar, baseline=set()))
        out.write_bytes(pack_glb(doc.json, doc.bin))
        pairs.append((src, out))
    files = [p for pair in pairs for p in pair]
    conformance, swing = check(files), springs(files)
    problems = []
    for src, out in pairs:
        before, after = conformance[str(src.resolve())], conformance[str(out.resolve())]
        if after["validator"]["errors"] > before["validator"]["errors"]:
            problems.append(f"{out.name}: {after['validator']['first_errors']}")
        for key in ("loaded", "vrm_version", "humanoid_bones", "expressions"):
            if after["three_vrm"][key] != before["three_vrm"][key]:
                problems.append(f"{out.name}: {key} {before['three_vrm'][key]} -> {after['three_vrm'][key]}")
        was, now = swing[str(src.resolve())], swing[str(out.resolve())]
        if not (
            now["springs_ok"] and now["spring_joints"] > was["spring_joints"] and now["spring_swing_deg"] > 2
        ):
            problems.append(f"{out.name}: spring joints {was['spring_joints']} -> {now} ")
    assert len(pairs) == 7
    assert not problems, "\n".join(problems)
