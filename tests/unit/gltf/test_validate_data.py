"""Checks that read the data: skinning influences, min/max, keyframe times, indices, morph targets.
Each case edits a generated avatar (tests/unit/gltf/seeds.py) and asserts the Khronos code and the
JSON pointer a user would be shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from studio.gltf.accessors import COMPONENT_DTYPES, TYPE_SIZES
from studio.gltf.document import Document
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from studio.gltf.validate import ValidationReport, validate
from tests.unit.gltf.seeds import BONES, make_avatar

PRIM = "/meshes/0/primitives/0"
ATTRS = f"{PRIM}/attributes"


def _avatar(**kw: Any) -> Document:
    return read_glb(make_avatar(**{"vrm": None, "textures": 0, "vertices": 100, **kw}))


def _accessor_index(doc: Document, name: str) -> int:
    prim = doc.json["meshes"][0]["primitives"][0]
    return int(prim["indices"] if name == "indices" else prim["attributes"][name])


def _data(doc: Document, index: int) -> np.ndarray:
    acc = doc.json["accessors"][index]
    view = doc.json["bufferViews"][acc["bufferView"]]
    dtype = COMPONENT_DTYPES[acc["componentType"]]
    start = view["byteOffset"]
    raw = np.frombuffer(doc.bin, dtype=dtype, count=acc["count"] * TYPE_SIZES[acc["type"]], offset=start)
    return raw.reshape(acc["count"], -1).copy()


def _patched(doc: Document, index: int, edit: Callable[[np.ndarray], None]) -> ValidationReport:
    """Validate ``doc`` after editing accessor ``index``'s bytes in place."""
    data = _data(doc, index)
    edit(data)
    start = doc.json["bufferViews"][doc.json["accessors"][index]["bufferView"]]["byteOffset"]
    patched = bytearray(doc.bin)
    patched[start : start + data.nbytes] = data.tobytes()
    return validate(read_glb(pack_glb(doc.json, bytes(patched))))


def _add_accessor(doc: Document, array: np.ndarray, ctype: int, type_: str, **kw: Any) -> int:
    """Append ``array`` to the BIN chunk as a new bufferView + accessor; returns the accessor."""
    pad = -len(doc.bin) % 4
    offset = len(doc.bin) + pad
    doc.bin = doc.bin + b"\0" * pad + array.tobytes()
    doc.json["buffers"][0]["byteLength"] = len(doc.bin)
    doc.json["bufferViews"].append({"buffer": 0, "byteOffset": offset, "byteLength": array.nbytes})
    count = len(array)
    view = len(doc.json["bufferViews"]) - 1
    doc.json["accessors"].append(
        {"bufferView": view, "componentType": ctype, "type": type_, "count": count, **kw}
    )
    return len(doc.json["accessors"]) - 1


def _check(doc: Document) -> ValidationReport:
    return validate(read_glb(pack_glb(doc.json, doc.bin)))


def _found(report: ValidationReport, severity: str = "error") -> list[tuple[str, str]]:
    return [(i.code, i.pointer) for i in report.issues if i.severity == severity]


# --- skinning ---------------------------------------------------------------------------------


def test_joint_index_past_the_skin_is_refused() -> None:
    doc = _avatar()

    def edit(joints: np.ndarray) -> None:
        joints[7, 0] = len(BONES)  # one past the last joint

    report = _patched(doc, _accessor_index(doc, "JOINTS_0"), edit)
    assert _found(report) == [("ACCESSOR_JOINTS_INDEX_OOB", f"{ATTRS}/JOINTS_0")]
    assert "element at index 7" in report.errors[0].message and "skin 0" in report.errors[0].message


def test_joint_limit_is_the_smallest_skin_using_the_mesh() -> None:
    doc = _avatar()
    doc.json["skins"].append({"joints": [0, 1, 2]})
    doc.json["nodes"].append({"name": "Twin", "mesh": 0, "skin": 1})
    doc.json["scenes"][0]["nodes"].append(len(doc.json["nodes"]) - 1)
    report = _check(doc)  # the spine joints go up to 4: fine for skin 0, too many for skin 1
    assert _found(report) == [("ACCESSOR_JOINTS_INDEX_OOB", f"{ATTRS}/JOINTS_0")]
    assert "set by skin 1" in report.errors[0].message


