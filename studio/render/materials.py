"""Materials and base colour images for the renderer.

glTF PBR is approximated by a lambert term; MToon (VRM 0.x ``materialProperties`` and VRM 1.0
``VRMC_materials_mtoon``) by a two-tone ramp between the lit colour (base colour) and the shade
colour. Images are decoded with Pillow under the pixel cap of :mod:`studio.gltf.limits`; an image
that cannot be decoded is reported in ``warnings`` and the material is drawn untextured, because a
preview of a slightly broken file is more useful than none (validation reports the defect).
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from PIL import Image

from studio.gltf.document import Document
from studio.gltf.limits import DEFAULT_LIMITS, Limits
from studio.gltf.vrm.fields import numbers
from studio.gltf.vrm.migrate_mtoon import main_tex_transform, outline_v0
from studio.render.model import ALPHA_BLEND, ALPHA_MASK, ALPHA_OPAQUE, Material
from studio.threads import image_threads

MTOON0 = "VRM/MToon"
#: what reading a damaged image can raise (Pillow: SyntaxError for a broken PNG chunk, EOFError for a
#: cut file, OSError/ValueError for the rest)
UNDECODABLE = (OSError, ValueError, KeyError, IndexError, TypeError, SyntaxError, EOFError)


def srgb_to_linear(c: Any) -> np.ndarray:
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, None)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def read_materials(doc: Document) -> list[Material]:
    vrm0_props = _vrm0_material_properties(doc)
    out = []
    for i, mat in enumerate(doc.items("materials")):
        name = str(mat.get("name") or f"material_{i}")
        pbr = mat.get("pbrMetallicRoughness", {})
        exts = mat.get("extensions", {}) or {}
        m = Material(
            name=name,
            base_color=_rgba(pbr.get("baseColorFactor", (1.0, 1.0, 1.0, 1.0))),
            texture=texture_image(doc, pbr.get("baseColorTexture", {}).get("index")),
            alpha_mode=str(mat.get("alphaMode", ALPHA_OPAQUE)),
            alpha_cutoff=float(mat.get("alphaCutoff", 0.5)),
            double_sided=bool(mat.get("doubleSided", False)),
            emissive=_rgb(mat.get("emissiveFactor", (0.0, 0.0, 0.0))),
            unlit="KHR_materials_unlit" in exts,
        )
        _texture_transform(m, pbr.get("baseColorTexture"))
        if m.alpha_mode not in (ALPHA_OPAQUE, ALPHA_MASK, ALPHA_BLEND):
            m.alpha_mode = ALPHA_OPAQUE
        mtoon1 = exts.get("VRMC_materials_mtoon")
        if isinstance(mtoon1, dict):
            m.toon, m.unlit = True, False
            m.shade_color = _rgb(mtoon1.get("shadeColorFactor", (0.0, 0.0, 0.0)))
            _outline(m, mtoon1)
        props = vrm0_props.get(name) or vrm0_props.get(i)
        if props is not None and props.get("shader") == MTOON0:
            _apply_mtoon0(doc, m, props, has_pbr_color="baseColorFactor" in pbr)
        out.append(m)
    return out


def _texture_transform(m: Material, info: Any) -> None:
    """``KHR_texture_transform`` on the base colour texture (offset, rotation, scale; a malformed
    value is ignored: the texture is drawn untransformed)."""
    exts = info.get("extensions") if isinstance(info, dict) else None
    ext = exts.get("KHR_texture_transform") if isinstance(exts, dict) else None
    if not isinstance(ext, dict):
        return
    try:
        offset = [float(v) for v in ext.get("offset", (0.0, 0.0))][:2]
        scale = [float(v) for v in ext.get("scale", (1.0, 1.0))][:2]
        rotation = float(ext.get("rotation", 0.0))
    except (TypeError, ValueError):
        return
    if len(offset) == 2 and len(scale) == 2 and all(np.isfinite([*offset, *scale, rotation])):
        m.uv_offset, m.uv_scale, m.uv_rotation = (offset[0], offset[1]), (scale[0], scale[1]), rotation


def _vrm0_material_properties(doc: Document) -> dict[Any, dict[str, Any]]:
    vrm = doc.extension("VRM")
    props = vrm.get("materialProperties") if vrm else None
    found: dict[Any, dict[str, Any]] = {}
    for i, p in enumerate(props if isinstance(props, list) else []):
        if isinstance(p, dict):
            found[i] = p
            if p.get("name"):
                found[str(p["name"])] = p
    return found


def _apply_mtoon0(doc: Document, m: Material, props: dict[str, Any], *, has_pbr_color: bool) -> None:
    # VRM 0.x stores MToon colours as Unity gamma-space values (what three-vrm converts from).
    vec = props.get("vectorProperties", {}) or {}
    m.toon, m.unlit = True, False
    if "_ShadeColor" in vec:
        m.shade_color = _rgb(srgb_to_linear(vec["_ShadeColor"][:3]))
    if "_Color" in vec and not has_pbr_color:
        rgb = srgb_to_linear(vec["_Color"][:3])
        m.base_color = (*_rgb(rgb), float(vec["_Color"][3]) if len(vec["_Color"]) > 3 else 1.0)
    main_tex = (props.get("textureProperties", {}) or {}).get("_MainTex")
    if m.texture is None and main_tex is not None:
        m.texture = texture_image(doc, main_tex)
    floats = props.get("floatProperties", {}) or {}
    vectors = {k: numbers(v) for k, v in vec.items()}
    transform = main_tex_transform(vectors.get("_MainTex", ()))
    if transform is not None and m.uv_scale == (1.0, 1.0) and m.uv_offset == (0.0, 0.0):
        m.uv_offset = (transform["offset"][0], transform["offset"][1])
        m.uv_scale = (transform["scale"][0], transform["scale"][1])
    _outline(m, outline_v0(floats if isinstance(floats, dict) else {}, vectors))


_OUTLINE_MODES = {"worldCoordinates": "world", "screenCoordinates": "screen"}


def _outline(m: Material, mtoon: dict[str, Any]) -> None:
    """MToon 1.0 outline fields (0.x ones arrive converted by ``outline_v0``); a zero or malformed
    width draws none."""
    mode = _OUTLINE_MODES.get(str(mtoon.get("outlineWidthMode", "none")))
    try:
        width = float(mtoon.get("outlineWidthFactor", 0.0))
        mix = float(mtoon.get("outlineLightingMixFactor", 1.0))
        color = _rgb(mtoon.get("outlineColorFactor", (0.0, 0.0, 0.0)))
    except (TypeError, ValueError):
        return
    if mode is None or not np.isfinite([width, mix, *color]).all() or width <= 0.0:
        return
    m.outline, m.outline_width, m.outline_color = mode, min(width, 1.0), color
    m.outline_mix = min(max(mix, 0.0), 1.0)


def texture_image(doc: Document, texture_index: Any) -> int | None:
    """The image index a texture samples (``EXT_texture_webp`` source preferred), or None."""
    if texture_index is None:
        return None
    textures = doc.items("textures")
    if not 0 <= int(texture_index) < len(textures):
        return None
    tex = textures[int(texture_index)]
    webp = (tex.get("extensions", {}) or {}).get("EXT_texture_webp", {})
    source = webp.get("source", tex.get("source")) if isinstance(webp, dict) else tex.get("source")
    return int(source) if source is not None else None


def decode_images(
    doc: Document, wanted: set[int], *, max_size: int | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[int, np.ndarray], list[str]]:
    """Decode images ``wanted`` to RGBA uint8 arrays (bottom row first is NOT applied: glTF UV
    (0, 0) is the top-left, which is also the first row here). ``max_size`` downsizes larger images
    (thumbnails do not need 2048² textures). On :func:`~studio.threads.image_threads` threads (two by
    default): Pillow releases the GIL while decoding."""
    images = doc.items("images")
    todo = sorted(i for i in wanted if 0 <= i < len(images))
    warnings: list[str] = []

    def one(i: int) -> np.ndarray | None:
        try:
            return _decode(doc, images[i], max_size, limits)
        except (*UNDECODABLE, Image.DecompressionBombError) as exc:
            warnings.append(f"image {i} is drawn untextured: {exc}")
            return None

    with ThreadPoolExecutor(max_workers=image_threads()) as pool:
        results = list(pool.map(one, todo))
    return {i: arr for i, arr in zip(todo, results, strict=True) if arr is not None}, warnings


def image_keys(
    doc: Document, decoded: Iterable[int], max_size: int | None, limits: Limits
) -> dict[int, bytes]:
    """A digest of each decoded image's file bytes (and the size cap): equal keys, equal pixels.
    The preview keeps a texture on the GPU across scenes with the same key (an equip rebuilds the
    scene from the same file: its textures need not be uploaded again)."""
    images = doc.items("images")
    out = {}
    for i in decoded:
        try:
            data = _image_bytes(doc, images[i], limits)
        except UNDECODABLE:
            continue
        out[i] = hashlib.blake2b(data, digest_size=16, person=str(max_size or 0).encode()[:16]).digest()
    return out


def _decode(doc: Document, image: dict[str, Any], max_size: int | None, limits: Limits) -> np.ndarray:
    data = _image_bytes(doc, image, limits)
    with Image.open(io.BytesIO(data)) as opened:
        img: Image.Image = opened
        w, h = img.size
        if w * h > limits.max_image_pixels:
            raise ValueError(f"{w}x{h} pixels exceeds the cap of {limits.max_image_pixels}")
        if max_size and max(w, h) > max_size:
            factor = -(-max(w, h) // max_size)
            img.draft("RGB", (w // factor, h // factor))  # JPEG decodes at the reduced size itself
            img = img.reduce(-(-max(img.size) // max_size)) if max(img.size) > max_size else img
        return np.asarray(img.convert("RGBA"))


def _image_bytes(doc: Document, image: dict[str, Any], limits: Limits) -> bytes:
    if "bufferView" in image:
        return bytes(doc.buffer_view_bytes(int(image["bufferView"])))
    uri = str(image.get("uri", ""))
    if uri.startswith("data:") and "," in uri:
        head, payload = uri.split(",", 1)
        if len(payload) * 3 // 4 > limits.max_data_uri_bytes:
            raise ValueError("data URI exceeds the size cap")
        return base64.b64decode(payload) if head.endswith(";base64") else payload.encode()
    raise ValueError("image data outside the file is never loaded")


def _rgba(v: Any) -> tuple[float, float, float, float]:
    vals = [float(x) for x in list(v)[:4]] + [1.0] * 4
    return (vals[0], vals[1], vals[2], vals[3])


def _rgb(v: Any) -> tuple[float, float, float]:
    vals = [float(x) for x in list(v)[:3]] + [0.0] * 3
    return (vals[0], vals[1], vals[2])
