"""Exports checked by an outside opinion: the Khronos glTF-Validator and three.js + three-vrm
(``../shared/tools/conformance``, run with Node). Not skipped when the checker is missing: it fails.

For every sample VRM (tests/data/vrm: all of ../shared/assets/vrm0 and vrm1) and every generated
avatar: the unedited source export loads in three-vrm with the same VRM version, humanoid bones,
expressions and meta name, with no more validator errors than the input; the runtime GLB (web
preset) has 0 validator errors and still loads as the same VRM; an edited runtime GLB too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from studio.domain.supermesh import SupermeshMetadata
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.procedural.humanoid import build_avatar, build_item_model
from studio.procedural.spec import AvatarSpec
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from studio.procedural.writer import write_glb
from studio.services.editor import AvatarEditor
from studio.services.export import export_avatar
from tests.fixtures.paths import DATA_DIR, TESTS_DIR

pytestmark = pytest.mark.node
CHECKER = TESTS_DIR.parent.parent / "shared" / "tools" / "conformance"
SAME = ("loaded", "vrm_version", "humanoid_bones", "expressions", "meta_name")


def _checker() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the conformance checker cannot run (apt-get install nodejs)")
    if not (CHECKER / "check.mjs").is_file():
        pytest.fail(f"conformance checker missing at {CHECKER}")
    if not (CHECKER / "node_modules" / "@pixiv" / "three-vrm").is_dir():
        pytest.fail(f"conformance checker not installed: run `npm ci` in {CHECKER}")
    return node, CHECKER


def _redistributable(data: bytes) -> bytes:
    """The procedural VRM 0.x writer says licenseName "Other" (pointing at the VRM Public License
    URL), which the studio reads conservatively as "no redistribution"; these test avatars are ours,
    so they are relabelled CC0 to let the export run."""
    doc = read_glb(data, name="generated.vrm")
    doc.json["extensions"]["VRM"]["meta"]["licenseName"] = "CC0"
    return pack_glb(doc.json, doc.bin)


def check(files: list[Path]) -> dict[str, dict]:
    node, folder = _checker()
    proc = subprocess.run(
        [node, "check.mjs", *map(str, files)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"checker failed ({proc.returncode}): {proc.stderr[-2000:]}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return {str(Path(r["file"]).resolve()): r for r in results}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("inputs")
    files = sorted((DATA_DIR / "vrm").glob("*.vrm"))
    for base in ("feminine", "masculine"):
        model = build_avatar(AvatarSpec(SupermeshMetadata(base=base), name=f"generated {base}"))
        for version, writer in (("1", write_vrm1), ("0", write_vrm0)):
            path = folder / f"generated-{base}-vrm{version}.vrm"
            path.write_bytes(_redistributable(writer(model)) if version == "0" else writer(model))
            files.append(path)
    return files


def test_unedited_exports_load_the_same_in_three_vrm(inputs: list[Path], tmp_path: Path) -> None:
    outputs: dict[Path, tuple[Path, Path]] = {}
    for src in inputs:
        editor = AvatarEditor.open(src)
        source = tmp_path / f"{src.stem}.source.vrm"
        runtime = tmp_path / f"{src.stem}.runtime.glb"
        source.write_bytes(editor.export_source())
        runtime.write_bytes(editor.export_runtime("web")[0])
        outputs[src] = (source, runtime)
    results = check([p for pair in outputs.values() for p in pair] + list(inputs))
    problems = []
    for src, (source, runtime) in outputs.items():
        before = results[str(src.resolve())]
        for out in (source, runtime):
            after = results[str(out.resolve())]
            for key in SAME:
                if after["three_vrm"][key] != before["three_vrm"][key]:
                    problems.append(
                        f"{out.name}: {key} {before['three_vrm'][key]!r} -> {after['three_vrm'][key]!r}"
                    )
        if results[str(source.resolve())]["validator"]["errors"] > before["validator"]["errors"]:
            problems.append(f"{source.name}: more validator errors than the input")
        if results[str(runtime.resolve())]["validator"]["errors"] != 0:
            problems.append(f"{runtime.name}: {results[str(runtime.resolve())]['validator']['first_errors']}")
    assert before["three_vrm"]["loaded"]
    assert not problems, "\n".join(problems)


def test_edited_generated_avatar_exports_conform(tmp_path: Path) -> None:
    spec = AvatarSpec(SupermeshMetadata(base="feminine"), name="edited")
    src = tmp_path / "fem.vrm"
    src.write_bytes(write_vrm1(build_avatar(spec)))
    items = tmp_path / "items"
    (items / "hair").mkdir(parents=True)
    (items / "hair" / "fem-short-01.glb").write_bytes(write_glb(build_item_model("fem-short-01", spec)))
    metadata = {
        "base": "prebuilt-fem-03",
        "boneTransforms": {"J_Bip_C_Hips": {"y": 1.05}, "J_Bip_L_UpperArm": {"x": 0.15}},
        "materials": {"Body_00_SKIN": {"tint": "#d4a574"}, "EyeIris_00_EYE": {"tint": "#3a7d4e"}},
        "bodyMorphs": {"belly": 0.4},
        "hair": "fem-short-01",
    }
    out = tmp_path / "out"
    for preset in ("web", "desktop"):
        export_avatar(
            src,
            out,
            metadata=metadata,
            items=items,
            avatar_id=f"me-{preset}",
            preset=preset,
            thumbnail_size=None,
        )
    results = check([out / "me-web.glb", out / "me-desktop.glb", out / "me-web.vrm", src])
    original = results[str(src.resolve())]["three_vrm"]
    for name in ("me-web.glb", "me-desktop.glb", "me-web.vrm"):
        result = results[str((out / name).resolve())]
        assert result["validator"]["errors"] == 0, (name, result["validator"]["first_errors"])
        assert result["three_vrm"]["loaded"] and result["three_vrm"]["vrm_version"] == "1", name
        assert result["three_vrm"]["humanoid_bones"] == original["humanoid_bones"]
        assert result["three_vrm"]["expressions"] == original["expressions"]


def test_vrm0_migrated_to_vrm1_loads_as_vrm1_in_three_vrm(inputs: list[Path], tmp_path: Path) -> None:
    """Every VRM 0.x sample and generated 0.x avatar, migrated (``--migrate-vrm1``): three-vrm loads
    it as VRM 1.0 with the same number of humanoid bones and expressions, and the validator finds 0
    errors (sphere.vrm's non-unit normals are repaired on the way)."""
    migrated: dict[Path, Path] = {}
    for src in inputs:
        editor = AvatarEditor.open(src)
        if editor.info.version != "0.x":
            continue
        out = tmp_path / f"{src.stem}.vrm1.vrm"
        out.write_bytes(editor.export_source(migrate_vrm1=True))
        assert editor.last_migration is not None
        migrated[src] = out
    assert len(migrated) >= 7  # five samples, two generated avatars
    results = check(list(migrated) + list(migrated.values()))
    problems = []
    for src, out in migrated.items():
        before, after = results[str(src.resolve())], results[str(out.resolve())]
        if not after["three_vrm"]["loaded"] or after["three_vrm"]["vrm_version"] != "1":
            problems.append(f"{out.name}: {after['three_vrm']}")
        for key in ("humanoid_bones", "expressions", "meta_name"):
            if after["three_vrm"][key] != before["three_vrm"][key]:
                problems.append(
                    f"{out.name}: {key} {before['three_vrm'][key]!r} -> {after['three_vrm'][key]!r}"
                )
        if after["validator"]["errors"] != 0:
            problems.append(f"{out.name}: {after['validator']['first_errors']}")
    assert not problems, "\n".join(problems)
