"""Named materials with procedural textures (VRoid names: ``Body_00_SKIN``, ``EyeIris_00_EYE``...)."""

from __future__ import annotations

import numpy as np

from studio.procedural import eyes, textures
from studio.procedural.face_texture import face
from studio.procedural.geometry import Part
from studio.procedural.head import FaceLayout
from studio.procedural.items import ItemGeometry
from studio.procedural.model import Material
from studio.procedural.spec import AvatarSpec


def _shade(colour: tuple[float, float, float], k: float = 0.78) -> tuple[float, float, float]:
    return (colour[0] * k, colour[1] * k * 0.95, colour[2] * k * 0.95)


def textured(
    name: str,
    pixels: np.ndarray,
    shade: tuple[float, float, float],
    spec: AvatarSpec,
    *,
    double_sided: bool = False,
) -> Material:
    """A material with its texture; heavy avatars also get a shade texture and a normal map."""
    mat = Material(name, (1, 1, 1, 1), textures.encode_png(pixels), shade, double_sided=double_sided)
    if spec.detail.heavy:
        mat.shade_png = textures.encode_png(textures.shade_map(pixels, shade))
        mat.normal_png = textures.encode_png(textures.normal_map(pixels, spec.rng(name + "/normal")))
    return mat


#: heavy avatars: the scalp's own material and textures, as VRoid exports it
HAIR_BACK = "HairBack_00_HAIR"


def avatar_materials(spec: AvatarSpec, head_part: Part, layout: FaceLayout) -> list[Material]:
    params = spec.params
    size = spec.detail.texture
    tone = textures.hex_rgb(params.skin.tone)
    hair = textures.hex_rgb(params.hair_colour)
    eye_size = max(size // 2, 256)
    base = textures.skin(params.skin.tone, 0.0, size, spec.rng("skin"))
    skin = base.copy()
    textures.paint_freckles(
        skin, textures.freckle_uvs(params.skin.freckles, size, spec.rng("freckles")), np.array(tone), size
    )
    face_pixels = face(
        head_part,
        layout,
        skin_base=base,
        tone=params.skin.tone,
        freckles=params.skin.freckles,
        brow=params.hair_colour,
        lips=None,
        rng=spec.rng("face"),
    )
    return [
        textured("Body_00_SKIN", skin, _shade(tone), spec),
        textured("Face_00_SKIN", face_pixels, _shade(tone), spec),
        Material(
            "EyeWhite_00_EYE",
            (1, 1, 1, 1),
            textures.encode_png(eyes.white_texture(layout.eye, params.hair_colour, eye_size)),
            (0.85, 0.85, 0.9),
            alpha_mode="BLEND",
        ),
        Material(
            "EyeIris_00_EYE",
            (1, 1, 1, 1),
            textures.encode_png(eyes.iris_texture(layout.eye, params.eye_colour, eye_size)),
            (0.7, 0.7, 0.7),
            alpha_mode="BLEND",
            render_queue_offset=1,
        ),
        textured(
            "Hair_00_HAIR",
            textures.hair(params.hair_colour, size, spec.rng("hair")),
            _shade(hair, 0.6),
            spec,
            double_sided=True,
        ),
    ] + ([_hair_back(spec, hair)] if spec.detail.heavy else [])


def _hair_back(spec: AvatarSpec, hair: tuple[float, float, float]) -> Material:
    darker = "#{:02x}{:02x}{:02x}".format(*(round(c * 255 * 0.85) for c in hair))
    pixels = textures.hair(darker, spec.detail.texture, spec.rng("hair-back"))
    return textured(HAIR_BACK, pixels, _shade(hair, 0.5), spec, double_sided=True)


def item_material(item: ItemGeometry, spec: AvatarSpec) -> Material:
    colour = textures.hex_rgb(item.colour)
    if item.metal:
        return Material(
            item.material_name, (*colour, 1.0), None, _shade(colour, 0.6), metallic=1.0, roughness=0.3
        )
    size = spec.detail.texture if spec.detail.heavy else max(spec.detail.texture // 2, 256)
    pixels = textures.cloth(item.colour, item.pattern, size, spec.rng(item.item_id))
    return textured(item.material_name, pixels, _shade(colour, 0.7), spec)
