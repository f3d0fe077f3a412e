"""Sample VRMs (tests/data/vrm, see NOTICE.md there) loaded fresh for each test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from studio.gltf.document import Document
from studio.gltf.io import load
from tests.fixtures.paths import DATA_DIR

VRM_DIR = DATA_DIR / "vrm"
VRM0_MTOON = "EmissionMigration_v0.106.0.vrm"
VRM1_MTOON = "VRMC_materials_mtoon_UV_Animation_Test.vrm"
VRM0_MORPH = "addon_simple_morph_vrm0.vrm"
VRM1_EXPRESSIONS = "VRMC_vrm_expressions_isBinary_Overrides.vrm"


@pytest.fixture
def sample() -> Callable[[str], Document]:
    def _load(name: str) -> Document:
        return load(VRM_DIR / name)

    return _load
