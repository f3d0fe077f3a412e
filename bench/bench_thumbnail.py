"""Benchmark: a 512² webp portrait of the heavy generated avatar, with no display (EGL, llvmpipe).

Goal (issue 4): <= 1 s on this 2-core machine. Times, in one process:
  - cold: the first ``make_thumbnail`` of the process (creates the EGL context, compiles shaders);
  - warm: the median of the following runs (what an export batch or the app pays);
and two references on the same file / size in the same script, printed as ratios:
  - read + validate of the same file (``studio.gltf.io.load`` + ``studio.gltf.validate.validate``);
  - a blank 512² render (clear + MSAA resolve + read-back) on the same context.

    .venv/bin/python bench/bench_thumbnail.py [--repeat N] [--size 512] [--src FILE]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.gltf.io import load
from studio.gltf.validate import validate
from studio.services.thumbnail import make_thumbnail


def heavy_avatar(path: Path) -> None:
    """The procedural generator's heavy avatar (``studio make-avatar --heavy``: VRM 1.0, 2048²
    textures, VRoid-like vertex and morph counts), from the first default prebuilt's parameters."""
    from studio.domain.supermesh import parse_supermesh
    from studio.procedural.collection import PREBUILTS
    from studio.services.make_avatar import avatar_bytes

    params = parse_supermesh(PREBUILTS["default-fem-01"])
    path.write_bytes(avatar_bytes(params, "vrm1", heavy=True, name="Heavy"))


def blank_render(size: int) -> None:
    from studio.render.context import OffscreenTarget, headless

    with headless() as ctx:  # the context the thumbnails use
        target = OffscreenTarget(ctx, (size, size))
        target.framebuffer.use()
        target.framebuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        target.read()
        target.release()


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (all threads of this process) per run. The machine is shared:
    other jobs stretch the wall clock, they barely change the CPU work."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--src", type=Path, help="avatar file (default: generate the heavy avatar)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = args.src or Path(tmp) / "heavy.vrm"
        if args.src is None:
            heavy_avatar(src)
        out = Path(tmp) / "thumb.webp"
        src.read_bytes()  # page cache
        gc.collect()  # generating the avatar left garbage; do not time its collection
        (cold,), (cold_cpu,) = timed(lambda: make_thumbnail(src, out, args.size), 1)
        warm, warm_cpu = timed(lambda: make_thumbnail(src, out, args.size), args.repeat)
        last = make_thumbnail(src, out, args.size)
        read_validate, _ = timed(lambda: validate(load(src)), args.repeat)
        blank, _ = timed(lambda: blank_render(args.size), args.repeat)
        size_mb = src.stat().st_size / 2**20
    stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in last.timings.items())
    print(f"input: {size_mb:.1f} MB; output {args.size}x{args.size} webp, {last.byte_count} bytes")
    print(f"thumbnail cold (creates the context): {cold * 1000:7.0f} ms  (CPU {cold_cpu * 1000:.0f} ms)")
    w, wc = statistics.median(warm), statistics.median(warm_cpu)
    label = f"thumbnail warm, median of {args.repeat}"
    print(f"{label:36s}: {w * 1000:7.0f} ms  (CPU {wc * 1000:.0f} ms; {stages})")
    rv, bl = statistics.median(read_validate), statistics.median(blank)
    print(f"reference read+validate median     : {rv * 1000:7.0f} ms  -> thumbnail / it {w / rv:.1f}x")
    print(f"reference blank {args.size}² render median: {bl * 1000:7.0f} ms  -> thumbnail / it {w / bl:.1f}x")
    verdict = "PASS" if max(cold, w) <= 1.0 else "OVER"
    print(f"goal <= 1000 ms: {verdict} (cold {cold * 1000:.0f} ms, warm {w * 1000:.0f} ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