def test_negative_and_non_normalized_weights() -> None:
    doc = _avatar()
    weights = _accessor_index(doc, "WEIGHTS_0")

    def negative(w: np.ndarray) -> None:
        w[3] = [1.5, -0.5, 0.0, 0.0]

    assert _found(_patched(doc, weights, negative)) == [("ACCESSOR_WEIGHTS_NEGATIVE", f"{ATTRS}/WEIGHTS_0")]

    def unnormalized(w: np.ndarray) -> None:
        w[3:6, 0] = 0.5

    report = _patched(doc, weights, unnormalized)
    assert report.ok and _found(report, "warning") == [
        ("ACCESSOR_WEIGHTS_NON_NORMALIZED", f"{ATTRS}/WEIGHTS_0")
    ]
    assert report.warnings[0].message.startswith("3 weight set(s)")


def test_byte_weights_are_normalised_before_summing() -> None:
    doc = _avatar()
    n = doc.json["accessors"][_accessor_index(doc, "WEIGHTS_0")]["count"]
    weights = np.zeros((n, 4), np.uint8)
    weights[:, 0], weights[:, 1] = 200, 55  # 255 = 1.0
    prim = doc.json["meshes"][0]["primitives"][0]
    prim["attributes"]["JOINTS_0"] = _add_accessor(doc, np.tile(np.uint8([0, 1, 0, 0]), (n, 1)), 5121, "VEC4")
    prim["attributes"]["WEIGHTS_0"] = _add_accessor(doc, weights, 5121, "VEC4", normalized=True)
    assert not _check(doc).issues
    weights[0, 1] = 0
    prim["attributes"]["WEIGHTS_0"] = _add_accessor(doc, weights, 5121, "VEC4", normalized=True)
    assert _found(_check(doc), "warning") == [("ACCESSOR_WEIGHTS_NON_NORMALIZED", f"{ATTRS}/WEIGHTS_0")]


def test_same_joint_twice_with_weight_is_a_warning() -> None:
    doc = _avatar()
    joints, weights = _accessor_index(doc, "JOINTS_0"), _accessor_index(doc, "WEIGHTS_0")
    doc.bin = bytes(doc.bin)

    def two_influences(w: np.ndarray) -> None:
        w[:, :2] = 0.5

    doc = read_glb(pack_glb(doc.json, _patched_bin(doc, weights, two_influences)))

    def same(j: np.ndarray) -> None:
        j[:, 1] = j[:, 0]

    report = _patched(doc, joints, same)
    assert report.ok
    assert _found(report, "warning") == [("ACCESSOR_JOINTS_INDEX_DUPLICATE", f"{ATTRS}/JOINTS_0")]


def _patched_bin(doc: Document, index: int, edit: Callable[[np.ndarray], None]) -> bytes:
    data = _data(doc, index)
    edit(data)
    start = doc.json["bufferViews"][doc.json["accessors"][index]["bufferView"]]["byteOffset"]
    patched = bytearray(doc.bin)
    patched[start : start + data.nbytes] = data.tobytes()
    return bytes(patched)


def test_joints_without_weights_is_refused() -> None:
    doc = _avatar()
    del doc.json["meshes"][0]["primitives"][0]["attributes"]["WEIGHTS_0"]
    assert ("MESH_PRIMITIVE_JOINTS_WEIGHTS_MISMATCH", ATTRS) in _found(_check(doc))


# --- min / max --------------------------------------------------------------------------------


def test_declared_bounds_must_match_the_data() -> None:
    doc = _avatar()
    pos = doc.json["accessors"][_accessor_index(doc, "POSITION")]
    a = _accessor_index(doc, "POSITION")
    pos["max"][1] = 1.0  # data reaches 1.6: too small, so elements lie outside
    pos["min"][0] = -2.0  # data starts at -0.5: too loose, but nothing outside
    report = _check(doc)
    assert _found(report) == [
        ("ACCESSOR_MIN_MISMATCH", f"/accessors/{a}/min/0"),
        ("ACCESSOR_MAX_MISMATCH", f"/accessors/{a}/max/1"),
        ("ACCESSOR_ELEMENT_OUT_OF_MAX_BOUND", f"/accessors/{a}/max/1"),
    ]
    assert "(1) does not match actual maximum (1.60000002)" in report.errors[1].message


