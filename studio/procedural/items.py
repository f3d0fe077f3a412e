"""Wardrobe items (seed 004 names): tops, bottoms, shoes and attachments, fitted over the body.

Clothes are shells of the body's own lofted parts (so they fit any proportions and follow the body
morphs), skinned with the same joints. Item ids are ``<category>-<kind>[-...]-NN``: the kind picks
the cut (``tops-jacket-formal-01`` is a jacket), the full id picks the colour variant.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from studio.domain.errors import InvalidInputError
from studio.procedural import body
from studio.procedural.geometry import Part, ellipsoid, loft, shell
from studio.procedural.head import FaceLayout, ear_lobe
from studio.procedural.skeleton import Proportions

CATEGORIES = {
    "tops": ("tshirt", "jacket", "hoodie"),
    "bottoms": ("jeans", "skirt", "shorts"),
    "shoes": ("sneaker", "boot"),
    "earring": ("hoop",),
    "necklace": ("pendant",),
}
#: glTF mesh / material names per category (VRoid-like ``<Part>_00_<KIND>``)
MESH_NAMES = {
    "tops": "Tops",
    "bottoms": "Bottoms",
    "shoes": "Shoes",
    "earring": "Earring",
    "necklace": "Necklace",
}
_PALETTES = {
    "tshirt": ("#f2f2ee", "#2f4f7f", "#b83a3a", "#3c6e47"),
    "jacket": ("#2d2f36", "#5a4632", "#3a4a63"),
    "hoodie": ("#7a7f8a", "#8b3a62", "#2f5d50"),
    "jeans": ("#34507a", "#223049", "#5b7396"),
    "skirt": ("#2a3150", "#6b2d3a", "#3b3b3b"),
    "shorts": ("#c2b08a", "#34507a"),
    "sneaker": ("#f4f4f4", "#222222", "#c23b3b"),
    "boot": ("#4a3222", "#1f1f1f"),
    "hoop": ("#d4af37",),
    "pendant": ("#c0c0c8", "#d4af37"),
}
_PATTERNS = {"jeans": "denim", "shorts": "denim", "hoodie": "knit"}


@dataclass
class ItemGeometry:
    item_id: str
    category: str
    kind: str
    colour: str
    pattern: str
    parts: list[Part] = field(default_factory=list)
    #: None: skinned like the body part it covers; a joint name: bound rigidly to that joint
    rigid_to: str | None = None
    metal: bool = False

    @property
    def mesh_name(self) -> str:
        return MESH_NAMES[self.category]

    @property
    def material_name(self) -> str:
        suffix = "METAL" if self.metal else "CLOTH"
        return f"{self.mesh_name}_{self.item_id.replace('-', '_')}_{suffix}"


def parse_item(item_id: str) -> tuple[str, str]:
    """(category, kind) of an item id; unknown categories are refused by name."""
    head, _, rest = item_id.partition("-")
    if head not in CATEGORIES:
        raise InvalidInputError(
            f"unknown item {item_id!r}: the category must be one of {', '.join(CATEGORIES)}"
        )
    word = rest.split("-")[0] if rest else ""
    kinds = CATEGORIES[head]
    return head, word if word in kinds else kinds[0]


def _colour(item_id: str, kind: str) -> str:
    palette = _PALETTES[kind]
    digits = "".join(ch for ch in item_id.rsplit("-", 1)[-1] if ch.isdigit())
    if digits:
        return palette[(int(digits) - 1) % len(palette)]
    return palette[hashlib.sha256(item_id.encode()).digest()[0] % len(palette)]


def build_item(
    item_id: str, p: Proportions, heads: dict[str, np.ndarray], face: FaceLayout, *, feminine: bool, res: int
) -> ItemGeometry:
    category, kind = parse_item(item_id)
    item = ItemGeometry(item_id, category, kind, _colour(item_id, kind), _PATTERNS.get(kind, "plain"))
    args = (p, heads)
    if category == "tops":
        item.parts = _top(
            *args,
            feminine=feminine,
            res=res,
            long_sleeves=kind != "tshirt",
            offset=0.006 if kind == "tshirt" else 0.012,
        )
    elif category == "bottoms":
        item.parts = _bottom(*args, kind, feminine=feminine, res=res)
    elif category == "shoes":
        item.parts = _shoes(*args, boots=kind == "boot", feminine=feminine, res=res)
    elif category == "earring":
        item.parts, item.rigid_to, item.metal = _earrings(face, res), "J_Bip_C_Head", True
    else:
        item.parts, item.rigid_to, item.metal = _necklace(*args, res=res), "J_Bip_C_UpperChest", True
    return item


def _rings_between(part: Part, axis: int, lo: float, hi: float) -> tuple[float, float]:
    """The ``v`` range of a loft's rings whose centres lie between ``lo`` and ``hi`` on ``axis``."""
    nrings, seg = int(part.tags["rings"]), int(part.tags["segments"])  # type: ignore[call-overload]
    centres = part.positions[1 : 1 + nrings * seg].reshape(nrings, seg, 3).mean(axis=1)[:, axis]
    inside = np.flatnonzero((centres >= lo) & (centres <= hi))
    v = np.linspace(0.0, 1.0, nrings)
    return float(v[inside.min()]), float(v[inside.max()])


