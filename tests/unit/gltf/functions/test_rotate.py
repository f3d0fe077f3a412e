"""rotate_y180: the model turns half way round, and skinning still puts every vertex where the
turned bind pose says (CPU-skinned positions of the turned file == turned skinned positions)."""

from __future__ import annotations

import numpy as np

from studio.domain.supermesh import SupermeshMetadata
from studio.gltf.accessors import read_accessor
from studio.gltf.document import Document
from studio.gltf.functions.rotate import rotate_y180
from studio.gltf.io import read_glb
from studio.gltf.vrm.migrate_springs import node_worlds
from studio.procedural.humanoid import build_avatar
from studio.procedural.spec import AvatarSpec
from studio.procedural.vrm0 import write_vrm0

TURN = np.diag([-1.0, 1.0, -1.0])


def _avatar() -> Document:
    return read_glb(write_vrm0(build_avatar(AvatarSpec(SupermeshMetadata(base="masculine")))), name="m.vrm")


def _skinned(doc: Document, pose: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """World positions of mesh 0, primitive 0 after linear blend skinning (glTF 2.0 §3.7.3)."""
    nodes = doc.items("nodes")
    if pose:
        for n, rotation in pose.items():
            nodes[n]["rotation"] = list(rotation)
    worlds = node_worlds(nodes)
    prim = doc.items("meshes")[0]["primitives"][0]
    skin = doc.items("skins")[0]
    ibm = read_accessor(doc, skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    mats = np.array([worlds[j] @ ibm[k] for k, j in enumerate(skin["joints"])])
    pos = read_accessor(doc, prim["attributes"]["POSITION"]).astype(np.float64)
    joints = read_accessor(doc, prim["attributes"]["JOINTS_0"]).astype(int)
    weights = read_accessor(doc, prim["attributes"]["WEIGHTS_0"]).astype(np.float64)
    homo = np.c_[pos, np.ones(len(pos))]
    out = np.zeros((len(pos), 4))
    for k in range(4):
        out += weights[:, k, None] * np.einsum("nij,nj->ni", mats[joints[:, k]], homo)
    return out[:, :3]


def test_turned_skinned_mesh_is_the_turned_original_in_any_pose() -> None:
    before, after = _avatar(), _avatar()
    rotate_y180(after)
    bend = np.array([0.2, 0.3, 0.1, 0.927])
    bend /= np.linalg.norm(bend)
    arm = next(i for i, n in enumerate(before.items("nodes")) if n.get("name") == "J_Bip_L_LowerArm")
    turned_bend = bend * np.array([-1.0, 1.0, -1.0, 1.0])  # the same pose, seen from the other side
    expected = _skinned(before, {arm: bend}) @ TURN.T
    np.testing.assert_allclose(_skinned(after, {arm: turned_bend}), expected, atol=1e-5)


def test_turn_negates_x_and_z_and_keeps_bounds_valid() -> None:
    before, after = _avatar(), _avatar()
    count = rotate_y180(after)
    assert count > 0
    index = before.items("meshes")[0]["primitives"][0]["attributes"]["POSITION"]
    new = after.items("meshes")[0]["primitives"][0]["attributes"]["POSITION"]
    np.testing.assert_array_equal(read_accessor(after, new), read_accessor(before, index) @ TURN.T)
    acc = after.items("accessors")[new]
    data = read_accessor(after, new)
    assert acc["min"] == [float(v) for v in data.min(axis=0)]
    assert acc["max"] == [float(v) for v in data.max(axis=0)]


def test_node_rotation_and_matrix_are_conjugated() -> None:
    doc = Document(
        {
            "asset": {"version": "2.0"},
            "nodes": [
                {"translation": [1.0, 2.0, 3.0], "rotation": [0.1, 0.2, 0.3, 0.927]},
                {"matrix": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 4, 5, 6, 1]},
            ],
        }
    )
    rotate_y180(doc)
    first, second = doc.items("nodes")
    assert first["translation"] == [-1.0, 2.0, -3.0]
    assert first["rotation"] == [-0.1, 0.2, -0.3, 0.927]
    assert second["matrix"][12:15] == [-4.0, 5.0, -6.0]
    assert "buffers" not in doc.json  # nothing to turn, no empty buffer left behind