def test_bounds_compare_as_float32_like_khronos() -> None:
    doc = _avatar()
    a = _accessor_index(doc, "POSITION")

    def tenth(p: np.ndarray) -> None:
        p[:, 2] = np.float32(0.1)

    doc = read_glb(pack_glb(doc.json, _patched_bin(doc, a, tenth)))
    doc.json["accessors"][a]["min"][2] = doc.json["accessors"][a]["max"][2] = 0.1  # the double 0.1
    assert not _check(doc).issues


def test_position_without_bounds_is_refused() -> None:
    doc = _avatar()
    del doc.json["accessors"][_accessor_index(doc, "POSITION")]["min"]
    assert _found(_check(doc)) == [("MESH_PRIMITIVE_POSITION_ACCESSOR_WITHOUT_BOUNDS", f"{ATTRS}/POSITION")]


def test_nan_in_a_bounded_accessor_is_refused_once() -> None:
    doc = _avatar(morphs=1)
    target = doc.json["meshes"][0]["primitives"][0]["targets"][0]["POSITION"]

    def nan(d: np.ndarray) -> None:
        d[5, 1] = np.nan

    report = validate(read_glb(pack_glb(doc.json, _patched_bin(doc, target, nan))))
    assert _found(report) == [("ACCESSOR_INVALID_FLOAT", f"/accessors/{target}")]


# --- animations -------------------------------------------------------------------------------


def _animated(
    times: list[float], values: int, interpolation: str = "LINEAR", path: str = "rotation"
) -> Document:
    doc = _avatar(morphs=2)
    t = np.asarray(times, np.float32)
    size = 1 if path == "weights" else 4
    out = np.tile(np.array([0, 0, 0, 1][-size:], np.float32), (values, 1))
    a_in = _add_accessor(doc, t, 5126, "SCALAR", min=[float(t.min())], max=[float(t.max())])
    a_out = _add_accessor(doc, out, 5126, "SCALAR" if path == "weights" else "VEC4")
    node = len(doc.json["nodes"]) - 1 if path == "weights" else 1
    doc.json["animations"] = [
        {
            "samplers": [{"input": a_in, "output": a_out, "interpolation": interpolation}],
            "channels": [{"sampler": 0, "target": {"node": node, "path": path}}],
        }
    ]
    return doc


def test_a_valid_animation_passes() -> None:
    assert not _check(_animated([0.0, 0.5, 1.0], 3)).issues
    assert not _check(_animated([0.0, 1.0], 6, "CUBICSPLINE")).issues
    assert not _check(_animated([0.0, 1.0], 4, path="weights")).issues  # 2 keys x 2 morph targets


def test_keyframe_times_must_increase() -> None:
    doc = _animated([0.0, 1.0, 1.0, 2.0], 4)
    report = _check(doc)
    assert _found(report) == [("ACCESSOR_ANIMATION_INPUT_NON_INCREASING", "/animations/0/samplers/0/input")]
    assert "index 2 is less than or equal to previous: 1 <= 1" in report.errors[0].message


def test_keyframe_times_must_not_be_negative() -> None:
    doc = _animated([-1.0, 0.0, 1.0], 3)
    assert _found(_check(doc)) == [("ACCESSOR_ANIMATION_INPUT_NEGATIVE", "/animations/0/samplers/0/input")]


@pytest.mark.parametrize(
    ("values", "interpolation", "path", "expected"),
    [(4, "LINEAR", "rotation", 3), (3, "CUBICSPLINE", "rotation", 9), (3, "LINEAR", "weights", 6)],
)
def test_output_count_follows_interpolation_and_targets(
    values: int, interpolation: str, path: str, expected: int
) -> None:
    report = _check(_animated([0.0, 0.5, 1.0], values, interpolation, path))
    assert _found(report) == [
        ("ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_COUNT", "/animations/0/channels/0/sampler")
    ]
    assert f"count {expected} expected. Found {values}" in report.errors[0].message