def _top(
    p: Proportions,
    heads: dict[str, np.ndarray],
    *,
    feminine: bool,
    res: int,
    long_sleeves: bool,
    offset: float,
) -> list[Part]:
    torso = body.torso(p, heads, feminine=feminine, res=res)
    hem = heads["J_Bip_C_Hips"][1] - 0.02 * p.height
    # a round neckline: the shell cut by a plane just above the neck joint, where the torso has
    # narrowed to the base of the neck (the cut ring matches the skin's own ring under it)
    neckline = heads["J_Bip_C_Neck"][1] + (0.012 if long_sleeves else 0.004) * p.height
    parts = [shell(torso, offset, _rings_between(torso, 1, hem, 10.0), below=neckline)]
    for side, sx in (("L", 1.0), ("R", -1.0)):
        arm = body.arm(p, heads, side, feminine=feminine, res=res)
        elbow = abs(heads[f"J_Bip_{side}_LowerArm"][0])
        reach = (
            abs(heads[f"J_Bip_{side}_Hand"][0]) - 0.02
            if long_sleeves
            else (elbow * 0.45 + abs(heads[f"J_Bip_{side}_UpperArm"][0]) * 0.55)
        )
        lo, hi = sorted((sx * 0.0, sx * reach))
        parts.append(shell(arm, offset * 1.2, _rings_between(arm, 0, lo, hi)))
    return parts


def _bottom(
    p: Proportions, heads: dict[str, np.ndarray], kind: str, *, feminine: bool, res: int
) -> list[Part]:
    torso = body.torso(p, heads, feminine=feminine, res=res)
    waist = heads["J_Bip_C_Spine"][1] + 0.01 * p.height
    parts = [shell(torso, 0.008, _rings_between(torso, 1, -1.0, waist))]
    if kind == "skirt":
        return [*parts, _skirt(p, heads, waist, res)]
    for side in ("L", "R"):
        leg = body.leg(p, heads, side, feminine=feminine, res=res)
        knee = heads[f"J_Bip_{side}_LowerLeg"][1]
        bottom = (
            heads[f"J_Bip_{side}_Foot"][1] + 0.035 * p.height if kind == "jeans" else knee + 0.12 * p.height
        )
        parts.append(shell(leg, 0.007, _rings_between(leg, 1, bottom, 10.0)))
    return parts


def _skirt(p: Proportions, heads: dict[str, np.ndarray], waist: float, res: int) -> Part:
    s = p.height / 1.6
    hem = heads["J_Bip_L_LowerLeg"][1] + 0.16 * p.height
    t = np.linspace(0.0, 1.0, 6 * res + 1)
    path = np.column_stack([np.zeros_like(t), waist + (hem - waist) * t, np.full_like(t, -0.008 * s)])
    width = (p.hip_half_width * 1.5 + t * 0.12 * s) + 0.02 * s * np.sin(np.pi * np.clip(t * 2, 0, 1))
    depth = (0.085 + t * 0.08) * s
    return loft(
        path,
        np.column_stack([width, depth]),
        segments=20 * res,
        hint=(0, 0, 1),
        power=2.2,
        cap_rings=1,
        cap_scale=(0.2, 0.05),
        tags={"kind": "skirt"},
    )


def _shoes(
    p: Proportions, heads: dict[str, np.ndarray], *, boots: bool, feminine: bool, res: int
) -> list[Part]:
    parts = []
    for side in ("L", "R"):
        foot = body.foot(p, heads, side, feminine=feminine, res=res)
        shoe = shell(foot, 0.008)
        shoe.positions[:, 1] = np.maximum(shoe.positions[:, 1] - 0.006, 0.0)
        parts.append(shoe)
        if boots:
            leg = body.leg(p, heads, side, feminine=feminine, res=res)
            top = heads[f"J_Bip_{side}_LowerLeg"][1] - 0.04 * p.height
            parts.append(shell(leg, 0.01, _rings_between(leg, 1, -1.0, top)))
    return parts


def _earrings(f: FaceLayout, res: int) -> list[Part]:
    hr = f.radius
    parts = []
    for side in ("L", "R"):
        lobe = ear_lobe(f, side)  # hangs from the ear the head builder made
        r = hr * 0.16
        angles = np.linspace(np.radians(-75), np.radians(255), 10 * res + 2)
        path = lobe + np.column_stack([np.zeros_like(angles), -r + r * np.sin(angles), r * np.cos(angles)])
        radii = np.full((len(path), 2), hr * 0.018)
        parts.append(
            loft(
                path,
                radii,
                segments=6 * res,
                hint=(1, 0, 0),
                cap_rings=1,
                cap_scale=(0.8, 0.8),
                tags={"kind": "earring"},
            )
        )
    return parts


def _necklace(p: Proportions, heads: dict[str, np.ndarray], res: int) -> list[Part]:
    s = p.height / 1.6
    base = heads["J_Bip_C_Neck"] + np.array([0.0, -0.02 * s, 0.0])
    angles = np.linspace(np.radians(-80), np.radians(260), 16 * res + 2)
    rx, rz = 0.06 * s, 0.07 * s
    path = base + np.column_stack(
        [rx * np.cos(angles), -0.03 * s * np.sin(angles) - 0.01, rz * np.sin(angles)]
    )
    chain = loft(
        path,
        np.full((len(path), 2), 0.0025 * s),
        segments=5 * res,
        hint=(0, 1, 0),
        cap_rings=1,
        tags={"kind": "necklace"},
    )
    front = base + np.array([0.0, -0.075 * s, rz + 0.012 * s])
    pendant = ellipsoid(
        front, (0.012 * s, 0.005 * s, 0.016 * s), rings=4 * res, segments=8 * res, tags={"kind": "necklace"}
    )
    return [chain, pendant]
