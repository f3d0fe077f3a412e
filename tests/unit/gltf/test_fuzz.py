"""A few hundred mutated GLB/VRM inputs through the whole read path (bench/fuzz_parser.py runs
100,000+). Only StudioError may come out; valid seeds stay valid."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.gltf.fuzzing import exercise, mutate, seed_files

SEEDS = seed_files()


def test_seeds_are_valid() -> None:
    assert [exercise(s, "seed.glb") for s in SEEDS] == ["ok"] * len(SEEDS)


@settings(max_examples=400, deadline=2000, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS), st.randoms(use_true_random=False), st.sampled_from(["m.glb", "m.vrm", "m.gltf"])
)
def test_mutated_inputs_only_raise_studio_errors(seed: bytes, rng: random.Random, name: str) -> None:
    assert exercise(mutate(seed, rng), name) in ("ok", "invalid", "refused")