def test_output_format_follows_the_path() -> None:
    doc = _animated([0.0, 1.0], 2)
    doc.json["animations"][0]["channels"][0]["target"]["path"] = "translation"  # VEC4 output
    assert ("ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_FORMAT", "/animations/0/channels/0/sampler") in _found(
        _check(doc)
    )


def test_cubic_spline_needs_two_keys() -> None:
    report = _check(_animated([0.0], 3, "CUBICSPLINE"))
    assert _found(report) == [
        ("ANIMATION_SAMPLER_INPUT_ACCESSOR_TOO_FEW_ELEMENTS", "/animations/0/samplers/0/input")
    ]


# --- indices ----------------------------------------------------------------------------------


def test_primitive_restart_value_is_refused() -> None:
    doc = _avatar()
    a = _accessor_index(doc, "indices")

    def restart(i: np.ndarray) -> None:
        i[4] = 0xFFFFFFFF

    report = _patched(doc, a, restart)
    # as in the Khronos report: a restart value is also past the last vertex
    assert _found(report) == [
        ("ACCESSOR_INDEX_PRIMITIVE_RESTART", f"{PRIM}/indices"),
        ("ACCESSOR_INDEX_OOB", f"{PRIM}/indices"),
    ]
    assert "(4294967295) at index 4" in report.errors[0].message


def test_triangle_count_must_be_whole() -> None:
    doc = _avatar()
    a = _accessor_index(doc, "indices")
    doc.json["accessors"][a]["count"] -= 1
    report = _check(doc)
    assert report.ok and _found(report, "warning") == [("MESH_PRIMITIVE_INCOMPATIBLE_MODE", PRIM)]


def test_degenerate_triangles_are_an_info() -> None:
    doc = _avatar()
    a = _accessor_index(doc, "indices")

    def collapse(i: np.ndarray) -> None:
        i[1] = i[0]  # triangle 0
        i[5] = i[4]  # triangle 1

    report = _patched(doc, a, collapse)
    assert report.ok and _found(report, "info") == [("ACCESSOR_INDEX_TRIANGLE_DEGENERATE", f"{PRIM}/indices")]
    assert report.infos[0].message.startswith("Indices accessor contains 2 degenerate triangles (out of ")


# --- morph targets ----------------------------------------------------------------------------


def test_morph_targets_with_different_attributes_warn() -> None:
    doc = _avatar(morphs=2)
    prim = doc.json["meshes"][0]["primitives"][0]
    prim["targets"][1]["NORMAL"] = prim["attributes"]["NORMAL"]
    report = _check(doc)
    assert report.ok
    assert _found(report, "warning") == [
        ("MESH_PRIMITIVE_MORPH_TARGETS_UNEQUAL_ATTRIBUTES", f"{PRIM}/targets/1")
    ]


def test_morph_target_count_and_format() -> None:
    doc = _avatar(morphs=1)
    prim = doc.json["meshes"][0]["primitives"][0]
    prim["targets"][0]["POSITION"] = prim["attributes"]["TEXCOORD_0"]  # VEC2, and fine count
    doc.json["accessors"][prim["attributes"]["TEXCOORD_0"]]["count"] -= 1
    codes = {code for code, pointer in _found(_check(doc)) if pointer == f"{PRIM}/targets/0/POSITION"}
    assert codes == {
        "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT",
        "MESH_PRIMITIVE_MORPH_TARGET_INVALID_ATTRIBUTE_COUNT",
    }


def test_weights_length_must_match_targets() -> None:
    doc = _avatar(morphs=2)
    doc.json["meshes"][0]["weights"] = [0.0]
    doc.json["nodes"][-1]["weights"] = [0.0, 0.0, 0.0]
    assert _found(_check(doc)) == [
        ("MESH_INVALID_WEIGHTS_COUNT", "/meshes/0/weights"),
        ("NODE_WEIGHTS_INVALID", f"/nodes/{len(doc.json['nodes']) - 1}/weights"),
    ]
