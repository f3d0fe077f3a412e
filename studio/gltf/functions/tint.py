"""tint: set a material's colour everywhere a renderer reads it.

- glTF core ``pbrMetallicRoughness.baseColorFactor`` (linear RGB);
- VRM 0.x ``extensions.VRM.materialProperties[i].vectorProperties._Color`` (sRGB, as UniVRM writes
  and three-vrm reads it: three-vrm applies gammaEOTF to it) and ``_ShadeColor``;
- VRM 1.0 ``materials[i].extensions.VRMC_materials_mtoon.shadeColorFactor`` (linear RGB); the MToon
  lit colour is ``baseColorFactor`` itself in 1.0.

The shade colour keeps its relation to the lit colour: new shade = new lit x (old shade / old lit),
per linear channel, the ratio clamped to [0, 1] (1 where the old lit channel was black). A skin whose
shadow was a warm pink of the lit colour stays a warm shadow of the new tone.
Only these fields change; everything else in the material is left as it was.
"""

from __future__ import annotations

from typing import Any

from studio.gltf.document import Document
from studio.gltf.functions._lookup import linear_to_srgb, srgb_to_linear

RGBA = tuple[float, float, float, float]


def tint(doc: Document, material: int, srgb: tuple[float, ...], *, keep_alpha: bool = True) -> None:
    """Set material ``material``'s colour to ``srgb`` (sRGB components in [0, 1], 3 or 4 of them).

    ``keep_alpha``: with 3 components, or when True, the existing alpha is kept.
    """
    mat = doc.items("materials")[material]
    pbr = mat.setdefault("pbrMetallicRoughness", {})
    old_lit = [float(v) for v in pbr.get("baseColorFactor", [1.0, 1.0, 1.0, 1.0])]
    alpha = old_lit[3] if keep_alpha or len(srgb) < 4 else float(srgb[3])
    lit = [srgb_to_linear(float(c)) for c in srgb[:3]]
    pbr["baseColorFactor"] = [*(_round(c) for c in lit), alpha]
    _tint_mtoon1(mat, old_lit, lit)
    _tint_vrm0(doc, material, lit, alpha)


def set_roughness(doc: Document, material: int, roughness: float) -> None:
    pbr = doc.items("materials")[material].setdefault("pbrMetallicRoughness", {})
    pbr["roughnessFactor"] = float(roughness)


def material_color(doc: Document, material: int) -> RGBA:
    """The material's lit colour as sRGB RGBA (what a colour picker shows)."""
    mat = doc.items("materials")[material]
    props = _vrm0_props(doc, material)
    color = (props or {}).get("vectorProperties", {}).get("_Color")
    if isinstance(color, list) and len(color) == 4:
        return (float(color[0]), float(color[1]), float(color[2]), float(color[3]))
    lin = mat.get("pbrMetallicRoughness", {}).get("baseColorFactor", [1.0, 1.0, 1.0, 1.0])
    r, g, b = (linear_to_srgb(float(c)) for c in lin[:3])
    return (r, g, b, float(lin[3]))


def _shade_for(new_lit: list[float], old_lit: list[float], old_shade: list[float]) -> list[float]:
    out = []
    for new, lit, shade in zip(new_lit, old_lit, old_shade, strict=False):
        ratio = 1.0 if lit <= 1e-6 else min(max(shade / lit, 0.0), 1.0)
        out.append(_round(new * ratio))
    return out


def _tint_mtoon1(mat: dict[str, Any], old_lit: list[float], lit: list[float]) -> None:
    mtoon = (mat.get("extensions") or {}).get("VRMC_materials_mtoon")
    if not isinstance(mtoon, dict):
        return
    old_shade = [float(v) for v in mtoon.get("shadeColorFactor", [0.0, 0.0, 0.0])]
    mtoon["shadeColorFactor"] = _shade_for(lit, old_lit[:3], old_shade)


def _vrm0_props(doc: Document, material: int) -> dict[str, Any] | None:
    vrm = doc.extension("VRM")
    props = (vrm or {}).get("materialProperties")
    if isinstance(props, list) and material < len(props) and isinstance(props[material], dict):
        return props[material]
    return None


def _tint_vrm0(doc: Document, material: int, lit: list[float], alpha: float) -> None:
    props = _vrm0_props(doc, material)
    if props is None or props.get("shader") == "VRM_USE_GLTFSHADER":
        return
    vectors = props.setdefault("vectorProperties", {})
    old = [srgb_to_linear(float(c)) for c in vectors.get("_Color", [1.0, 1.0, 1.0, 1.0])[:3]]
    vectors["_Color"] = [*(_round(linear_to_srgb(c)) for c in lit), alpha]
    if "_ShadeColor" in vectors:
        shade_srgb = vectors["_ShadeColor"]
        old_shade = [srgb_to_linear(float(c)) for c in shade_srgb[:3]]
        new_shade = _shade_for(lit, old, old_shade)
        tail = list(shade_srgb[3:4]) or [1.0]
        vectors["_ShadeColor"] = [*(_round(linear_to_srgb(c)) for c in new_shade), *tail]


def _round(value: float) -> float:
    return round(float(value), 6)
