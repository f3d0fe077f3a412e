"""Time generating avatars: the standard one as the reference run, then the heavy (VRoid-sized) one.

    .venv/bin/python bench/bench_make_avatar.py [--repeat N]

Prints seconds, file size, vertices and morph targets per format, and the heavy/standard time ratio.
"""

from __future__ import annotations

import argparse
import time

from studio.domain.supermesh import parse_supermesh
from studio.procedural.humanoid import build_avatar
from studio.procedural.spec import HEAVY, STANDARD, AvatarSpec, Detail
from studio.procedural.vrm0 import write_vrm0
from studio.procedural.vrm1 import write_vrm1
from studio.procedural.writer import write_glb
from studio.services.make_avatar import HEAVY_BENCH_PARAMS

PARAMS = HEAVY_BENCH_PARAMS  # the heavy avatar bench_export / bench_inspect --generated use


def run(detail: Detail, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        model = build_avatar(AvatarSpec(parse_supermesh(PARAMS), "Bench", detail))
        built = time.perf_counter() - start
        sizes = {}
        for name, writer in (("vrm1", write_vrm1), ("vrm0", write_vrm0), ("glb", write_glb)):
            t = time.perf_counter()
            sizes[name] = (len(writer(model)), time.perf_counter() - t)
        best = min(best, built + sizes["vrm1"][1])
    names = {n for m in model.meshes for n in m.morph_names}
    print(
        f"  vertices {model.vertex_count}, morph targets {len(names)} names / {model.morph_count} per-mesh, "
        f"textures {detail.texture}², build {built:.2f} s"
    )
    for name, (size, secs) in sizes.items():
        print(f"  {name}: {size / 1e6:.1f} MB written in {secs:.2f} s")
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print("reference: standard avatar")
    ref = run(STANDARD, args.repeat)
    print("heavy avatar (--heavy)")
    heavy = run(HEAVY, args.repeat)
    print(f"generate + write VRM 1.0: standard {ref:.2f} s, heavy {heavy:.2f} s")
    print(f"ratio heavy/standard: {heavy / ref:.1f}x")


if __name__ == "__main__":
    main()
