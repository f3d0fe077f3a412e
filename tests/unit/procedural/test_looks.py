"""What a player picking a default avatar sees: soft-edged eyes set in the face, pointed bangs,
clean necklines, face and neck in the same tone, ears where ears go; plus what viewers need
(tangents for normal maps, VRM 0.x colours in gamma space) and hair items with spring joints."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from studio.domain.supermesh import parse_supermesh
from studio.gltf.accessors import read_accessor
from studio.gltf.functions.equip import equip
from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from studio.procedural import body, head
from studio.procedural.eyes import eye_parts, iris_texture, surface_z, white_texture
from studio.procedural.geometry import Part
from studio.procedural.hair import build_hair
from studio.procedural.humanoid import ITEM_HAIR_JOINTS, build_avatar, build_item_model
from studio.procedural.items import build_item
from studio.procedural.model import AvatarModel, Material
from studio.procedural.skeleton import FEMININE, MASCULINE, Proportions, build_bones
from studio.procedural.spec import AvatarSpec, Detail
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from studio.procedural.writer import write_glb

#: the heavy code path (normal maps, shade maps, HairBack, extra face targets) at a small size
SMALL_HEAVY = Detail(res=1, texture=256, heavy=True)


def _heads(p: Proportions) -> dict[str, np.ndarray]:
    return {b.name: np.asarray(b.head, np.float64) for b in build_bones(p)}


def _face(feminine: bool) -> tuple[Part, head.FaceLayout]:
    p = FEMININE if feminine else MASCULINE
    return head.head(p, _heads(p)["J_Bip_C_Head"], feminine=feminine, res=1)


def _material(model: AvatarModel, name: str) -> Material:
    return next(m for m in model.materials if m.name == name)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


@pytest.mark.parametrize("feminine", [True, False])
def test_eye_outline_is_a_soft_edge_in_the_texture(feminine: bool) -> None:
    _, f = _face(feminine)
    white = white_texture(f.eye, "#3b2a20", 256)
    alpha = white[..., 3]
    assert alpha[128, 128] == pytest.approx(1.0) and alpha[0, 0] == 0.0 and alpha[255, 255] == 0.0
    row = alpha[140]  # across the eye below the lash line: 0 -> soft ramp -> 1
    ramp = row[(row > 0.02) & (row < 0.98)]
    assert 4 <= len(ramp) <= 40, "the outline is neither jagged nor smeared"


@pytest.mark.parametrize("feminine", [True, False])
def test_iris_fills_the_eye_opening_so_eyes_do_not_stare(feminine: bool) -> None:
    _, f = _face(feminine)
    shape = f.eye
    opening = shape.upper + shape.lower
    assert 2 * shape.iris[1] >= 0.75 * opening  # the lids touch or cover the iris
    iris = iris_texture(shape, "#4a6b8a", 256)
    white = white_texture(shape, "#3b2a20", 256)
    covered = iris[..., 3] > 0.5
    assert (white[..., 3][covered] > 0.5).all()  # no iris outside the eye white


@pytest.mark.parametrize("feminine", [True, False])
def test_eyes_sit_in_the_face_not_on_it(feminine: bool) -> None:
    part, f = _face(feminine)
    whites, irises = eye_parts(part, f, res=1)
    for white in whites:
        gap = white.positions[:, 2] - surface_z(part, white.positions[:, 0], white.positions[:, 1])
        assert gap.min() > 0.0  # never behind the skin
        assert gap.max() < 0.05 * f.radius  # and never standing out of the face (< ~5 mm)
    for white, iris in zip(whites, irises, strict=True):
        assert (iris.positions[:, 2] > white.positions[:, 2]).all()


def test_eye_materials_blend_and_the_iris_draws_after_the_white(feminine: AvatarModel) -> None:
    white, iris = _material(feminine, "EyeWhite_00_EYE"), _material(feminine, "EyeIris_00_EYE")
    assert white.alpha_mode == iris.alpha_mode == "BLEND"
    assert iris.render_queue_offset > white.render_queue_offset
    doc = read_glb(write_vrm1(feminine))
    mats = {m["name"]: m for m in doc.items("materials")}
    mtoon = mats["EyeIris_00_EYE"]["extensions"]["VRMC_materials_mtoon"]
    assert mats["EyeIris_00_EYE"]["alphaMode"] == "BLEND" and mtoon["renderQueueOffsetNumber"] == 1


def test_bangs_end_in_points_and_overlap_at_the_roots() -> None:
    _, f = _face(True)
    hair = build_hair("fem-long", f, res=1)
    bangs = hair.parts[1:10]
    for lock in bangs:
        seg = int(lock.tags["segments"])
        rings = lock.positions[1:-1].reshape(-1, seg, 3)
        widths = np.ptp(rings, axis=1).max(axis=1)
        assert widths[-1] < 0.15 * widths.max(), "a lock ends blunt (square notch)"
    centres = [lock.positions.mean(axis=0) for lock in bangs]
    spacing = np.linalg.norm(np.diff(centres, axis=0), axis=1).max()
    seg = int(bangs[4].tags["segments"])
    widest = np.ptp(bangs[4].positions[1:-1].reshape(-1, seg, 3), axis=1).max()
    assert widest > spacing  # neighbouring locks overlap: no forehead showing between them


@pytest.mark.parametrize("kind", ["tops-tshirt-03", "tops-jacket-01"])
def test_neckline_is_one_clean_ring_below_the_neck(kind: str) -> None:
    p = MASCULINE
    heads = _heads(p)
    _, f = _face(False)
    top = build_item(kind, p, heads, f, feminine=False, res=1).parts[0]
    seg = int(top.tags["segments"])
    ring = top.positions[1:-1].reshape(-1, seg, 3)[-1]
    assert np.ptp(ring[:, 1]) < 1e-9  # a plane cut, not the torso's dome poking into the neck
    assert top.positions[:, 1].max() == pytest.approx(ring[0, 1])
    neck_r = 0.05 * p.height / 1.6
    assert np.hypot(ring[:, 0], ring[:, 2] - heads["J_Bip_C_Neck"][2]).min() > neck_r


def test_shoulders_slope_down_from_the_neck() -> None:
    p = MASCULINE
    heads = _heads(p)
    torso = body.torso(p, heads, feminine=False, res=1)
    pos = torso.positions
    near_neck = pos[np.abs(pos[:, 0]) < 0.07][:, 1].max()
    at_shoulder = pos[np.abs(pos[:, 0]) > p.shoulder_half_width * 0.9][:, 1].max()
    assert near_neck - at_shoulder > 0.04  # a trapezius, not a flat slab


def test_face_and_body_skin_share_one_tone() -> None:
    spec = AvatarSpec(parse_supermesh({"base": "masculine", "skin": {"tone": "#f0cfb8", "freckles": 0.3}}))
    model = build_avatar(spec)
    body_px = _pixels(_material(model, "Body_00_SKIN").texture_png).astype(int)
    face_px = _pixels(_material(model, "Face_00_SKIN").texture_png).astype(int)
    same = (np.abs(body_px - face_px).max(axis=-1) <= 1).mean()
    assert same > 0.6  # away from lips, brows, blush and freckles the texels are the body's own
    assert np.array_equal(np.median(body_px.reshape(-1, 3), 0), np.median(face_px.reshape(-1, 3), 0))


@pytest.mark.parametrize("feminine", [True, False])
def test_ears_are_rounded_at_eye_to_nose_height(feminine: bool) -> None:
    part, f = _face(feminine)
    ear = head.ear(f, part, "L", res=1)
    y = ear.positions[:, 1]
    assert y.max() >= f.eyes[0][1] and y.min() <= f.nose[1] + 0.05 * f.radius
    assert y.min() >= f.nose[1] - 0.15 * f.radius  # not hanging at the jaw
    level = np.abs(part.positions[:, 1] - y.mean()) < 0.1 * f.radius
    head_half_width = np.abs(part.positions[level, 0]).max()
    assert ear.positions[:, 0].max() > head_half_width + 0.08 * f.radius  # stands off the head
    assert ear.count >= 100  # enough rings for a rounded outline


def test_normal_mapped_primitives_carry_unit_tangents() -> None:
    spec = AvatarSpec(parse_supermesh({"clothing": ["tops-tshirt-01"]}), "T", SMALL_HEAVY)
    model = build_avatar(spec)
    for writer in (write_vrm1, write_vrm0):
        doc = read_glb(writer(model))
        mats = doc.items("materials")
        checked = 0
        for mesh in doc.items("meshes"):
            for prim in mesh["primitives"]:
                attrs = prim["attributes"]
                if "normalTexture" not in mats[prim["material"]]:
                    assert "TANGENT" not in attrs
                    continue
                t = read_accessor(doc, attrs["TANGENT"])
                n = read_accessor(doc, attrs["NORMAL"])
                assert np.abs(np.linalg.norm(t[:, :3], axis=1) - 1).max() < 1e-5
                assert set(np.unique(t[:, 3])) <= {-1.0, 1.0}
                assert np.abs(np.sum(t[:, :3] * n, axis=1)).max() < 1e-4
                checked += 1
        assert checked >= 4 and validate(doc).ok
    body_prim = next(m for m in model.meshes if m.name == "Body").primitives[0]
    doc = read_glb(write_vrm1(model))
    t = read_accessor(doc, doc.items("meshes")[0]["primitives"][0]["attributes"]["TANGENT"])
    # the torso's U runs around it: tangents at the front point sideways (+X facing +Z)
    front = (body_prim.positions[:, 2] > 0.08) & (np.abs(body_prim.positions[:, 0]) < 0.03)
    assert np.abs(t[front, 0]).mean() > 0.8


def test_vrm0_colours_are_gamma_encoded_like_univrm() -> None:
    model = build_avatar(AvatarSpec(parse_supermesh({"attachments": ["necklace-pendant-02"]})))
    metal = next(m for m in model.materials if m.name.endswith("_METAL"))
    doc = read_glb(write_vrm0(model))
    props = {p["name"]: p for p in doc.extension("VRM")["materialProperties"]}
    colour = props[metal.name]["vectorProperties"]["_Color"]
    linear = metal.base_color
    srgb = [1.055 * c ** (1 / 2.4) - 0.055 if c > 0.0031308 else 12.92 * c for c in linear[:3]]
    assert colour[:3] == pytest.approx(srgb, abs=1e-6) and colour[3] == linear[3]
    assert colour[0] > linear[0]  # gamma values are brighter than the linear ones
    shade = props[metal.name]["vectorProperties"]["_ShadeColor"]
    assert shade[0] == pytest.approx(1.055 * metal.shade_color[0] ** (1 / 2.4) - 0.055, abs=1e-6)
    iris = props["EyeIris_00_EYE"]
    assert iris["keywordMap"].get("_ALPHABLEND_ON") and iris["renderQueue"] == 3001
    assert iris["tagMap"]["RenderType"] == "Transparent" and iris["floatProperties"]["_ZWrite"] == 0.0


def test_heavy_path_adds_hair_back_and_one_sided_face_targets() -> None:
    model = build_avatar(AvatarSpec(parse_supermesh({}), "H", SMALL_HEAVY))
    names = {n for m in model.meshes for n in m.morph_names}
    assert len(names) >= 80
    assert {"Fcl_BRW_Up_L", "Fcl_MTH_Down_R", "Fcl_EYE_Half_L"} <= names
    hair = next(m for m in model.meshes if m.name == "Hair")
    assert [p.material for p in hair.primitives] == ["HairBack_00_HAIR", "Hair_00_HAIR"]
    face = next(m for m in model.meshes if m.name == "Face")
    k = face.morph_names.index("Fcl_BRW_Up_L")
    skin = face.primitives[0]
    moved = np.linalg.norm(skin.morphs[k], axis=1)
    left, right = moved[skin.positions[:, 0] > 0].sum(), moved[skin.positions[:, 0] < 0].sum()
    assert left > 10 * right  # the left brow only (+X)


def test_hair_items_carry_spring_joints_that_equip_can_ignore() -> None:
    spec = AvatarSpec(parse_supermesh({"base": "feminine"}), "fem-short-01")
    item = build_item_model("fem-short-01", spec)
    doc = read_glb(write_glb(item))
    assert validate(doc).ok
    nodes = doc.items("nodes")
    names = [n["name"] for n in nodes]
    head_node = names.index("J_Bip_C_Head")
    chain_roots = [i for i in nodes[head_node].get("children", []) if names[i].startswith(ITEM_HAIR_JOINTS)]
    assert len(chain_roots) >= 10
    springs = doc.json["asset"]["extras"]["VRMC_springBone"]
    joints = [j["node"] for s in springs["springs"] for j in s["joints"]]
    assert {names[j] for j in joints} == {n for n in names if n.startswith(ITEM_HAIR_JOINTS)}
    assert all(names[c["node"]].startswith("J_Bip_") for c in springs["colliders"])
    prim = doc.items("meshes")[0]["primitives"][0]
    used = np.unique(
        read_accessor(doc, prim["attributes"]["JOINTS_0"])[
            read_accessor(doc, prim["attributes"]["WEIGHTS_0"]) > 0
        ]
    )
    skin_joints = doc.items("skins")[0]["joints"]
    assert any(names[skin_joints[j]].startswith(ITEM_HAIR_JOINTS) for j in used)  # strands ride the chains
    # equip copies the item's spring joints (the avatar has none by those names: they never
    # collide with its own J_Sec_Hair chains) and adds one mesh node
    avatar = read_glb(write_vrm1(build_avatar(AvatarSpec(parse_supermesh({"hair": "fem-long-01"})))))
    before = len(avatar.items("nodes"))
    added = equip(avatar, doc, slot="hair", item="fem-short-01")
    copied = {n for n in names if n.startswith(ITEM_HAIR_JOINTS)}
    assert len(added) == 1 and len(avatar.items("nodes")) == before + 1 + len(copied)
    assert not {n["name"] for n in avatar.items("nodes")[:before]} & {n for n in names if "Sec" in n}


@pytest.mark.parametrize("morph", ["jaw_width", "hip_width", "shoulder_width", "mouth_width"])
def test_width_sliders_at_either_end_never_push_one_side_through_the_other(
    feminine: AvatarModel, morph: str
) -> None:
    """At -1 a width morph used to move the midline's two sides past each other (a crease under
    the lip at jaw_width -1): every vertex must stay on its own side of x = 0."""
    seen = 0
    for mesh in feminine.meshes:
        if morph not in mesh.morph_names:
            continue
        t = mesh.morph_names.index(morph)
        for prim in mesh.primitives:
            x, dx = prim.positions[:, 0], prim.morphs[t][:, 0]
            for weight in (-1.0, 1.0):
                moved = x + weight * dx
                assert np.all(moved * x >= -1e-12), (morph, weight)
            seen += int(np.count_nonzero(dx))
    assert seen > 0


@pytest.mark.parametrize("feminine", [True, False])
def test_hoop_earrings_hang_from_the_ear_lobes(feminine: bool) -> None:
    """They used to hang at the jaw behind the neck: each hoop's top touches its own ear's lobe."""
    from studio.procedural.items import _earrings

    part, f = _face(feminine)
    hoops = _earrings(f, res=1)
    for side, hoop in zip(("L", "R"), hoops, strict=True):
        ear = head.ear(f, part, side, res=1).positions
        lobe = ear[np.argmin(ear[:, 1])]
        top = hoop.positions[np.argmax(hoop.positions[:, 1])]
        assert np.linalg.norm(top - lobe) < 0.15 * f.radius, (side, top, lobe)
