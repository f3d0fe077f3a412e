"""transform_bones multiplies a bone's local scale; children inherit it (glTF node hierarchy)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.gltf.functions._lookup import world_matrices
from studio.gltf.functions.transform_bones import bone_scale, transform_bones
from studio.gltf.vrm import resolve_bone
from tests.unit.gltf.functions.conftest import VRM1_MTOON


def test_hips_scale_makes_the_head_higher(sample) -> None:
    doc = sample(VRM1_MTOON)
    hips = resolve_bone(doc, "J_Bip_C_Hips")
    head = resolve_bone(doc, "head")
    assert hips is not None and head is not None
    before = world_matrices(doc)[head][:3, 3].copy()
    hips_y = world_matrices(doc)[hips][1, 3]
    transform_bones(doc, {hips: (1.0, 1.05, 1.0)})
    after = world_matrices(doc)[head][:3, 3]
    assert bone_scale(doc, hips) == (1.0, 1.05, 1.0)
    assert after[1] - hips_y == pytest.approx((before[1] - hips_y) * 1.05, rel=1e-5)
    assert after[0] == pytest.approx(before[0]) and after[2] == pytest.approx(before[2])


def test_matrix_nodes_are_scaled_in_local_axes(sample) -> None:
    doc = sample(VRM1_MTOON)
    node = doc.json["nodes"][0]
    for key in ("translation", "rotation", "scale"):
        node.pop(key, None)
    node["matrix"] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0.5, 0, 0, 1]
    transform_bones(doc, {0: (2.0, 1.0, 1.0)})
    m = np.array(node["matrix"]).reshape(4, 4).T
    assert m[0, 0] == 2.0 and m[0, 3] == 0.5  # x axis doubled, translation untouched
