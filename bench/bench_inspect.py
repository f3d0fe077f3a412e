"""Benchmark: ``studio inspect`` + validation vs ``pygltflib.GLTF2().load_binary`` on the same file.

Builds a ~70 MB avatar-like GLB (many vertices, morph targets, 2048² textures) with
``studio.gltf.glb.pack_glb`` (via tests/unit/gltf/seeds.py), then times both readers on it in this
process and prints both times and the ratio (goal: studio <= 1.5x pygltflib).

    .venv/bin/python bench/bench_inspect.py [--vertices N] [--morphs N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pygltflib import GLTF2

from studio.gltf.inspect import summarize
from studio.gltf.io import load
from studio.gltf.limits import Limits
from studio.gltf.validate import validate
from tests.unit.gltf.seeds import make_avatar


def studio_inspect(path: Path, limits: Limits) -> None:
    doc = load(path, limits)
    report = validate(doc, limits)
    summarize(doc, report)


def pygltflib_load(path: Path) -> None:
    GLTF2().load_binary(str(path))


def best_of(fn: Callable[[], None], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vertices", type=int, default=160_000)
    parser.add_argument("--morphs", type=int, default=14)
    parser.add_argument("--textures", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--generated", action="store_true", help="time the procedural heavy VRM (~50 MB) instead"
    )
    args = parser.parse_args()
    if args.generated:
        from studio.services.make_avatar import heavy_avatar_bytes

        data = heavy_avatar_bytes("vrm1")
    else:
        data = make_avatar(
            vertices=args.vertices, morphs=args.morphs, texture_size=2048, textures=args.textures, vrm="1.0"
        )
    limits = Limits().scaled(4)  # the file is over the default 50 MB GLB cap on purpose
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "avatar.glb"
        path.write_bytes(data)
        report = validate(load(path, limits), limits)
        shape = (
            "procedural heavy VRM 1.0"
            if args.generated
            else f"{args.vertices:,} vertices, {args.morphs} morph targets, {args.textures} textures 2048²"
        )
        print(f"file: {len(data) / 2**20:.1f} MB, {shape}; report: {report.counts}")
        pygltflib_load(path)  # warm the page cache for both
        ref_min, ref_med = best_of(lambda: pygltflib_load(path), args.repeat)
        our_min, our_med = best_of(lambda: studio_inspect(path, limits), args.repeat)
    print(f"pygltflib GLTF2().load_binary : min {ref_min * 1000:8.1f} ms  median {ref_med * 1000:8.1f} ms")
    print(f"studio load+validate+summarize: min {our_min * 1000:8.1f} ms  median {our_med * 1000:8.1f} ms")
    ratio, median_ratio = our_min / ref_min, our_med / ref_med
    print(f"ratio studio/pygltflib (min): {ratio:.2f}x  (median {median_ratio:.2f}x; goal <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
