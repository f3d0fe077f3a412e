"""Images, textures, samplers and material texture references. Image bytes are sniffed by their
magic bytes and sized from their headers; nothing is decoded and no URI is ever fetched."""

from __future__ import annotations

from typing import Any

from studio.gltf.errors import GltfError
from studio.gltf.images import ALLOWED_MIME_TYPES, check_stream, read_header
from studio.gltf.io import decode_data_uri
from studio.gltf.validate.context import Context, as_index, is_int, is_number

_FILTERS = {"magFilter": (9728, 9729), "minFilter": (9728, 9729, 9984, 9985, 9986, 9987)}
_WRAPS = (33071, 33648, 10497)
_TEXTURE_EXTENSIONS = ("EXT_texture_webp", "KHR_texture_basisu", "EXT_texture_avif", "MSFT_texture_dds")
_MATERIAL_TEXTURES = ("normalTexture", "occlusionTexture", "emissiveTexture")
_PBR_TEXTURES = ("baseColorTexture", "metallicRoughnessTexture")
_ALPHA_MODES = ("OPAQUE", "MASK", "BLEND")


def check_images(ctx: Context) -> None:
    for i, image in ctx.entries("images"):
        pointer = f"/images/{i}"
        has_uri, has_view = "uri" in image, "bufferView" in image
        if has_uri == has_view:
            ctx.out.error(
                "ONE_OF_MISMATCH", pointer, "Exactly one of ('uri', 'bufferView') properties must be defined."
            )
            continue
        mime = image.get("mimeType")
        if mime is not None and mime not in ALLOWED_MIME_TYPES:
            ctx.out.error(
                "VALUE_NOT_IN_LIST",
                f"{pointer}/mimeType",
                f"Invalid value {mime!r}. Valid values are {ALLOWED_MIME_TYPES}.",
            )
        data: bytes | memoryview | None
        if has_view:
            data = _view_image(ctx, image, pointer)
        else:
            data = _uri_image(ctx, image.get("uri"), f"{pointer}/uri")
        if data is not None:
            _check_image_bytes(ctx, data, mime if isinstance(mime, str) else None, pointer)


def _view_image(ctx: Context, image: dict[str, Any], pointer: str) -> memoryview | None:
    if "mimeType" not in image:
        ctx.out.error("UNSATISFIED_DEPENDENCY", pointer, "Dependency failed. 'mimeType' must be defined.")
    index = ctx.ref(image["bufferView"], "bufferViews", f"{pointer}/bufferView")
    if index is None or f"/bufferViews/{index}" in ctx.out.broken:
        return None
    view = ctx.doc.items("bufferViews")[index]
    if "byteStride" in view:
        ctx.out.error(
            "IMAGE_BUFFER_VIEW_WITH_BYTESTRIDE",
            f"{pointer}/bufferView",
            "bufferView.byteStride must not be defined for buffer views containing image data.",
        )
    buffer = view["buffer"]
    if not ctx.doc.has_buffer_data(buffer):
        return None
    data = ctx.doc.buffer_view_bytes(index)
    return data if len(data) == view["byteLength"] else None


def _uri_image(ctx: Context, uri: Any, pointer: str) -> bytes | None:
    if not isinstance(uri, str):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Property value is not a 'string'.")
        return None
    if not uri.startswith("data:"):
        return None  # external: reported by the policy checks, never opened
    try:
        decoded = decode_data_uri(uri, ctx.limits, pointer=pointer)
    except GltfError as exc:
        ctx.out.error(exc.code, pointer, exc.detail)
        return None
    if decoded is None:
        ctx.out.error("INVALID_URI", pointer, "Invalid URI: not a base64 data: URI.")
        return None
    return decoded[1]


def _check_image_bytes(ctx: Context, data: bytes | memoryview, mime: str | None, pointer: str) -> None:
    try:
        header = read_header(data)
    except GltfError as exc:
        ctx.out.error(exc.code, pointer, exc.detail)
        return
    if mime is not None and mime != header.mime_type:
        ctx.out.error(
            "IMAGE_MIME_TYPE_INVALID",
            pointer,
            f"Recognized image format '{header.mime_type}' does not match declared image format '{mime}'.",
        )
    if header.pixels > ctx.limits.max_image_pixels:
        ctx.out.error(
            "IMAGE_TOO_LARGE",
            pointer,
            f"Image is {header.width}x{header.height}; the limit is {ctx.limits.max_image_pixels} pixels.",
        )
        return
    try:
        check_stream(data, header.mime_type)
    except GltfError as exc:
        ctx.out.error(exc.code, pointer, exc.detail)


