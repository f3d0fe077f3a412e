"""Root checks: the asset object, the shape of top-level arrays, extensions used/required."""

from __future__ import annotations

import re

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
    exts = tree.get("extensions")
    if exts is not None and not isinstance(exts, dict):
        ctx.out.error("TYPE_MISMATCH", "/extensions", "Type mismatch. Property value is not a 'object'.")


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
