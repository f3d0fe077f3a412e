"""A few hundred mutated GLB/VRM inputs through the whole read path (bench/fuzz_parser.py runs
100,000+), and JSON-mutated ones the validator accepts through the editor and both exports. Only
StudioError may come out; valid seeds stay valid and editable."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.services.item_library import item_glb
from tests.unit.gltf.fuzzing import exercise, exercise_edit, mutate, mutate_json, seed_files

SEEDS = seed_files()
HAIR = item_glb("fem-long-03")


def _items(slot: str, item: str) -> bytes:
    return HAIR


def test_seeds_are_valid() -> None:
    assert [exercise(s, "seed.glb") for s in SEEDS] == ["ok"] * len(SEEDS)


def test_seeds_edit_and_export() -> None:
    # seed 1 is a VRM 0.x avatar whose licence (CC_BY_ND) prohibits modification
    outcomes = [exercise_edit(s, "seed.glb", _items) for s in SEEDS]
    assert outcomes == ["ok", "denied", *["ok"] * (len(SEEDS) - 2)]


@settings(max_examples=400, deadline=2000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS), st.randoms(use_true_random=False), st.sampled_from(["m.glb", "m.vrm", "m.gltf"])
)
def test_mutated_inputs_only_raise_studio_errors(seed: bytes, rng: random.Random, name: str) -> None:
    assert exercise(mutate(seed, rng), name) in ("ok", "invalid", "refused")


@settings(max_examples=200, deadline=5000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_accepted_inputs_edit_and_export_or_raise_studio_errors(seed: bytes, rng: random.Random) -> None:
    """What `wardrobe add` accepts, `export --meta` handles: a clear refusal at most, never a crash
    (found on the corpus: a VRMC_vrm custom expression that is a number crashed the runtime export)."""
    assert exercise_edit(mutate_json(seed, rng), "m.glb", _items) in ("ok", "refused", "denied")
