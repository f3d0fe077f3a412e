"""Building the prebuilt collection: serial (one process) against parallel (all cores), then a
second run with nothing changed.

    .venv/bin/python bench/bench_prebuilts.py [--count 20] [--workers N] [--heavy] [--rounds 3]

Sources: ``--count`` distinct procedural VRM 1.0 avatars (the default collection's six, varied in
skin tone and morphs). The parallel run uses worker processes (``studio prebuilts build`` without
``--workers``). Two references run in this script on the same sources, both exactly what
``studio prebuilts build --workers 1`` does (in-process, its own image and llvmpipe threads):

- **one core**: the serial build with every thread of this process pinned to one core
  (``sched_setaffinity``; Linux). The parallel run against it is the textbook speed-up, the same
  build on 1 core against N cores, and the figure the goal (>= 1.7x on 2 cores) is read against.
- **free**: the serial build allowed every core. Its own threads (texture encode/decode, llvmpipe)
  already keep ~1.25 cores busy, so the process pool's gain over it is bounded by cores / that.

The no-change run builds nothing. The runs alternate for ``--rounds`` rounds and the best of each is
compared (the usual defence against bursts of other work); the load average and the whole machine's
busy cores are printed because other work on a shared CPU lowers the speed-up.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make_sources(folder: Path, count: int, heavy: bool) -> int:
    from studio.domain.supermesh import parse_supermesh
    from studio.procedural.collection import PREBUILTS
    from studio.services.make_avatar import avatar_bytes

    bases = list(PREBUILTS.items())
    total = 0
    for n in range(count):
        name, params = bases[n % len(bases)]
        varied = {
            **params,
            "skin": {**params.get("skin", {}), "tone": f"#{0xC08060 + n * 0x030201:06x}"},
            "bodyMorphs": {**params.get("bodyMorphs", {}), "weight": round(-0.3 + 0.03 * n, 2)},
        }
        data = avatar_bytes(parse_supermesh(varied), "vrm1", heavy=heavy, name=f"{name}-{n:02d}")
        (folder / f"{name}-{n:02d}.vrm").write_bytes(data)
        total += len(data)
    return total


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine (/proc/stat): how much else was running."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _pin_process(cores: set[int]) -> None:
    """Pin every thread of this process (and so the threads they start later) to ``cores``."""
    for task in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(task), cores)


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Run the block with this whole process on one core; the previous affinity is restored."""
    before = os.sched_getaffinity(0)
    _pin_process({min(before)})
    try:
        yield
    finally:
        _pin_process(before)


def timed_build(src: Path, out: Path, workers: int | None) -> tuple[float, object]:
    from studio.services.prebuilts import build_prebuilts

    started, own, (busy, total) = time.perf_counter(), time.process_time(), machine_jiffies()
    report = build_prebuilts(src, out, workers=workers)
    elapsed, own = time.perf_counter() - started, time.process_time() - own
    busy2, total2 = machine_jiffies()
    machine = (busy2 - busy) / max(1, total2 - total) * (os.cpu_count() or 1)
    built = [i for i in report.items if i.status == "built"]
    item_cpu = sum(i.cpu_seconds for i in built)
    per_item = f"; items {item_cpu / max(1, len(built)) * 1000:.0f} CPU-ms each" if built else ""
    print(
        f"  workers={report.workers}: {elapsed:.2f} s; this process {own:.1f} CPU-s{per_item}; "
        f"whole machine {machine:.2f} of {os.cpu_count()} cores busy (all processes)"
    )
    if not report.ok:
        failed = [(i.id, i.message) for i in report.items if i.status == "failed"]
        raise SystemExit(f"build failed: {failed}")
    return elapsed, report


def _times(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: all cores)")
    parser.add_argument("--heavy", action="store_true", help="the heavy avatar detail level")
    parser.add_argument(
        "--rounds", type=int, default=3, help="serial/parallel pairs; the best of each counts"
    )
    args = parser.parse_args()
    from studio.services.prebuilts import default_workers

    workers = args.workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="bench-prebuilts-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        size = make_sources(src, args.count, args.heavy)
        print(f"sources: {args.count} VRM files, {size / 2**20:.1f} MB; cores usable: {default_workers()}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        pinnable = hasattr(os, "sched_setaffinity") and Path("/proc/self/task").is_dir()
        ones, serials, parallels, serial_cores = [], [], [], []
        for round_ in range(args.rounds):  # interleaved, so a burst of other work hits all alike
            if pinnable:
                print("  (serial, one core)")
                with one_core():
                    ones.append(timed_build(src, Path(tmp) / f"one-{round_}", 1)[0])
            print("  (serial, free)")
            elapsed, report = timed_build(src, Path(tmp) / f"serial-{round_}", 1)
            serials.append(elapsed)
            serial_cores.append(sum(i.cpu_seconds for i in report.items) / elapsed)  # type: ignore[attr-defined]
            print("  (parallel)")
            elapsed, report = timed_build(src, Path(tmp) / f"parallel-{round_}", workers)
            parallels.append(elapsed)
        serial, parallel = min(serials), min(parallels)
        used = serial_cores[serials.index(serial)]
        label = f"parallel (workers={report.workers})"  # type: ignore[attr-defined]
        if ones:
            one = min(ones)
            print(f"serial, one core   (workers=1): best {one:6.2f} s of {_times(ones)}")
        print(
            f"serial, free cores (workers=1): best {serial:6.2f} s of {_times(serials)}"
            f"  (its threads kept {used:.2f} cores busy)"
        )
        print(f"{label:30}: best {parallel:6.2f} s of {_times(parallels)}")
        if ones:
            print(
                f"speed-up over one core (best/best): {one / parallel:.2f}x; median/median "
                f"{statistics.median(ones) / statistics.median(parallels):.2f}x "
                f"(goal >= 1.7x on 2 cores)"
            )
        else:
            print("speed-up over one core: not measured (no sched_setaffinity on this system)")
        print(
            f"speed-up over the free serial build (best/best): {serial / parallel:.2f}x; median/median "
            f"{statistics.median(serials) / statistics.median(parallels):.2f}x "
            f"(at most {default_workers() / used:.2f}x: cores / the cores its threads used)"
        )
        again, second = timed_build(src, Path(tmp) / "parallel-0", workers)
        built = second.count("built")  # type: ignore[attr-defined]
        skipped = second.count("skipped")  # type: ignore[attr-defined]
        print(
            f"no-change run: {again:6.3f} s, {built} built, {skipped} skipped "
            f"({again / serial * 100:.1f}% of the serial build)"
        )
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0 if built == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
