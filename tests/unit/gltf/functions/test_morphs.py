"""Morph weights: set as defaults (lossless, JSON only) or baked into the base POSITION."""

from __future__ import annotations

import numpy as np
import pytest

from studio.gltf.accessors import read_accessor
from studio.gltf.functions.morphs import bake_morphs, find_morph, morph_weights, set_morph_weights
from tests.unit.gltf.functions.conftest import VRM0_MORPH


def test_set_weights_is_a_json_only_edit(sample) -> None:
    doc = sample(VRM0_MORPH)
    before = doc.bin
    [(mesh, target)] = find_morph(doc, "A")
    set_morph_weights(doc, mesh, {target: 0.7})
    assert morph_weights(doc, mesh) == [0.7]
    assert doc.bin is before


def test_bake_adds_weighted_delta_to_positions(sample) -> None:
    doc = sample(VRM0_MORPH)
    [(mesh, target)] = find_morph(doc, "A")
    prim = doc.json["meshes"][mesh]["primitives"][0]
    base = read_accessor(doc, prim["attributes"]["POSITION"])
    delta = read_accessor(doc, prim["targets"][target]["POSITION"])
    assert np.abs(delta).max() > 0
    set_morph_weights(doc, mesh, {target: 0.5})
    assert bake_morphs(doc) == 1
    baked = read_accessor(doc, prim["attributes"]["POSITION"])
    assert baked == pytest.approx(base + 0.5 * delta, abs=1e-6)
    assert morph_weights(doc, mesh) == [0.0]
    acc = doc.json["accessors"][prim["attributes"]["POSITION"]]
    assert acc["min"] == pytest.approx(baked.min(axis=0).tolist(), abs=1e-6)


def test_bake_respects_selection(sample) -> None:
    doc = sample(VRM0_MORPH)
    [(mesh, target)] = find_morph(doc, "A")
    set_morph_weights(doc, mesh, {target: 1.0})
    assert bake_morphs(doc, select=lambda m, t: False) == 0
    assert morph_weights(doc, mesh) == [1.0]
