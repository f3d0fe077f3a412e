"""VRM 0.x ``materialProperties`` -> ``VRMC_materials_mtoon`` 1.0 (part of :mod:`studio.gltf.vrm.migrate`).

Formulas follow UniVRM's ``MigrationMToonMaterial`` / ``MToon10Migrator`` (the reference migrator):
shading toony/shift from the 0.x shading range, GI equalisation ``1 - _IndirectLightIntensity``,
outline widths (world: cm -> m; screen: 1/200), UV scroll Y negated, rotation turns/s -> rad/s,
transparent render queues ranked to 1.0's offsets (-9..0 transparent, 0..9 with z-write).

The glTF material stays a plain PBR fallback (no ``KHR_materials_unlit`` added): base colour
texture, alpha mode, double-sidedness, normal map and emission are set from the MToon values;
``baseColorFactor`` keeps the file's own linear value when it has one (UniVRM 0.x writes
linear(_Color) there; a file that disagrees is noted). 0.x colours are Unity gamma-space values
(sRGB -> linear), except emission (already linear in UniVRM's export).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from studio.gltf.vrm.fields import index, number, numbers, obj, text

if TYPE_CHECKING:
    from studio.gltf.document import Document
    from studio.gltf.vrm.migrate import MigrationReport

_UNLIT = {"VRM/UnlitTexture": "OPAQUE", "VRM/UnlitCutout": "MASK", "VRM/UnlitTransparent": "BLEND"}
_MODES = {0: "OPAQUE", 1: "MASK", 2: "BLEND", 3: "BLEND"}
#: 0.x features with no 1.0 counterpart: (property, value that means "not used")
_UNSUPPORTED = (
    ("_ReceiveShadowRate", 1.0),
    ("_ShadingGradeRate", 1.0),
    ("_LightColorAttenuation", 0.0),
    ("_OutlineScaledMaxDistance", 1.0),
)


def srgb_to_linear(c: float) -> float:
    c = max(c, 0.0)
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _linear(rgb: tuple[float, ...], default: tuple[float, ...] = (0.0, 0.0, 0.0)) -> list[float]:
    values = list(rgb[:3]) if len(rgb) >= 3 else list(default)
    return [srgb_to_linear(c) for c in values]


def migrate_materials(doc: Document, props: list[Any], report: MigrationReport) -> list[str]:
    """Rewrite ``doc``'s materials paired by index with ``props``; returns extensions now used."""
    materials = doc.items("materials")
    entries = [(i, obj(p)) for i, p in enumerate(props) if i < len(materials)]
    if len(props) > len(materials):
        report.drop(f"materialProperties[{len(materials)}:]: no glTF material to pair with")
    queues = _queue_ranks([p for _, p in entries if text(p.get("shader")) == "VRM/MToon"])
    used: list[str] = []
    for i, prop in entries:
        shader = text(prop.get("shader"))
        where = f"materialProperties[{i}] ({text(prop.get('name'))})"
        if shader == "VRM/MToon":
            used += _mtoon(doc, materials[i], prop, queues, where, report)
        elif shader in _UNLIT:
            _unlit(materials[i], prop, _UNLIT[shader])
            used.append("KHR_materials_unlit")
        elif shader not in ("VRM_USE_GLTFSHADER", ""):
            report.drop(f"{where}: shader {shader!r} has no 1.0 form; the glTF material is kept as it is")
    return used


