"""Benchmark: the generation pipeline's own overhead per 4-image job, beyond Fal's latency.

A job's wall time is split into the time spent in Fal's protocol (submit + status polls + result,
against the local stand-in with an empty queue) and everything else: rate-limit reservation and
log rows, downloading all four images, validating them (magic bytes, dimensions, full decode),
storing them in the blob store and recording the refs. Goal: overhead <= 200 ms per job.

Reference, in the same run: the raw time to GET the same four images concurrently with httpx
(no validation, no storage, no database). The ratio overhead/reference shows what the pipeline
adds on top of the unavoidable download.

    .venv/bin/python bench/bench_generation.py [--jobs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from studio.blobs import LocalBlobStore
from studio.domain.identity import Identity
from studio.domain.moderation import parse_blocked_terms
from studio.domain.presets import PresetCatalog
from studio.generation.fal import FalConfig, FalGenerator
from studio.generation.images import validate_image
from studio.generation.keeper import BlobImageSink
from studio.generation.ports import GenerationOutput, GenerationRequest
from studio.generation.standin import FalStandIn
from studio.generation.standin_media import Scenario
from studio.services.generate import GenerationPolicy, GenerationService
from studio.services.profiles import ProfileService
from studio.store.engine import make_engine
from studio.store.generation_logs import GenerationLogStore
from studio.store.migrate import upgrade

GOAL_MS = 200.0


class TimedGenerator:
    """Wraps the real FalGenerator and adds up the time spent talking to Fal."""

    def __init__(self, inner: FalGenerator) -> None:
        self.inner = inner
        self.model = inner.model
        self.seconds = 0.0
        self.last_output: GenerationOutput | None = None

    def submit(self, request: GenerationRequest) -> str:
        start = time.perf_counter()
        try:
            return self.inner.submit(request)
        finally:
            self.seconds += time.perf_counter() - start

    def wait(self, request_id: str, on_progress: Any = None, should_cancel: Any = None) -> GenerationOutput:
        start = time.perf_counter()
        try:
            self.last_output = self.inner.wait(request_id, on_progress, should_cancel)
            return self.last_output
        finally:
            self.seconds += time.perf_counter() - start

    def cancel(self, request_id: str) -> bool:
        return self.inner.cancel(request_id)


def raw_get(http: httpx.Client, urls: list[str]) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        bodies = list(pool.map(lambda u: http.get(u).content, urls))
    assert all(bodies)
    return time.perf_counter() - start


def decode_floor(http: httpx.Client, urls: list[str]) -> float:
    """The CPU floor of validation: fully decoding the four images, one after another."""
    datas = [http.get(u).content for u in urls]
    start = time.perf_counter()
    for data in datas:
        validate_image(data, (1024, 1024))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10)
    args = parser.parse_args()
    me = Identity.of("bencher", "0x5a")
    with tempfile.TemporaryDirectory() as tmp, FalStandIn(scenario=Scenario(queue=0, run=0)) as fal, \
            httpx.Client(timeout=30) as http:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'studio.sqlite3'}")
        upgrade(engine)
        config = FalConfig(key="bench-key-123456", queue_url=fal.url, poll_interval=0.005)
        timed = TimedGenerator(FalGenerator(config))
        service = GenerationService(
            logs=GenerationLogStore(engine), generator=lambda: timed,  # type: ignore[arg-type, return-value]
            sink=BlobImageSink(LocalBlobStore(Path(tmp) / "blobs")), http=http,
            moderation=parse_blocked_terms(None), presets=PresetCatalog(), profiles=ProfileService(engine),
            policy=GenerationPolicy(limit=10**6, window=timedelta(hours=24)),
        )
        totals, fal_times, overheads, references, floors = [], [], [], [], []
        for n in range(args.jobs + 1):  # job 0 warms caches (the stand-in renders its images once)
            timed.seconds = 0.0
            start = time.perf_counter()
            log = service.generate(me, f"bench knight {n}", style="fantasy", seed=n)
            total = time.perf_counter() - start
            assert log.status == "success" and len(log.image_urls) == 4, log
            assert timed.last_output is not None
            urls = [i.url for i in timed.last_output.images]
            reference = raw_get(http, urls)
            floor = decode_floor(http, urls)
            if n:
                floors.append(floor)
                totals.append(total)
                fal_times.append(timed.seconds)
                overheads.append(total - timed.seconds)
                references.append(reference)
        engine.dispose()

    def ms(values: list[float]) -> str:
        lo, hi = min(values) * 1000, max(values) * 1000
        return f"median {statistics.median(values) * 1000:7.1f} ms  (min {lo:6.1f}, max {hi:6.1f})"

    overhead, reference = statistics.median(overheads), statistics.median(references)
    size_mb = 4 * 1.48
    print(f"generation pipeline, {args.jobs} jobs of 4 x 1024x1024 PNG (~{size_mb:.1f} MB per job), "
          "SQLite + local blobs")
    print(f"  whole job                    {ms(totals)}")
    print(f"  in Fal protocol (stand-in)   {ms(fal_times)}")
    print(f"  pipeline overhead            {ms(overheads)}")
    print(f"  reference: raw GET of 4 imgs {ms(references)}")
    print(f"  (decode of 4 imgs, serial    {ms(floors)})")
    print(f"  overhead / raw GET ratio     {overhead / reference:5.2f}x")
    print(f"  overhead / serial decode     {overhead / statistics.median(floors):5.2f}x")
    print(f"  load average during the run  {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    verdict = "OK" if overhead * 1000 <= GOAL_MS else "OVER"
    print(f"  goal <= {GOAL_MS:.0f} ms per job: {verdict} ({overhead * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
