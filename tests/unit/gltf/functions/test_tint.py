"""tint writes the colour where each renderer reads it: glTF baseColorFactor (linear), VRM 0.x
``_Color``/``_ShadeColor`` (sRGB) and VRM 1.0 MToon ``shadeColorFactor``; nothing else changes."""

from __future__ import annotations

import copy

import pytest

from studio.gltf.functions._lookup import material_indices, srgb_to_linear
from studio.gltf.functions.tint import material_color, set_roughness, tint
from tests.unit.gltf.functions.conftest import VRM0_MTOON, VRM1_MTOON


def test_vrm0_mtoon_tint_sets_linear_factor_and_srgb_color(sample) -> None:
    doc = sample(VRM0_MTOON)
    index = material_indices(doc, "MToon_Emission_0.5")[0]
    before = copy.deepcopy(doc.json)
    props = doc.json["extensions"]["VRM"]["materialProperties"][index]
    old_shade = list(props["vectorProperties"]["_ShadeColor"])
    tint(doc, index, (0.831, 0.647, 0.455))  # #d4a574
    factor = doc.json["materials"][index]["pbrMetallicRoughness"]["baseColorFactor"]
    assert factor[:3] == pytest.approx([srgb_to_linear(c) for c in (0.831, 0.647, 0.455)], abs=1e-5)
    assert props["vectorProperties"]["_Color"][:3] == pytest.approx([0.831, 0.647, 0.455], abs=1e-5)
    assert props["vectorProperties"]["_ShadeColor"] != old_shade
    assert material_color(doc, index)[:3] == pytest.approx((0.831, 0.647, 0.455), abs=1e-5)
    # only that material changed
    for key in before:
        if key not in ("materials", "extensions"):
            assert doc.json[key] == before[key]
    others = [i for i in range(len(doc.json["materials"])) if i != index]
    assert [doc.json["materials"][i] for i in others] == [before["materials"][i] for i in others]


def test_vrm1_mtoon_shade_follows_lit_colour(sample) -> None:
    doc = sample(VRM1_MTOON)
    mat = doc.json["materials"][0]
    mat["extensions"]["VRMC_materials_mtoon"]["shadeColorFactor"] = [0.5, 0.5, 0.5]
    tint(doc, 0, (1.0, 0.0, 0.0, 0.5))
    assert mat["pbrMetallicRoughness"]["baseColorFactor"] == [1.0, 0.0, 0.0, 1.0]  # alpha kept
    assert mat["extensions"]["VRMC_materials_mtoon"]["shadeColorFactor"] == pytest.approx([0.5, 0.0, 0.0])
    tint(doc, 0, (0.0, 1.0, 0.0, 0.5), keep_alpha=False)
    assert mat["pbrMetallicRoughness"]["baseColorFactor"][3] == 0.5
    set_roughness(doc, 0, 0.65)
    assert mat["pbrMetallicRoughness"]["roughnessFactor"] == 0.65
