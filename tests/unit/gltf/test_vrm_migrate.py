"""VRM 0.x -> 1.0 migration: every 0.x sample and generated 0.x avatar reads back as VRM 1.0 with
the same humanoid bones (thumbs renamed) and expressions; spring bones, MToon, meta, firstPerson and
lookAt are carried over; what cannot be is in the report, and nothing else is refused silently."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from studio.domain.errors import InvalidInputError
from studio.domain.supermesh import SupermeshMetadata
from studio.gltf.document import Document
from studio.gltf.export.source import export_source, unreferenced
from studio.gltf.io import load, read_glb
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm
from studio.gltf.vrm.migrate import migrate_vrm1
from studio.procedural.humanoid import build_avatar
from studio.procedural.spec import AvatarSpec
from studio.procedural.vrm0 import write_vrm0
from tests.fixtures.paths import DATA_DIR

VRM0 = [p for p in sorted((DATA_DIR / "vrm").glob("*.vrm")) if parse_vrm(load(p)).version == "0.x"]
MTOON0 = DATA_DIR / "vrm" / "EmissionMigration_v0.106.0.vrm"


def _generated(base: str) -> Document:
    return read_glb(write_vrm0(build_avatar(AvatarSpec(SupermeshMetadata(base=base)))), name=f"{base}.vrm")


def _round_trip(doc: Document) -> tuple[Document, list[str]]:
    migrated, report = migrate_vrm1(doc)
    return read_glb(export_source(migrated, baseline=unreferenced(doc)), name="out.vrm"), report.lines()


def _sources() -> list[tuple[str, Document]]:
    return [(p.name, load(p)) for p in VRM0] + [
        (f"generated-{b}", _generated(b)) for b in ("feminine", "masculine")
    ]


@pytest.mark.parametrize("name, doc", _sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_reads_back_as_vrm1_with_the_same_bones_expressions_and_meta(name: str, doc: Document) -> None:
    out, _ = _round_trip(doc)
    before, after = parse_vrm(doc), parse_vrm(out)
    assert after.version == "1.0" and out.extension("VRM") is None
    assert dict(after.humanoid) == dict(before.humanoid)  # 0.x names were already mapped on read
    assert set(after.expressions) == set(before.expressions)
    for key, expr in before.expressions.items():
        assert sorted(
            (b.mesh, b.index, round(b.weight, 6)) for b in after.expressions[key].morph_binds
        ) == sorted((b.mesh, b.index, round(b.weight, 6)) for b in expr.morph_binds), key
        assert after.expressions[key].is_binary == expr.is_binary
    assert (after.meta.name, after.meta.authors[:1]) == (
        before.meta.name,
        before.meta.authors[:1] or ("unknown",),
    )
    assert after.meta.allow_modification == before.meta.allow_modification
    assert after.meta.allow_redistribution == before.meta.allow_redistribution
    assert "VRM" not in out.json.get("extensionsUsed", [])
    assert not validate(out).errors, name


def test_thumb_bones_are_renamed_not_moved() -> None:
    doc = _generated("feminine")
    bones = {b["bone"]: b["node"] for b in doc.extension("VRM")["humanoid"]["humanBones"]}
    out, _ = _round_trip(doc)
    human = out.extension("VRMC_vrm")["humanoid"]["humanBones"]
    assert human["leftThumbMetacarpal"]["node"] == bones["leftThumbProximal"]
    assert human["leftThumbProximal"]["node"] == bones["leftThumbIntermediate"]
    assert human["leftThumbDistal"]["node"] == bones["leftThumbDistal"]


def test_expression_weights_are_scaled_and_bound_by_node() -> None:
    doc = _generated("feminine")
    groups = doc.extension("VRM")["blendShapeMaster"]["blendShapeGroups"]
    blink0 = next(g for g in groups if g["presetName"] == "blink")
    out, lines = _round_trip(doc)
    blink1 = out.extension("VRMC_vrm")["expressions"]["preset"]["blink"]
    nodes = out.items("nodes")
    assert [(nodes[b["node"]]["mesh"], b["index"], b["weight"]) for b in blink1["morphTargetBinds"]] == [
        (b["mesh"], b["index"], b["weight"] / 100.0) for b in blink0["binds"]
    ]
    # the generator's 0.x "surprised" is a custom group; in 1.0 it is the preset of that name
    assert "surprised" in out.extension("VRMC_vrm")["expressions"]["preset"]
    assert any("surprised" in line for line in lines)


def test_spring_bones_become_chains_with_turned_colliders() -> None:
    doc = _generated("feminine")
    secondary = doc.extension("VRM")["secondaryAnimation"]
    out, _ = _round_trip(doc)
    springs = out.extension("VRMC_springBone")
    assert springs["specVersion"] == "1.0" and springs["springs"]
    nodes = out.items("nodes")
    for spring in springs["springs"]:
        chain = [j["node"] for j in spring["joints"]]
        assert len(chain) >= 2
        for parent, child in itertools.pairwise(chain):
            assert child in nodes[parent]["children"]  # a real parent -> child chain
        first = spring["joints"][0]
        assert first["gravityDir"] == [-0.0, -1.0, 0.0] and first["hitRadius"] >= 0
    raw = secondary["colliderGroups"][0]["colliders"][0]["offset"]
    assert springs["colliders"][0]["shape"]["sphere"]["offset"] == [-raw["x"], raw["y"], raw["z"]]
    assert springs["colliders"][0]["node"] == secondary["colliderGroups"][0]["node"]


def test_mtoon_properties_move_to_the_1_0_extension() -> None:
    doc = load(MTOON0)
    props = doc.extension("VRM")["materialProperties"]
    out, _ = _round_trip(doc)
    for i, prop in enumerate(props):
        ext = (out.items("materials")[i].get("extensions") or {}).get("VRMC_materials_mtoon")
        assert (ext is not None) == (prop["shader"] == "VRM/MToon"), i
        if ext is None:
            continue
        toony, shift = prop["floatProperties"]["_ShadeToony"], prop["floatProperties"]["_ShadeShift"]
        high = 1.0 + (shift - 1.0) * toony
        assert ext["shadingToonyFactor"] == pytest.approx(min(max((2.0 - (high - shift)) / 2, 0), 1))
        assert ext["shadingShiftFactor"] == pytest.approx(-(high + shift) / 2)
        shade = np.array(prop["vectorProperties"]["_ShadeColor"][:3])
        linear = np.where(shade <= 0.04045, shade / 12.92, ((shade + 0.055) / 1.055) ** 2.4)
        np.testing.assert_allclose(ext["shadeColorFactor"], linear, atol=1e-6)
        assert "KHR_materials_unlit" not in out.items("materials")[i].get("extensions", {}) or (
            "KHR_materials_unlit" in (doc.items("materials")[i].get("extensions") or {})
        )
    assert "VRMC_materials_mtoon" in out.json["extensionsUsed"]


def test_meta_licence_thumbnail_and_look_at() -> None:
    doc = _generated("masculine")
    vrm0 = doc.extension("VRM")
    vrm0["meta"].update(licenseName="CC_BY_NC_ND", texture=0, reference="https://example.org/ref")
    vrm0["meta"].update(otherLicenseUrl="", otherPermissionUrl="")
    vrm0["firstPerson"]["firstPersonBoneOffset"] = {"x": 0.01, "y": 0.06, "z": 0.02}
    out, lines = _round_trip(doc)
    vrm = out.extension("VRMC_vrm")
    meta = vrm["meta"]
    assert meta["licenseUrl"] == "https://vrm.dev/licenses/1.0/"
    assert (meta["modification"], meta["allowRedistribution"], meta["commercialUsage"]) == (
        "prohibited",
        True,
        "personalNonProfit",
    )
    assert meta["otherLicenseUrl"].endswith("by-nc-nd/4.0/")
    assert meta["references"] == ["https://example.org/ref"]
    assert meta["thumbnailImage"] == doc.items("textures")[0]["source"]
    assert vrm["lookAt"]["offsetFromHeadBone"] == pytest.approx([-0.01, 0.06, 0.02])
    assert vrm["lookAt"]["type"] == "bone" and vrm["lookAt"]["rangeMapVerticalUp"]["inputMaxValue"] == 90.0
    assert {a["type"] for a in vrm["firstPerson"]["meshAnnotations"]} <= {"auto", "thirdPersonOnly"}
    assert any(line.startswith("note: meta.licenseName CC_BY_NC_ND") for line in lines)


def test_what_cannot_be_migrated_is_reported() -> None:
    doc = load(MTOON0)
    vrm0 = doc.extension("VRM")
    vrm0["humanoid"]["humanBones"][0]["useDefaultValues"] = False
    vrm0["firstPerson"]["lookAtHorizontalInner"]["curve"] = [0, 0, 0, 2, 1, 1, 0, 0]
    vrm0["blendShapeMaster"]["blendShapeGroups"][1]["materialValues"] = [
        {"materialName": "nope", "propertyName": "_Color", "targetValue": [1, 1, 1, 1]}
    ]
    _, lines = _round_trip(doc)
    dropped = [line for line in lines if line.startswith("not migrated:")]
    assert any("Unity muscle limits" in line for line in dropped)
    assert any("lookAtHorizontalInner.curve" in line for line in dropped)
    assert any("materialValues[0]" in line for line in dropped)
    assert any("armStretch" in line for line in dropped)


def test_only_vrm0_is_migrated(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="already"):
        migrate_vrm1(load(DATA_DIR / "vrm" / "VRMC_vrm_expressions_isBinary_Overrides.vrm"))
    with pytest.raises(InvalidInputError, match=r"VRM 0\.x"):
        migrate_vrm1(Document({"asset": {"version": "2.0"}}))


def test_the_input_document_is_not_changed() -> None:
    doc = load(MTOON0)
    before = (repr(doc.json), bytes(doc.bin))
    migrate_vrm1(doc)
    assert (repr(doc.json), bytes(doc.bin)) == before
