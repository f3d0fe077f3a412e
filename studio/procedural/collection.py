"""The default prebuilt collection (seed 004 layout) and the item library it ships with."""

from __future__ import annotations

from typing import Any

#: prebuilt avatars: id -> supermesh metadata (seed 004 spelling)
PREBUILTS: dict[str, dict[str, Any]] = {
    "default-fem-01": {
        "base": "feminine",
        "hair": "fem-long-01",
        "hairColor": "#3b2a20",
        "eyeColor": "#4a6b8a",
        "skin": {"tone": "#f1c7a8", "freckles": 0.0},
        "bodyMorphs": {"chest_size": 0.1},
        "clothing": ["tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01"],
        "attachments": ["earring-hoop-gold"],
    },
    "default-fem-02": {
        "base": "feminine",
        "hair": "fem-short-01",
        "hairColor": "#b5672e",
        "eyeColor": "#3a7d4e",
        "skin": {"tone": "#e9c2a6", "freckles": 0.6},
        "faceMorphs": {"eye_size": 0.2, "lip_fullness": 0.2},
        "clothing": ["tops-hoodie-02", "bottoms-skirt-pleated-02", "shoes-sneaker-02"],
    },
    "default-fem-03": {
        "base": "feminine",
        "hair": "fem-long-02",
        "hairColor": "#16110e",
        "eyeColor": "#3b2a1e",
        "skin": {"tone": "#8d5a3b", "freckles": 0.0},
        "bodyMorphs": {"hip_width": 0.3, "weight": 0.2},
        "clothing": ["tops-jacket-02", "bottoms-jeans-02", "shoes-boot-01"],
        "attachments": ["necklace-pendant-02"],
    },
    "default-masc-01": {
        "base": "masculine",
        "hair": "masc-short-01",
        "hairColor": "#2a1d15",
        "eyeColor": "#4a3a2a",
        "skin": {"tone": "#d9a882", "freckles": 0.0},
        "bodyMorphs": {"muscularity": 0.3},
        "clothing": ["tops-tshirt-02", "bottoms-jeans-01", "shoes-sneaker-01"],
    },
    "default-masc-02": {
        "base": "masculine",
        "hair": "masc-short-02",
        "hairColor": "#0f0c0a",
        "eyeColor": "#2b2118",
        "skin": {"tone": "#6b4430", "freckles": 0.0},
        "faceMorphs": {"jaw_width": 0.4, "nose_size": 0.2},
        "bodyMorphs": {"weight": 0.3, "shoulder_width": 0.4},
        "clothing": ["tops-jacket-01", "bottoms-jeans-02", "shoes-boot-02"],
    },
    "default-masc-03": {
        "base": "masculine",
        "hair": "masc-short-03",
        "hairColor": "#8a6a45",
        "eyeColor": "#3f6e8c",
        "skin": {"tone": "#f0cfb8", "freckles": 0.3},
        "bodyMorphs": {"muscularity": -0.2},
        "clothing": ["tops-tshirt-03", "bottoms-shorts-01", "shoes-sneaker-03"],
    },
}

#: the item library: folder -> item ids (hair styles fitted to their base, clothes to the feminine one)
ITEMS: dict[str, tuple[str, ...]] = {
    "hair": ("fem-short-01", "fem-long-01", "masc-short-01", "fem-long-03"),
    "clothing": (
        "tops-tshirt-01",
        "tops-jacket-01",
        "tops-hoodie-02",
        "tops-jacket-formal-01",
        "bottoms-jeans-01",
        "bottoms-skirt-pleated-02",
        "shoes-sneaker-01",
        "shoes-boot-01",
    ),
    "attachments": ("earring-hoop-gold", "necklace-pendant-01"),
}


#: what a new supermesh wears unless told otherwise: built-in items every player is granted
STARTER_OUTFIT: tuple[str, ...] = ("tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01")


def item_base(item_id: str) -> str:
    """The body an item is fitted to: masc-* hair on the masculine base, everything else feminine."""
    return "masculine" if item_id.startswith("masc-") else "feminine"
