"""prune, dedup and sparse keep every VRM reference valid while shrinking the file."""

from __future__ import annotations

import numpy as np
import pytest

from studio.gltf.accessors import read_accessor
from studio.gltf.functions._buffer import BinAppender
from studio.gltf.functions._refs import iter_refs
from studio.gltf.functions.dedup import dedup
from studio.gltf.functions.morphs import find_morph
from studio.gltf.functions.prune import prune, remove_nodes
from studio.gltf.functions.sparse import sparse
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from tests.unit.gltf.functions.conftest import VRM0_MORPH, VRM0_MTOON, VRM1_MTOON


def _refs_in_range(doc) -> None:
    for ref in iter_refs(doc.json):
        assert 0 <= ref.index < len(doc.json.get(ref.kind, [])), (ref.kind, ref.index)


def test_prune_drops_orphans_and_compacts(sample) -> None:
    doc = sample(VRM1_MTOON)
    appender = BinAppender(doc)
    orphan = appender.add_accessor(np.zeros((1000, 3), np.float32))
    appender.commit()
    size = len(doc.bin)
    doc.json["materials"].insert(0, {"name": "unused"})  # shift every material index by one...
    for ref in iter_refs(doc.json):
        if ref.kind == "materials":
            ref.container[ref.key] += 1  # ...and fix the references, as an edit would
    report = prune(doc)
    assert report.removed == {"materials": 1, "accessors": 1, "bufferViews": 1}
    assert len(doc.bin) <= size - 12000
    assert orphan >= len(doc.json["accessors"])
    _refs_in_range(doc)
    assert validate(read_glb(pack_glb(doc.json, doc.bin))).ok


def test_prune_keeps_vrm0_material_properties_paired(sample) -> None:
    doc = sample(VRM0_MTOON)
    names = [m["name"] for m in doc.json["materials"]]
    mesh = doc.json["meshes"][0]["primitives"][0]["material"]
    doc.json["meshes"][0]["primitives"][0]["material"] = mesh + 1  # material `mesh` now unused
    prune(doc)
    kept = [m["name"] for m in doc.json["materials"]]
    assert names[mesh] not in kept
    assert len(doc.json["extensions"]["VRM"]["materialProperties"]) == len(kept)
    assert [p["name"] for p in doc.json["extensions"]["VRM"]["materialProperties"]] == kept


def test_prune_protect_keeps_authors_orphans(sample) -> None:
    doc = sample(VRM1_MTOON)
    doc.json["materials"].append({"name": "author's spare"})
    spare = len(doc.json["materials"]) - 1
    report = prune(doc, protect={("materials", spare)})
    assert "materials" not in report.removed


def test_remove_nodes_refuses_bones(sample) -> None:
    doc = sample(VRM1_MTOON)
    head = doc.json["extensions"]["VRMC_vrm"]["humanoid"]["humanBones"]["head"]["node"]
    with pytest.raises(ValueError, match="still used"):
        remove_nodes(doc, {head})


def test_dedup_merges_identical_accessors(sample) -> None:
    doc = sample(VRM0_MTOON)  # six spheres with identical geometry
    before = len(doc.json["accessors"])
    merged = dedup(doc)
    prune(doc)
    assert merged["accessors"] >= 20
    assert len(doc.json["accessors"]) == before - merged["accessors"]
    _refs_in_range(doc)
    assert validate(read_glb(pack_glb(doc.json, doc.bin))).ok


def test_sparse_targets_read_back_identical(sample) -> None:
    doc = sample(VRM0_MORPH)
    [(mesh, target)] = find_morph(doc, "A")
    prim = doc.json["meshes"][mesh]["primitives"][0]
    dense = read_accessor(doc, prim["targets"][target]["POSITION"])
    assert sparse(doc, ratio=1.01) >= 1
    acc = doc.json["accessors"][prim["targets"][target]["POSITION"]]
    assert "sparse" in acc and "bufferView" not in acc
    assert read_accessor(doc, prim["targets"][target]["POSITION"]) == pytest.approx(dense)
    assert validate(read_glb(pack_glb(doc.json, doc.bin))).ok
