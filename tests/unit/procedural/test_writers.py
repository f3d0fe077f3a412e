"""Write VRM 1.0 / VRM 0.x / GLB, read back with the studio's own reader: same bones, expressions,
morph names and materials; files valid; 0.x faces -Z."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from studio.gltf.accessors import read_accessor
from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm
from studio.procedural.model import AvatarModel
from studio.procedural.skeleton import VRM1_BONES
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from studio.procedural.writer import write_glb
from studio.services.make_avatar import make_prebuilts

WRITERS = {"vrm1": write_vrm1, "vrm0": write_vrm0, "glb": write_glb}


def _morph_names(doc) -> set[str]:
    return {n for m in doc.items("meshes") for n in m.get("extras", {}).get("targetNames", [])}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_round_trip_through_the_studio_reader(feminine: AvatarModel, fmt: str) -> None:
    doc = read_glb(WRITERS[fmt](feminine), name=f"a.{'glb' if fmt == 'glb' else 'vrm'}")
    report = validate(doc)
    assert report.ok, [i.code for i in report.errors]
    assert {m["name"] for m in doc.items("materials")} == {m.name for m in feminine.materials}
    assert _morph_names(doc) == {n for m in feminine.meshes for n in m.morph_names}
    info = parse_vrm(doc)
    if fmt == "glb":
        assert info.version is None
        return
    assert info.version == ("1.0" if fmt == "vrm1" else "0.x")
    names = [n["name"] for n in doc.items("nodes")]
    expected = {VRM1_BONES[j.name]: j.name for j in feminine.joints if j.name in VRM1_BONES}
    assert {bone: names[node] for bone, node in info.humanoid.items()} == expected
    assert set(info.expressions) == set(feminine.expressions)
    assert info.meta.license_url == "https://vrm.dev/licenses/1.0/" and info.meta.name == feminine.meta.name
    assert info.has_spring_bones and info.has_mtoon


@pytest.mark.parametrize(("fmt", "sign"), [("vrm1", 1.0), ("vrm0", -1.0), ("glb", 1.0)])
def test_facing_per_version(feminine: AvatarModel, fmt: str, sign: float) -> None:
    doc = read_glb(WRITERS[fmt](feminine))
    nodes = doc.items("nodes")
    toe = next(n for n in nodes if n["name"] == "J_Bip_L_ToeBase")["translation"]
    upper_arm = next(n for n in nodes if n["name"] == "J_Bip_L_UpperArm")["translation"]
    assert np.sign(toe[2]) == sign  # toes point forward: +Z for 1.0 and glTF, -Z for 0.x
    assert np.sign(upper_arm[0]) == sign  # the avatar's left is on +X facing +Z


def test_weights_survive_as_float32_sums_of_one(feminine: AvatarModel) -> None:
    doc = read_glb(write_vrm1(feminine))
    for mesh in doc.items("meshes"):
        for prim in mesh["primitives"]:
            weights = read_accessor(doc, prim["attributes"]["WEIGHTS_0"])
            assert np.abs(weights.sum(axis=1, dtype=np.float32) - 1).max() <= 1e-6


def test_expressions_bind_real_morphs(feminine: AvatarModel) -> None:
    doc = read_glb(write_vrm0(feminine))
    info = parse_vrm(doc)
    for name, expr in info.expressions.items():
        if name == "neutral":
            continue
        bind = expr.morph_binds[0]
        target = doc.items("meshes")[bind.mesh]["primitives"][0]["targets"][bind.index]["POSITION"]
        assert np.abs(read_accessor(doc, target)).max() > 0.001, name


def test_make_avatar_cli_writes_each_format(tmp_path: Path) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"base": "masculine", "skin": {"tone": "#8d5a3b"}}))
    for flag, name in (("--vrm1", "a.vrm"), ("--vrm0", "b.vrm"), ("--glb", "c.glb")):
        assert main(["make-avatar", "--params", str(params), "--out", str(tmp_path / name), flag]) == 0
    assert parse_vrm(read_glb((tmp_path / "b.vrm").read_bytes())).version == "0.x"
    assert parse_vrm(read_glb((tmp_path / "a.vrm").read_bytes())).version == "1.0"


def test_make_avatar_cli_reports_bad_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"base": "feminine", "bodyMorphs": {"muscularity": 3}}))
    assert main(["make-avatar", "--params", str(params), "--out", str(tmp_path / "x.vrm")]) == 1
    assert "bodyMorphs.muscularity" in capsys.readouterr().err
    assert not (tmp_path / "x.vrm").exists()


def test_make_prebuilts_writes_seed_004_layout(tmp_path: Path) -> None:
    catalogue = make_prebuilts(tmp_path)
    for rel in (
        "avatars/default-fem-01.glb",
        "avatars/default-fem-01.vrm",
        "avatars/default-fem-02.vrm",
        "avatars/default-masc-01.glb",
        "avatars/default-masc-02.vrm",
        "hair/fem-short-01.glb",
        "hair/fem-long-01.glb",
        "hair/masc-short-01.glb",
        "clothing/tops-tshirt-01.glb",
        "clothing/bottoms-jeans-01.glb",
        "clothing/shoes-sneaker-01.glb",
        "attachments/earring-hoop-gold.glb",
        "catalogue.json",
    ):
        assert (tmp_path / rel).is_file(), rel
    assert json.loads((tmp_path / "catalogue.json").read_text()) == catalogue
    item = read_glb((tmp_path / "clothing/tops-tshirt-01.glb").read_bytes())
    names = {n["name"] for n in item.items("nodes")}
    assert {"J_Bip_C_Hips", "J_Bip_L_UpperArm"} <= names  # equip matches by these names
    assert len(item.items("skins")) == 1 and validate(item).ok
    tops = next(c for c in catalogue["clothing"] if c["id"] == "tops-tshirt-01")
    assert "J_Bip_C_Chest" in tops["bones"]
