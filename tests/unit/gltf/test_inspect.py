from __future__ import annotations

import json
from pathlib import Path

from studio.gltf.inspect import summarize
from studio.gltf.io import load, read_glb
from studio.gltf.validate import validate
from tests.unit.gltf.seeds import make_avatar


def test_counts_of_a_known_model(samples: Path) -> None:
    doc = load(samples / "gltf" / "CesiumMan.glb")
    s = summarize(doc, validate(doc))
    assert (s.format, s.meshes, s.vertices, s.triangles, s.joints, s.skins) == ("GLB", 1, 3273, 4672, 19, 1)
    assert [(t.mime_type, t.width, t.height) for t in s.textures] == [("image/png", 1024, 1024)]
    assert s.valid and not s.errors


def test_avatar_summary_and_stable_json() -> None:
    data = make_avatar(vertices=400, morphs=3, texture_size=32, textures=2, vrm="1.0")
    doc = read_glb(data, name="seed.vrm")
    s = summarize(doc, validate(doc))
    assert (s.format, s.vertices, s.triangles, s.morph_targets, s.humanoid_bones) == (
        "VRM 1.0",
        400,
        722,
        3,
        17,
    )
    assert s.expressions == ("happy",)
    assert [(t.width, t.height) for t in s.textures] == [(32, 32), (32, 32)]
    out = s.to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["vrm"]["license"] == "VRM Public License 1.0" and out["vrm"]["allow_redistribution"]
    assert sorted(out) == sorted(
        [
            "name",
            "format",
            "gltf_version",
            "generator",
            "sizes",
            "meshes",
            "primitives",
            "vertices",
            "triangles",
            "morph_targets",
            "materials",
            "textures",
            "nodes",
            "skins",
            "joints",
            "humanoid_bones",
            "expressions",
            "vrm",
            "extensions",
            "errors",
            "warnings",
            "valid",
        ]
    )


def test_summary_of_a_broken_document_does_not_raise() -> None:
    doc = read_glb(make_avatar())
    doc.json["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = 10**9
    doc.json["meshes"][0]["primitives"][0]["mode"] = [4]
    doc.json["images"][0]["bufferView"] = "x"
    s = summarize(doc, validate(doc))
    assert not s.valid and s.vertices == 0
