"""Root checks: the asset object, the shape of top-level arrays, extensions used/required."""

from __future__ import annotations

import re
from typing import Any

from studio.gltf.validate.context import Context

TOP_LEVEL_ARRAYS = (
    "accessors",
    "animations",
    "buffers",
    "bufferViews",
    "cameras",
    "images",
    "materials",
    "meshes",
    "nodes",
    "samplers",
    "scenes",
    "skins",
    "textures",
)
_VERSION = re.compile(r"^([0-9]+)\.([0-9]+)$")

#: extensions the studio reads; a file may *require* only these (docs/gltf.md)
SUPPORTED_EXTENSIONS = frozenset(
    {
        "KHR_materials_unlit",
        "KHR_texture_transform",
        "KHR_materials_emissive_strength",
        "KHR_mesh_quantization",
        "EXT_texture_webp",
        "VRM",
        "VRMC_vrm",
        "VRMC_springBone",
        "VRMC_materials_mtoon",
        "VRMC_node_constraint",
        "VRMC_materials_hdr_emissiveMultiplier",
        "VRMC_vrm_animation",
    }
)


def check_root(ctx: Context) -> None:
    tree = ctx.doc.json
    asset = tree.get("asset")
    if asset is None:
        ctx.out.error("UNDEFINED_PROPERTY", "/", "Property 'asset' must be defined.")
    elif not isinstance(asset, dict):
        ctx.out.error("TYPE_MISMATCH", "/asset", "Type mismatch. Property value is not a 'object'.")
    else:
        _check_asset(ctx, asset)
    for key, value in tree.items():
        if value is None:
            ctx.out.error("TYPE_MISMATCH", f"/{key}", "Type mismatch. Property value null is not allowed.")
    for key in TOP_LEVEL_ARRAYS:
        _check_array(ctx, key)
    if "scene" in tree:
        ctx.ref(tree["scene"], "scenes", "/scene")
    _check_extensions(ctx)


def _check_asset(ctx: Context, asset: dict[str, object]) -> None:
    version = asset.get("version")
    if version is None:
        ctx.out.error("UNDEFINED_PROPERTY", "/asset", "Property 'version' must be defined.")
        return
    match = _VERSION.match(version) if isinstance(version, str) else None
    if match is None:
        ctx.out.error(
            "PATTERN_MISMATCH", "/asset/version", f"Value {version!r} does not match '[0-9]+.[0-9]+'."
        )
        return
    if match.group(1) != "2":
        ctx.out.error(
            "UNKNOWN_ASSET_MAJOR_VERSION",
            "/asset/version",
            f"Unknown glTF major asset version: {match.group(1)}.",
        )
    elif match.group(2) != "0":
        ctx.out.warning(
            "UNKNOWN_ASSET_MINOR_VERSION",
            "/asset/version",
            f"Unknown glTF minor asset version: {match.group(2)}.",
        )


def _check_array(ctx: Context, key: str) -> None:
    value = ctx.doc.json.get(key)
    if value is None:
        return
    pointer = f"/{key}"
    if not isinstance(value, list):
        ctx.out.error("TYPE_MISMATCH", pointer, "Type mismatch. Property value is not a 'array'.")
        return
    if not value:
        ctx.out.error("EMPTY_ENTITY", pointer, "Entity cannot be empty.")
    if len(value) > ctx.limits.max_array_items:
        ctx.out.error(
            "ARRAY_TOO_LONG", pointer, f"{len(value)} {key}; the limit is {ctx.limits.max_array_items}."
        )
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            ctx.out.error(
                "TYPE_MISMATCH", f"{pointer}/{i}", "Type mismatch. Array element is not a 'object'."
            )
            continue
        _check_common(ctx, item, f"{pointer}/{i}")


def _check_common(ctx: Context, obj: dict[str, Any], pointer: str) -> None:
    """``name`` is a string and ``extensions`` an object of objects, on every glTF object (glTF 2.0
    schema ``glTFChildOfRootProperty`` / ``glTFProperty``). The studio lists names in its editor and
    reads extensions with ``.get``: a number for a name or a string for an extension is refused here,
    as the Khronos validator does (TYPE_MISMATCH), rather than half-read later."""
    _check_nulls(ctx, obj, pointer)
    if "name" in obj and not isinstance(obj["name"], str):
        ctx.out.error("TYPE_MISMATCH", f"{pointer}/name", "Type mismatch. Property value is not a 'string'.")
    exts = obj.get("extensions")
    if exts is None:
        return
    if not isinstance(exts, dict):
        ctx.out.error(
            "TYPE_MISMATCH", f"{pointer}/extensions", "Type mismatch. Property value is not a 'object'."
        )
        return
    for name, ext in exts.items():
        if not isinstance(ext, dict):
            ctx.out.error(
                "TYPE_MISMATCH",
                f"{pointer}/extensions/{name}",
                "Type mismatch. Property value is not a 'object'.",
            )


def _check_nulls(ctx: Context, obj: dict[str, Any], pointer: str) -> None:
    """No glTF property may be ``null`` (Khronos: TYPE_MISMATCH). The studio's readers treat a
    present key as a value (``"bufferView" in accessor``), so a null is refused here. ``extras``
    and extension bodies are free-form and left alone."""
    stack: list[tuple[Any, str]] = [(obj, pointer)]
    while stack:
        value, at = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if item is None:
                ctx.out.error(
                    "TYPE_MISMATCH", f"{at}/{key}", "Type mismatch. Property value null is not allowed."
                )
            elif isinstance(item, dict | list) and key not in _FREE_FORM:
                stack.append((item, f"{at}/{key}"))


_FREE_FORM = ("extras", "extensions")


def _check_extensions(ctx: Context) -> None:
    tree = ctx.doc.json
    used = _names(ctx, "extensionsUsed")
    required = _names(ctx, "extensionsRequired")
    for i, name in enumerate(required):
        pointer = f"/extensionsRequired/{i}"
        if name not in used:
            ctx.out.error(
                "UNUSED_EXTENSION_REQUIRED", pointer, f"Unused extension '{name}' cannot be required."
            )
        if name not in SUPPORTED_EXTENSIONS:
            ctx.out.error(
                "UNSUPPORTED_REQUIRED_EXTENSION",
                pointer,
                f"The file requires extension '{name}', which the studio cannot read.",
            )
    for i, name in enumerate(used):
        if name not in SUPPORTED_EXTENSIONS:
            ctx.out.info(
                "UNSUPPORTED_EXTENSION",
                f"/extensionsUsed/{i}",
                f"Cannot validate an extension as it is not supported by the validator: '{name}'.",
            )
    _check_common(ctx, {"extensions": tree["extensions"]} if "extensions" in tree else {}, "")


def _names(ctx: Context, key: str) -> list[str]:
    value = ctx.doc.json.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        ctx.out.error(
            "TYPE_MISMATCH", f"/{key}", "Type mismatch. Property value is not a 'array' of 'string'."
        )
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    seen: set[str] = set()
    for i, v in enumerate(value):
        if v in seen:
            ctx.out.error("DUPLICATE_ELEMENTS", f"/{key}/{i}", f"Duplicate element: {v!r}.")
        seen.add(v)
    return list(value)


__all__ = ["SUPPORTED_EXTENSIONS", "TOP_LEVEL_ARRAYS", "check_root"]