def _queue_ranks(props: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """(blend mode, 0.x renderQueue) -> 1.0 renderQueueOffsetNumber, order kept (UniVRM)."""
    ranks: dict[tuple[int, int], int] = {}
    for mode, step in ((2, -1), (3, 1)):
        values = {int(number(p.get("renderQueue"))) for p in props if _mode(p) == mode}
        ordered = sorted(values, reverse=step < 0)
        for rank, queue in enumerate(ordered):
            ranks[(mode, queue)] = max(-9, min(9, rank * step))
    return ranks


def _mode(prop: dict[str, Any]) -> int:
    return int(number(obj(prop.get("floatProperties")).get("_BlendMode")))


def _unlit(material: dict[str, Any], prop: dict[str, Any], mode: str) -> None:
    material.setdefault("extensions", {})["KHR_materials_unlit"] = {}
    material["alphaMode"] = mode
    main = index(obj(prop.get("textureProperties")).get("_MainTex"))
    if main is not None:
        material.setdefault("pbrMetallicRoughness", {}).setdefault("baseColorTexture", {"index": main})


def _mtoon(
    doc: Document,
    material: dict[str, Any],
    prop: dict[str, Any],
    queues: dict[tuple[int, int], int],
    where: str,
    report: MigrationReport,
) -> list[str]:
    floats = obj(prop.get("floatProperties"))
    vectors = {k: numbers(v) for k, v in obj(prop.get("vectorProperties")).items()}
    textures = {k: index(v) for k, v in obj(prop.get("textureProperties")).items()}
    transform = main_tex_transform(vectors.get("_MainTex", ()))

    def info(name: str) -> dict[str, Any] | None:
        tex = textures.get(name)
        if tex is None or tex >= len(doc.items("textures")):
            return None
        out: dict[str, Any] = {"index": tex}
        if transform is not None:
            out["extensions"] = {"KHR_texture_transform": dict(transform)}
        return out

    _fallback(material, floats, vectors, info, where, report)
    ext = _shading(floats, vectors, info)
    ext.update(_outline_rim_uv(floats, vectors, info, where, report))
    mode = _mode(prop)
    ext["transparentWithZWrite"] = mode == 3
    ext["renderQueueOffsetNumber"] = queues.get((mode, int(number(prop.get("renderQueue")))), 0)
    material.setdefault("extensions", {})["VRMC_materials_mtoon"] = ext
    _unsupported(floats, textures, where, report)
    return ["VRMC_materials_mtoon"] + (["KHR_texture_transform"] if transform is not None else [])


def _fallback(
    material: dict[str, Any],
    floats: dict[str, Any],
    vectors: dict[str, tuple[float, ...]],
    info: Any,
    where: str,
    report: MigrationReport,
) -> None:
    mode = int(number(floats.get("_BlendMode")))
    material["alphaMode"] = _MODES.get(mode, "OPAQUE")
    if mode == 1:
        material["alphaCutoff"] = number(floats.get("_Cutoff"), 0.5)
    else:
        material.pop("alphaCutoff", None)
    cull = int(number(floats.get("_CullMode"), 2.0))
    material["doubleSided"] = cull != 2
    if cull == 1:
        report.drop(f"{where}: front-face culling (glTF has none; drawn double-sided)")
    pbr = material.setdefault("pbrMetallicRoughness", {})
    color = vectors.get("_Color", (1.0, 1.0, 1.0, 1.0))
    wanted = [*_linear(color, (1.0, 1.0, 1.0)), color[3] if len(color) > 3 else 1.0]
    if "baseColorFactor" not in pbr:
        pbr["baseColorFactor"] = wanted
    elif max(abs(a - b) for a, b in zip(pbr["baseColorFactor"], wanted, strict=False)) > 2 / 255:
        report.note(f"{where}: baseColorFactor kept; the MToon _Color (sRGB) would give {wanted}")
    for key, name in (("baseColorTexture", "_MainTex"),):
        if info(name) is not None:
            pbr[key] = info(name)
    if info("_BumpMap") is not None:
        material["normalTexture"] = {**info("_BumpMap"), "scale": number(floats.get("_BumpScale"), 1.0)}
    emission = list(vectors.get("_EmissionColor", (0.0, 0.0, 0.0)))[:3]
    if any(c > 1.0 for c in emission):
        report.note(f"{where}: _EmissionColor above 1 clamped (glTF emissiveFactor is 0..1)")
    if any(c > 0.0 for c in emission) or "emissiveFactor" not in material:
        material["emissiveFactor"] = [min(max(c, 0.0), 1.0) for c in emission] + [0.0] * (3 - len(emission))
    if info("_EmissionMap") is not None:
        material["emissiveTexture"] = info("_EmissionMap")


def _shading(floats: dict[str, Any], vectors: dict[str, tuple[float, ...]], info: Any) -> dict[str, Any]:
    toony0, shift0 = number(floats.get("_ShadeToony"), 0.9), number(floats.get("_ShadeShift"))
    low, high = shift0, 1.0 + (shift0 - 1.0) * toony0  # the 0.x shading range (MToon10Migrator)
    ext: dict[str, Any] = {
        "specVersion": "1.0",
        "shadeColorFactor": _linear(vectors.get("_ShadeColor", (0.97, 0.81, 0.86))),
        "shadingShiftFactor": min(max(-(high + low) * 0.5, -1.0), 1.0),
        "shadingToonyFactor": min(max((2.0 - (high - low)) * 0.5, 0.0), 1.0),
        "giEqualizationFactor": min(max(1.0 - number(floats.get("_IndirectLightIntensity"), 0.1), 0.0), 1.0),
    }
    # 0.x without a shade texture shaded with the lit texture (UniVRM's "destructive migration")
    shade = info("_ShadeTexture") or info("_MainTex")
    if shade is not None:
        ext["shadeMultiplyTexture"] = shade
    return ext


def _outline_rim_uv(
    floats: dict[str, Any],
    vectors: dict[str, tuple[float, ...]],
    info: Any,
    where: str,
    report: MigrationReport,
) -> dict[str, Any]:
    ext: dict[str, Any] = {
        "parametricRimColorFactor": _linear(vectors.get("_RimColor", (0.0, 0.0, 0.0))),
        "parametricRimFresnelPowerFactor": number(floats.get("_RimFresnelPower"), 1.0),
        "parametricRimLiftFactor": number(floats.get("_RimLift")),
        "rimLightingMixFactor": 1.0,
        "matcapFactor": [0.0, 0.0, 0.0],
        "uvAnimationScrollXSpeedFactor": number(floats.get("_UvAnimScrollX")),
        "uvAnimationScrollYSpeedFactor": -number(floats.get("_UvAnimScrollY")),
        "uvAnimationRotationSpeedFactor": number(floats.get("_UvAnimRotation")) * 2.0 * math.pi,
    }
    if number(floats.get("_RimLightingMix"), 1.0) != 1.0:
        report.note(f"{where}: rim lighting mix set to 1 (1.0 merges rim with matcap; UniVRM does the same)")
    if info("_SphereAdd") is not None:
        ext["matcapTexture"], ext["matcapFactor"] = info("_SphereAdd"), [1.0, 1.0, 1.0]
        report.note(f"{where}: sphere-add texture became the matcap (1.0 blends it differently)")
    for key, name in (
        ("rimMultiplyTexture", "_RimTexture"),
        ("outlineWidthMultiplyTexture", "_OutlineWidthTexture"),
        ("uvAnimationMaskTexture", "_UvAnimMaskTexture"),
    ):
        if info(name) is not None:
            ext[key] = info(name)
    ext.update(outline_v0(floats, vectors))
    return ext


def main_tex_transform(st: Sequence[float]) -> dict[str, list[float]] | None:
    """0.x ``_MainTex`` (offset x, offset y, scale x, scale y, in Unity's bottom-left UV origin) as
    a ``KHR_texture_transform`` (glTF's origin is top-left); None when it changes nothing."""
    if len(st) != 4 or tuple(st) == (0.0, 0.0, 1.0, 1.0):
        return None
    return {"offset": [st[0], 1.0 - st[1] - st[3]], "scale": [st[2], st[3]]}


def outline_v0(floats: dict[str, Any], vectors: dict[str, tuple[float, ...]]) -> dict[str, Any]:
    """A 0.x MToon outline as 1.0 fields: width cm -> m (world) or 1/200 (screen), gamma colour ->
    linear, a fixed-colour mode -> no lighting mix."""
    width_mode = int(number(floats.get("_OutlineWidthMode")))
    out: dict[str, Any] = {
        "outlineWidthMode": {1: "worldCoordinates", 2: "screenCoordinates"}.get(width_mode, "none"),
        "outlineColorFactor": _linear(vectors.get("_OutlineColor", (0.0, 0.0, 0.0))),
    }
    if width_mode in (1, 2):
        out["outlineWidthFactor"] = number(floats.get("_OutlineWidth")) * (0.01 if width_mode == 1 else 0.005)
    fixed = int(number(floats.get("_OutlineColorMode"))) == 0
    out["outlineLightingMixFactor"] = 0.0 if fixed else number(floats.get("_OutlineLightingMix"), 1.0)
    return out


def _unsupported(
    floats: dict[str, Any], textures: dict[str, int | None], where: str, report: MigrationReport
) -> None:
    for name, neutral in _UNSUPPORTED:
        if name in floats and abs(number(floats[name], neutral) - neutral) > 1e-6:
            report.drop(f"{where}: {name} = {number(floats[name]):g} has no 1.0 counterpart")
    for name in ("_ReceiveShadowTexture", "_ShadingGradeTexture"):
        if textures.get(name) is not None:
            report.drop(f"{where}: {name} has no 1.0 counterpart")
