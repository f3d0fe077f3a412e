"""Hair: a scalp cap that follows the skull plus flattened, tapering strands (bangs, sides, back).

Styles are named like seed 004's hair library: ``fem-short``, ``fem-long``, ``masc-short``. Long
strands carry a chain of three joints (``J_Sec_Hair<n>_01..03``) that the VRM writers turn into
spring bones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from studio.domain.errors import InvalidInputError
from studio.procedural.geometry import Part, loft
from studio.procedural.head import FaceLayout, _head_shape

STYLES = ("fem-short", "fem-long", "masc-short")


@dataclass
class HairModel:
    parts: list[Part]
    #: per part: index into ``chains`` or -1 (bound to the head only)
    part_chain: list[int] = field(default_factory=list)
    #: joint positions (3, 3) of each spring chain, root first
    chains: list[np.ndarray] = field(default_factory=list)


def style_of(item_id: str) -> str:
    """``fem-long-03`` -> ``fem-long``; unknown families are refused by name."""
    for style in STYLES:
        if item_id == style or item_id.startswith(style + "-"):
            return style
    raise InvalidInputError(f"unknown hair style {item_id!r}; known styles: {', '.join(STYLES)}")


def _cap(f: FaceLayout, res: int, *, scale: float, nape: float, ears: bool) -> Part:
    """The scalp: the skull scaled up, pulled in over the face, below the nape and (``ears``)
    around the ears so short styles show them."""
    hr = f.radius
    t = np.linspace(-1.0, 1.0, 12 * res + 2)[1:-1]
    width, depth, shift = _head_shape(t, hr, True)
    path = np.column_stack([np.zeros_like(t), f.center[1] + t * hr * 1.12, f.center[2] + shift])
    part = loft(
        path,
        np.column_stack([width, depth]) * scale,
        segments=24 * res,
        hint=(0, 0, 1),
        cap_rings=0,
        cap_scale=(0.0, 0.0),
        tags={"kind": "hair"},
    )
    part.positions[-1] = [0.0, f.center[1] + hr * 1.12 * scale, f.center[2] - hr * 0.04]
    part.positions[0] = f.center + np.array([0.0, -hr * 0.6, 0.0])
    rel = part.positions - f.center
    y = rel[:, 1] / hr
    forward = rel[:, 2] / np.maximum(np.linalg.norm(rel[:, [0, 2]], axis=1), 1e-9)
    face = np.clip((forward - 0.2) / 0.3, 0, 1) * np.clip((0.45 - y) / 0.2, 0, 1)
    below = np.clip((nape - y) / 0.25, 0, 1)
    hide = np.maximum(face, below)
    if ears:
        ear_y = ((f.eyes[0][1] + f.nose[1]) / 2 - f.center[1]) / hr
        d = np.hypot((y - ear_y) / 0.42, (rel[:, 2] / hr + 0.08) / 0.34)
        side = np.clip((np.abs(rel[:, 0]) / hr - 0.45) / 0.2, 0, 1)
        hide = np.maximum(hide, np.clip((1.15 - d) / 0.3, 0, 1) * side)
    part.positions = f.center + rel * (1.0 - hide * (scale - 0.82))[:, None]
    return part


def _strand(
    f: FaceLayout,
    azimuth: float,
    elevations: tuple[float, float],
    drop: float,
    width: float,
    res: int,
    *,
    radius_scale: float = 1.12,
) -> Part:
    """A strand over the skull from elevation a to b (radians) at ``azimuth`` (0 = front), then
    ``drop`` metres straight down."""
    hr = f.radius
    n = 6 * res + 4
    # rings bunch up towards the tip, where the strand narrows to a point
    k = 1.0 - (1.0 - np.linspace(0.0, 1.0, n)) ** 1.4
    el = elevations[0] + (elevations[1] - elevations[0]) * k
    r = hr * radius_scale * (1.0 + 0.04 * k)
    pts = np.column_stack(
        [np.sin(azimuth) * np.cos(el) * r, np.sin(el) * r * 1.05, np.cos(azimuth) * np.cos(el) * r]
    )
    if drop > 0:
        count = 4 * res + 1
        last = pts[-1]
        fall = drop * (1.0 - (1.0 - np.linspace(0, 1, count + 1)[1:]) ** 1.4)
        down = np.column_stack(
            [np.full(count, last[0]), last[1] - fall, np.full(count, last[2]) - fall * 0.12]
        )
        pts = np.vstack([pts, down])
    path = f.center + pts
    s = np.linspace(0.0, 1.0, len(path))
    taper = 0.04 + 0.96 * np.clip(1.0 - s**2.2, 0.0, 1.0) ** 0.75  # full width, then a pointed tip
    radii = np.column_stack([width * taper, np.full(len(path), hr * 0.04) * np.maximum(taper, 0.35)])
    outward = np.array([np.sin(azimuth), 0.2, np.cos(azimuth)])
    return loft(
        path,
        radii,
        segments=6 * res,
        hint=tuple(outward),
        power=2.0,
        cap_rings=2,
        cap_scale=(0.3, 0.4),
        tags={"kind": "hair"},
    )


def _chain_of(part: Part) -> np.ndarray:
    """Three joints spread along a strand (from its ring centres)."""
    pos = part.positions
    order = np.argsort(pos[:, 1])[::-1]
    top, bottom = pos[order[0]], pos[order[-1]]
    return np.vstack([top + (bottom - top) * k for k in (0.15, 0.45, 0.75)])


def build_hair(style: str, f: FaceLayout, res: int) -> HairModel:
    hr = f.radius
    masc = style == "masc-short"
    model = HairModel([])
    _add(
        model,
        _cap(f, res, scale=1.06 if masc else 1.1, nape=-0.9 if masc else -0.7, ears=style != "fem-long"),
        chained=False,
    )
    count = 7 if masc else 9
    for i, az in enumerate(np.linspace(-0.8, 0.8, count)):
        # neighbouring locks overlap (no gaps at the roots), sit at alternating heights over the
        # skull (no z-fighting) and end in points whose tips trace a gentle arch
        lo = (0.55 if masc else 0.25) - 0.12 * az**2 - 0.04 * (i % 2)
        lock = _strand(
            f,
            float(az),
            (1.15, lo),
            0.0,
            hr * (0.17 if masc else 0.16),
            res,
            radius_scale=1.12 + 0.012 * (i % 2),
        )
        _add(model, lock, chained=masc)
    if masc:
        for az in np.linspace(1.2, 2 * np.pi - 1.2, 7):
            _add(
                model, _strand(f, float(az), (1.2, 0.1), 0.0, hr * 0.3, res, radius_scale=1.08), chained=False
            )
        return model
    drop = 0.03 if style == "fem-short" else 0.32 * hr / 0.105
    for az in np.linspace(1.3, 2 * np.pi - 1.3, 13):
        _add(model, _strand(f, float(az), (1.1, -0.35), drop, hr * 0.5, res, radius_scale=1.08), chained=True)
    for az in (1.05, -1.05):
        _add(model, _strand(f, az, (0.9, -0.6), drop * 0.8, hr * 0.3, res), chained=True)
    return model


def _add(model: HairModel, part: Part, *, chained: bool) -> None:
    model.parts.append(part)
    if chained:
        model.chains.append(_chain_of(part))
        model.part_chain.append(len(model.chains) - 1)
    else:
        model.part_chain.append(-1)