def check_textures(ctx: Context) -> None:
    for i, texture in ctx.entries("textures"):
        pointer = f"/textures/{i}"
        if "source" in texture:
            ctx.ref(texture["source"], "images", f"{pointer}/source")
        if "sampler" in texture:
            ctx.ref(texture["sampler"], "samplers", f"{pointer}/sampler")
        exts = texture.get("extensions")  # its type: structure.check_root
        for name in _TEXTURE_EXTENSIONS:
            ext = exts.get(name) if isinstance(exts, dict) else None
            if isinstance(ext, dict) and "source" in ext:
                ctx.ref(ext["source"], "images", f"{pointer}/extensions/{name}/source")
    for i, sampler in ctx.entries("samplers"):
        for prop, valid in (*_FILTERS.items(), ("wrapS", _WRAPS), ("wrapT", _WRAPS)):
            value = sampler.get(prop)
            if value is not None and not is_int(value):
                ctx.out.error(
                    "TYPE_MISMATCH",
                    f"/samplers/{i}/{prop}",
                    f"Type mismatch. Property value {value!r} is not a 'integer'.",
                )
            elif value is not None and value not in valid:
                ctx.out.warning(
                    "VALUE_NOT_IN_LIST",
                    f"/samplers/{i}/{prop}",
                    f"Invalid value {value!r}. Valid values are {valid}.",
                )


def check_materials(ctx: Context) -> None:
    for i, material in ctx.entries("materials"):
        pointer = f"/materials/{i}"
        for prop in _MATERIAL_TEXTURES:
            _texture_info(ctx, material.get(prop), f"{pointer}/{prop}")
        pbr = ctx.mapping(material, "pbrMetallicRoughness", pointer) or {}
        for prop in _PBR_TEXTURES:
            _texture_info(ctx, pbr.get(prop), f"{pointer}/pbrMetallicRoughness/{prop}")
        _check_factors(ctx, material, pbr, pointer)
        mode = material.get("alphaMode")
        if mode is not None and mode not in _ALPHA_MODES:
            ctx.out.error(
                "VALUE_NOT_IN_LIST",
                f"{pointer}/alphaMode",
                f"Invalid value {mode!r}. Valid values are {_ALPHA_MODES}.",
            )


#: material property -> (number of components, or 0 for a single number; lowest; highest or None)
_FACTORS = {
    "baseColorFactor": (4, 0.0, 1.0),
    "metallicFactor": (0, 0.0, 1.0),
    "roughnessFactor": (0, 0.0, 1.0),
    "emissiveFactor": (3, 0.0, 1.0),
    "alphaCutoff": (0, 0.0, None),
}


def _check_factors(ctx: Context, material: dict[str, Any], pbr: dict[str, Any], pointer: str) -> None:
    """Colour and factor types as the glTF schema gives them. A wrong type or length is an error
    (TYPE_MISMATCH / ARRAY_TYPE_MISMATCH / ARRAY_LENGTH_NOT_IN_LIST, as Khronos): the editor's tint
    and the renderer read these numbers. A value out of its range is a warning only (Khronos says
    error): renderers clamp it, and exporters write e.g. 1.0000001."""
    for prop, (size, low, high) in _FACTORS.items():
        holder, where = (
            (pbr, f"{pointer}/pbrMetallicRoughness") if prop in _PBR_FACTORS else (material, pointer)
        )
        if prop not in holder:
            continue
        value, at = holder[prop], f"{where}/{prop}"
        values = _numbers(ctx, value, size, at)
        for c, v in enumerate(values or []):
            if v < low or (high is not None and v > high):
                ctx.out.warning(
                    "VALUE_NOT_IN_RANGE", f"{at}/{c}" if size else at, f"Value {v} is out of range."
                )
    if "doubleSided" in material and not isinstance(material["doubleSided"], bool):
        ctx.out.error(
            "TYPE_MISMATCH", f"{pointer}/doubleSided", "Type mismatch. Property value is not a 'boolean'."
        )


_PBR_FACTORS = ("baseColorFactor", "metallicFactor", "roughnessFactor")


def _numbers(ctx: Context, value: Any, size: int, pointer: str) -> list[float] | None:
    """``value`` as a list of numbers (one for a scalar property), or None after reporting why not."""
    if size == 0:
        if is_number(value):
            return [float(value)]
        ctx.out.error(
            "TYPE_MISMATCH", pointer, f"Type mismatch. Property value {value!r:.40} is not a 'number'."
        )
        return None
    if not isinstance(value, list):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Property value is not a 'array'.")
        return None
    if len(value) != size:
        ctx.out.error(
            "ARRAY_LENGTH_NOT_IN_LIST",
            pointer,
            f"Invalid array length {len(value)}. Valid lengths are: ({size}).",
        )
        return None
    bad = [c for c, v in enumerate(value) if not is_number(v)]
    if bad:
        ctx.out.error(
            "ARRAY_TYPE_MISMATCH",
            f"{pointer}/{bad[0]}",
            f"Type mismatch. Array element {value[bad[0]]!r:.40} is not a 'number'.",
        )
        return None
    return [float(v) for v in value]


def _texture_info(ctx: Context, info: Any, pointer: str) -> None:
    if info is None:
        return
    if not isinstance(info, dict):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Property value is not a 'object'.")
        return
    ctx.ref(info.get("index"), "textures", f"{pointer}/index", required=True)
    if "texCoord" in info and as_index(info["texCoord"]) is None:
        ctx.out.error(
            "TYPE_MISMATCH", f"{pointer}/texCoord", "Type mismatch. Property value is not a 'integer'."
        )
