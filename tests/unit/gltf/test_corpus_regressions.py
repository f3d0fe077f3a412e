"""Regressions found by driving real VRM/glTF files and their mutations through import, edit and
export (docs/corpus.md). Each case is a small document built here, never the corpus file itself.

Before the fixes, every one of these was either accepted and crashed later (export traceback, a
SyntaxError from the renderer's PNG decoder during `wardrobe add`) or accepted and exported as a
file the Khronos validator rejects.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.gltf.errors import GltfError
from studio.gltf.export.runtime import expression_targets
from studio.gltf.functions._joints import is_detached, mark_detached, studio_tag
from studio.gltf.functions._lookup import target_names
from studio.gltf.glb import pack_glb
from studio.gltf.io import open_checked, read_glb
from studio.gltf.validate import ValidationReport, validate
from studio.services.editor import AvatarEditor
from tests.unit.gltf.seeds import make_avatar

Edit = Callable[[dict[str, Any]], Any]


def _edited(data: bytes, edit: Edit) -> bytes:
    doc = read_glb(data)
    edit(doc.json)
    return pack_glb(doc.json, doc.bin)


def _report(data: bytes, name: str = "m.glb") -> ValidationReport:
    return validate(read_glb(data, name=name))


def _errors(report: ValidationReport) -> list[tuple[str, str]]:
    return [(i.code, i.pointer) for i in report.errors]


# --- VRM extension shapes the export reads -----------------------------------------------------


def test_custom_expression_that_is_not_an_object_is_refused_and_never_crashes_the_export() -> None:
    """VRMC_vrm_expressions_isBinary_Overrides.vrm with ``expressions.custom = {"x": 1}`` was
    accepted by `wardrobe add` and then `export` died with AttributeError."""

    def edit(t: dict[str, Any]) -> None:
        t["extensions"]["VRMC_vrm"]["expressions"]["custom"] = {"x": 1}

    data = _edited(make_avatar(vrm="1.0"), edit)
    report = _report(data, "m.vrm")
    assert _errors(report) == [("TYPE_MISMATCH", "/extensions/VRMC_vrm/expressions/custom/x")]
    with pytest.raises(GltfError, match=r"TYPE_MISMATCH at /extensions/VRMC_vrm/expressions/custom/x"):
        open_checked(data, name="m.vrm")
    # the editor's morph list reads expressions on whatever document it holds: the preset's bind
    # is found, the broken custom entry skipped, no crash
    assert expression_targets(read_glb(data)) == {(0, 0)}


def test_expression_binds_and_blend_shape_groups_must_be_objects() -> None:
    def binds1(t: dict[str, Any]) -> None:
        t["extensions"]["VRMC_vrm"]["expressions"]["preset"]["happy"]["morphTargetBinds"] = [3]

    def groups0(t: dict[str, Any]) -> None:
        t["extensions"]["VRM"]["blendShapeMaster"]["blendShapeGroups"] = ["a"]

    report1 = _report(_edited(make_avatar(vrm="1.0"), binds1))
    assert ("TYPE_MISMATCH", "/extensions/VRMC_vrm/expressions/preset/happy/morphTargetBinds/0") in _errors(
        report1
    )
    data0 = _edited(make_avatar(vrm="0"), groups0)
    assert _errors(_report(data0)) == [
        ("TYPE_MISMATCH", "/extensions/VRM/blendShapeMaster/blendShapeGroups/0")
    ]
    assert expression_targets(read_glb(data0)) == set()


@pytest.mark.parametrize("value", ["hello", [1, 2], 5])
def test_an_extension_that_is_not_an_object_is_refused(value: Any) -> None:
    """``extensions.VRMC_vrm = "hello"`` was read as "no VRM" and exported as an invalid runtime
    GLB (Khronos TYPE_MISMATCH)."""
    data = _edited(make_avatar(vrm="1.0"), lambda t: t["extensions"].__setitem__("VRMC_vrm", value))
    with pytest.raises(GltfError, match=r"TYPE_MISMATCH at /extensions/VRMC_vrm\]"):
        open_checked(data, name="m.vrm")
    material = _edited(make_avatar(vrm=None), lambda t: t["materials"][0].__setitem__("extensions", value))
    assert ("TYPE_MISMATCH", "/materials/0/extensions") in _errors(_report(material))


def test_names_are_strings_and_no_property_is_null() -> None:
    def edit(t: dict[str, Any]) -> None:
        t["materials"][0]["name"] = 7
        t["accessors"][0]["byteOffset"] = None
        t["scene"] = None

    report = _report(_edited(make_avatar(vrm=None), edit))
    assert set(_errors(report)) >= {
        ("TYPE_MISMATCH", "/materials/0/name"),
        ("TYPE_MISMATCH", "/accessors/0/byteOffset"),
        ("TYPE_MISMATCH", "/scene"),
    }


def test_free_form_extras_may_hold_anything() -> None:
    def edit(t: dict[str, Any]) -> None:
        t["meshes"][0]["extras"] = [None, 1]
        t["nodes"][0]["extras"] = "a string"

    data = _edited(make_avatar(vrm=None), edit)
    assert _report(data).ok
    doc = read_glb(data)
    assert target_names(doc, 0) == ["target_0", "target_1", "target_2"]
    node = doc.items("nodes")[0]
    assert studio_tag(node) == {} and not is_detached(node)
    mark_detached(node)  # what unequipping the avatar's own hair does
    assert is_detached(node) and node["extras"]["value"] == "a string"


# --- materials, samplers, morph weights ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "code", "pointer"),
    [
        ("baseColorFactor", ["1", 0, 0, 1], "ARRAY_TYPE_MISMATCH", "pbrMetallicRoughness/baseColorFactor/0"),
        ("baseColorFactor", [1, 0], "ARRAY_LENGTH_NOT_IN_LIST", "pbrMetallicRoughness/baseColorFactor"),
        ("metallicFactor", "x", "TYPE_MISMATCH", "pbrMetallicRoughness/metallicFactor"),
        ("emissiveFactor", 1, "TYPE_MISMATCH", "emissiveFactor"),
        ("doubleSided", "yes", "TYPE_MISMATCH", "doubleSided"),
    ],
)
def test_material_factor_types_are_checked(path: str, value: Any, code: str, pointer: str) -> None:
    """A string in baseColorFactor was accepted, tinted around and exported as an invalid GLB."""

    def edit(t: dict[str, Any]) -> None:
        pbr = ("baseColorFactor", "metallicFactor")
        holder = (
            t["materials"][0].setdefault("pbrMetallicRoughness", {}) if path in pbr else t["materials"][0]
        )
        holder[path] = value

    report = _report(_edited(make_avatar(vrm=None), edit))
    assert _errors(report) == [(code, f"/materials/0/{pointer}")]


def test_a_factor_out_of_range_is_only_a_warning() -> None:
    def edit(t: dict[str, Any]) -> None:
        t["materials"][0]["pbrMetallicRoughness"]["baseColorFactor"] = [1.0000001, 0.5, 0.5, 1]

    report = _report(_edited(make_avatar(vrm=None), edit))
    assert report.ok
    assert [(w.code, w.pointer) for w in report.warnings] == [
        ("VALUE_NOT_IN_RANGE", "/materials/0/pbrMetallicRoughness/baseColorFactor/0")
    ]


def test_sampler_enum_of_the_wrong_type_is_an_error_and_an_unknown_number_a_warning() -> None:
    def edit(t: dict[str, Any]) -> None:
        t["samplers"] = [{"wrapS": "REPEAT", "wrapT": 1234}]
        t["textures"][0]["sampler"] = 0

    report = _report(_edited(make_avatar(vrm=None), edit))
    assert _errors(report) == [("TYPE_MISMATCH", "/samplers/0/wrapS")]
    assert [(w.code, w.pointer) for w in report.warnings] == [("VALUE_NOT_IN_LIST", "/samplers/0/wrapT")]


def test_morph_weights_must_be_numbers() -> None:
    """addon_simple_morph_vrm0.vrm with ``mesh.weights = ["a"]`` was accepted; export raised
    ValueError in the morph code."""
    data = _edited(make_avatar(vrm="0", morphs=1), lambda t: t["meshes"][0].__setitem__("weights", ["a"]))
    assert _errors(_report(data)) == [("ARRAY_TYPE_MISMATCH", "/meshes/0/weights/0")]


def test_nan_in_any_float_attribute_is_refused() -> None:
    """Found by fuzzing the export path: NaN texture coordinates passed validation (only POSITION
    was checked) and reached the quantizer."""
    doc = read_glb(make_avatar(vrm=None))
    uv = doc.items("meshes")[0]["primitives"][0]["attributes"]["TEXCOORD_0"]
    view = doc.items("bufferViews")[doc.items("accessors")[uv]["bufferView"]]
    binary = bytearray(doc.bin or b"")
    struct.pack_into("<f", binary, view.get("byteOffset", 0) + 4, float("nan"))
    report = validate(read_glb(pack_glb(doc.json, bytes(binary))))
    assert _errors(report) == [("ACCESSOR_INVALID_FLOAT", f"/accessors/{uv}")]


# --- image bytes ------------------------------------------------------------------------------


def _png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _with_image(image: bytes, mime: str = "image/png") -> bytes:
    """A one-triangle glTF whose only texture is ``image``."""
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32).tobytes()
    uvs = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32).tobytes()
    pad = image + b"\0" * (-len(image) % 4)
    binary = positions + uvs + pad
    tree = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 36},
            {"buffer": 0, "byteOffset": 36, "byteLength": 24},
            {"buffer": 0, "byteOffset": 60, "byteLength": len(image)},
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            },
            {"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"},
        ],
        "images": [{"bufferView": 2, "mimeType": mime}],
        "textures": [{"source": 0}],
        "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "material": 0}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
        "scene": 0,
    }
    return pack_glb(tree, binary)


def test_a_whole_png_passes() -> None:
    assert _report(_with_image(_png())).ok


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        # the tail zeroed (a download that stopped, padded): Pillow raised SyntaxError in the
        # renderer during `wardrobe add`, a traceback
        (lambda p: p[: len(p) // 2] + b"\0" * (len(p) - len(p) // 2), "IMAGE_DATA_INVALID"),
        (lambda p: p[: len(p) - 20], "IMAGE_UNEXPECTED_EOS"),  # cut inside a chunk
        (lambda p: p[: p.index(b"IEND") - 4], "IMAGE_UNEXPECTED_EOS"),  # no IEND
        (
            lambda p: p[:33] + _chunk(b"tEXt", b"a\0b")[:-1] + b"\x00" + p[33:],
            "IMAGE_DATA_INVALID",
        ),  # bad CRC
        (lambda p: p[:33] + _chunk(b"IEND", b""), "IMAGE_DATA_INVALID"),  # no IDAT
    ],
    ids=["zeroed-tail", "cut", "no-iend", "bad-crc", "no-idat"],
)
def test_a_damaged_png_is_refused_when_opened(damage: Callable[[bytes], bytes], code: str) -> None:
    data = _with_image(damage(_png()))
    assert _errors(_report(data)) == [(code, "/images/0")]
    with pytest.raises(GltfError, match=code):
        open_checked(data, name="m.glb")


def test_a_webp_shorter_than_its_riff_header_says_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "WEBP")
    webp = out.getvalue()
    assert _report(_with_image(webp, "image/webp")).ok
    cut = _with_image(webp[:-6], "image/webp")
    assert _errors(_report(cut)) == [("IMAGE_UNEXPECTED_EOS", "/images/0")]


def test_an_undecodable_jpeg_is_refused_at_export_naming_the_image() -> None:
    """JPEG scan data cannot be checked without decoding, so such a file opens; the runtime export
    (which re-encodes textures) refuses it with the image's pointer and a message without Pillow's
    object address."""
    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, "JPEG")
    jpeg = bytearray(out.getvalue())
    scan = jpeg.index(b"\xff\xda")
    jpeg[scan + 20 : -2] = bytes((i * 37) & 0xFF for i in range(len(jpeg) - scan - 22))
    editor = AvatarEditor.open(_with_image(bytes(jpeg), "image/jpeg"), name="m.glb")
    with pytest.raises(GltfError, match=r"IMAGE_DATA_INVALID at /images/0") as caught:
        editor.export_runtime("web")
    assert "<_io" not in str(caught.value) and "0x" not in str(caught.value)


# --- the editor ---------------------------------------------------------------------------------


def test_an_unnamed_material_can_be_tinted_by_the_name_the_editor_lists() -> None:
    """Many exporters leave materials unnamed; the editor listed "material 0", which apply()
    then refused ("no material called 'material 0'")."""
    data = _edited(make_avatar(vrm=None), lambda t: t["materials"][0].pop("name", None))
    editor = AvatarEditor.open(data, name="m.glb")
    [material] = editor.materials()
    assert material.name == "material_0"  # what the renderer's scene calls it too
    editor.apply({"materials": {"material_0": {"tint": "#ff0000"}}})
    assert editor.materials()[0].color == "#ff0000"


@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        ("x", "/extensions/VRM/materialProperties"),
        ([{"shader": 5}], "/extensions/VRM/materialProperties/0/shader"),
        (
            [{"shader": "VRM/MToon", "vectorProperties": {"_Color": "red"}}],
            "/extensions/VRM/materialProperties/0/vectorProperties/_Color",
        ),
    ],
)
def test_vrm0_material_properties_three_vrm_throws_on_are_refused(value: Any, pointer: str) -> None:
    """addon_simple_morph_vrm0.vrm with such materialProperties was imported and exported; three-vrm
    then failed to load both files (``materialPropertiesList.forEach is not a function``)."""
    data = _edited(
        make_avatar(vrm="0"), lambda t: t["extensions"]["VRM"].__setitem__("materialProperties", value)
    )
    assert _errors(_report(data)) == [("TYPE_MISMATCH", pointer)]
