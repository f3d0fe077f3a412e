"""What to generate: the supermesh parameters plus output options (name, size knob)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from studio.domain.supermesh import SupermeshMetadata


@dataclass(frozen=True)
class Detail:
    """Resolution knobs. ``STANDARD`` is a light avatar (~10k vertices, 512² textures); ``HEAVY``
    matches real VRoid exports (40k-50k vertices, 60-90 morph targets, 2048² textures)."""

    res: int
    texture: int
    heavy: bool


STANDARD = Detail(res=1, texture=512, heavy=False)
HEAVY = Detail(res=3, texture=2048, heavy=True)


@dataclass(frozen=True)
class AvatarSpec:
    params: SupermeshMetadata
    name: str = "Avatar"
    detail: Detail = STANDARD

    @property
    def feminine(self) -> bool:
        return self.params.base == "feminine"

    def seed(self) -> int:
        """A stable seed from the parameters (same parameters -> same noise -> same bytes)."""
        canonical = json.dumps(self.params.to_json(), sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{canonical}|{self.name}".encode()).digest()
        return int.from_bytes(digest[:8], "little")

    def rng(self, purpose: str) -> np.random.Generator:
        digest = hashlib.sha256(f"{self.seed()}|{purpose}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "little"))
