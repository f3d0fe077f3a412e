"""Benchmark: the generation pipeline's own overhead per 4-image job, beyond Fal's latency.

A job's wall time is split into the time spent in Fal's protocol (submit + status polls + result,
against the local stand-in with an empty queue) and everything else: rate-limit reservation and
log rows, downloading all four images, validating them (magic bytes, dimensions, full decode),
storing them in the blob store and recording the refs. Goal: overhead <= 200 ms per job.

References, interleaved with the jobs so they see the same machine load: the raw time to GET the
same four images concurrently with httpx (no validation, no storage, no database); the four full
decodes one after another (the CPU floor of validation); and the keep step (download, validate,
store four images) as the first version ran it - each image downloaded whole, then decoded - next
to the keep step as it runs now (decoded while it arrives).

The machine is shared, so wall times move with the load average (printed). The pipeline's CPU time
per job (this process, all threads) is the figure load cannot inflate. The stand-in runs in its
own process and session by default, as Fal's servers would (``--server thread`` runs it in here).
``--link-mbps N`` makes image bodies arrive at N MB/s per connection (a real CDN link instead of
loopback), which shows what decoding during the download saves.

    .venv/bin/python bench/bench_generation.py [--jobs 10] [--server process|thread] [--link-mbps N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from studio.blobs import LocalBlobStore
from studio.domain.identity import Identity
from studio.domain.moderation import parse_blocked_terms
from studio.domain.presets import PresetCatalog
from studio.generation.fal import FalConfig, FalGenerator
from studio.generation.images import DEFAULT_MAX_BYTES, fetch_image, validate_image
from studio.generation.keeper import BlobImageSink, keep_images
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


def decode_floor(http: httpx.Client, urls: list[str]) -> tuple[float, float]:
    """The CPU floor of validation: fully decoding the four images, one after another (wall, CPU)."""
    datas = [http.get(u).content for u in urls]
    start, cpu = time.perf_counter(), time.thread_time()
    for data in datas:
        validate_image(data, (1024, 1024))
    return time.perf_counter() - start, time.thread_time() - cpu


def keep_now(http: httpx.Client, sink: Any, output: GenerationOutput) -> tuple[float, float]:
    """The keep step as the pipeline runs it now (download + validate overlapped, then store)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = keep_images(output, http=http, sink=sink, key_for=lambda i, ext: f"ref/now-{i}.{ext}",
                         expected=(1024, 1024))
    assert len(result.kept) == 4
    return time.perf_counter() - start, time.process_time() - cpu


def keep_first_version(http: httpx.Client, sink: Any, output: GenerationOutput) -> tuple[float, float]:
    """Reference: the first version's keep step (download the whole image, then validate, then store)."""

    def one(index: int, url: str) -> None:
        download = fetch_image(http, index, url, DEFAULT_MAX_BYTES, attempts=2)
        assert download.data is not None
        image = validate_image(download.data, (1024, 1024))
        sink.put(f"ref/v1-{index}.{image.extension}", image.data, image.content_type)

    start, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda pair: one(*pair), enumerate(i.url for i in output.images)))
    return time.perf_counter() - start, time.process_time() - cpu


@contextmanager
def stand_in(mode: str) -> Iterator[str]:
    """The Fal stand-in, empty queue. ``process``: its own process and session, like a remote server
    (its CPU is not the pipeline's, and it does not share the pipeline's GIL); ``thread``: in here."""
    if mode == "thread":
        with FalStandIn(scenario=Scenario(queue=0, run=0)) as fal:
            yield fal.url
        return
    code = (
        "from studio.generation.standin import FalStandIn\n"
        "from studio.generation.standin_media import Scenario\n"
        "fal = FalStandIn(scenario=Scenario(queue=0, run=0))\n"
        "print(fal.url, flush=True)\n"
        "fal.serve_forever()\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=root,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class SlowLink(httpx.BaseTransport):
    """Client-side stand-in for a real network: each response body arrives at ``rate`` bytes/s."""

    def __init__(self, rate: float) -> None:
        self.inner = httpx.HTTPTransport()
        self.rate = rate

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_Trickle(response.stream, self.rate), extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()


class _Trickle(httpx.SyncByteStream):
    def __init__(self, inner: Any, rate: float) -> None:
        self.inner, self.rate = inner, rate

    def __iter__(self) -> Iterator[bytes]:
        start, received = time.perf_counter(), 0
        for chunk in self.inner:
            received += len(chunk)
            time.sleep(max(0.0, start + received / self.rate - time.perf_counter()))
            yield chunk

    def close(self) -> None:
        self.inner.close()


@dataclass
class Figures:
    totals: list[float] = field(default_factory=list)
    fal: list[float] = field(default_factory=list)
    overheads: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)
    now: list[float] = field(default_factory=list)
    v1: list[float] = field(default_factory=list)
    now_cpu: list[float] = field(default_factory=list)
    v1_cpu: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)


def run_jobs(args: argparse.Namespace, url: str, tmp: Path, http: httpx.Client) -> Figures:
    me = Identity.of("bencher", "0x5a")
    engine = make_engine(f"sqlite:///{tmp / 'studio.sqlite3'}")
    upgrade(engine)
    config = FalConfig(key="bench-key-123456", queue_url=url, poll_interval=0.005)
    timed = TimedGenerator(FalGenerator(config))
    sink = BlobImageSink(LocalBlobStore(tmp / "blobs"))
    service = GenerationService(
        logs=GenerationLogStore(engine), generator=lambda: timed,
        sink=sink, http=http, moderation=parse_blocked_terms(None), presets=PresetCatalog(),
        profiles=ProfileService(engine), policy=GenerationPolicy(limit=10**6, window=timedelta(hours=24)),
    )
    fig = Figures()
    for n in range(args.jobs + 1):  # job 0 warms caches (the stand-in renders its images once)
        timed.seconds = 0.0
        start, cpu = time.perf_counter(), time.process_time()
        log = service.generate(me, f"bench knight {n}", style="fantasy", seed=n)
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert log.status == "success" and len(log.image_urls) == 4, log
        assert timed.last_output is not None
        output = timed.last_output
        urls = [i.url for i in output.images]
        # References, interleaved with the jobs so they see the same load.
        raw, (floor, floor_cpu) = raw_get(http, urls), decode_floor(http, urls)
        if n % 2:  # alternate which goes first
            (v1, v1_cpu) = keep_first_version(http, sink, output)
            (now, now_cpu) = keep_now(http, sink, output)
        else:
            (now, now_cpu) = keep_now(http, sink, output)
            (v1, v1_cpu) = keep_first_version(http, sink, output)
        if n:
            for name, value in (
                ("totals", total), ("fal", timed.seconds), ("overheads", total - timed.seconds), ("cpu", cpu),
                ("raw", raw), ("floor", floor), ("floor_cpu", floor_cpu), ("now", now), ("v1", v1),
                ("now_cpu", now_cpu), ("v1_cpu", v1_cpu), ("loads", os.getloadavg()[0]),
            ):
                getattr(fig, name).append(value)
    engine.dispose()
    return fig


def ms(values: list[float]) -> str:
    lo, hi = min(values) * 1000, max(values) * 1000
    return f"median {statistics.median(values) * 1000:7.1f} ms  (min {lo:6.1f}, max {hi:6.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--server", choices=("process", "thread"), default="process",
                        help="run the Fal stand-in in its own process (default) or in a thread of this one")
    parser.add_argument("--link-mbps", type=float, default=0.0,
                        help="image bodies arrive at this many MB/s per connection (default: loopback)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    transport = SlowLink(args.link_mbps * 1e6) if args.link_mbps else None
    with tempfile.TemporaryDirectory() as tmp, stand_in(args.server) as url, \
            httpx.Client(timeout=30, transport=transport) as http:
        fig = run_jobs(args, url, Path(tmp), http)
    med = statistics.median
    overhead = med(fig.overheads)
    print(f"generation pipeline, {args.jobs} jobs of 4 x 1024x1024 PNG (~5.9 MB per job), SQLite + local "
          f"blobs, stand-in server in a {args.server}"
          + (f", downloads at {args.link_mbps:g} MB/s per image" if args.link_mbps else ""))
    print(f"  whole job                    {ms(fig.totals)}")
    print(f"  in Fal protocol (stand-in)   {ms(fig.fal)}")
    print(f"  pipeline overhead            {ms(fig.overheads)}")
    print(f"  pipeline CPU (this process)  {ms(fig.cpu)}   <- what load cannot inflate")
    print(f"  reference: raw GET of 4 imgs {ms(fig.raw)}")
    print(f"  reference: serial decode     {ms(fig.floor)}   (CPU {med(fig.floor_cpu) * 1000:.1f} ms)")
    print(f"  keep step now (4 images)     {ms(fig.now)}   (CPU {med(fig.now_cpu) * 1000:.1f} ms)")
    print(f"  keep step, first version     {ms(fig.v1)}   (CPU {med(fig.v1_cpu) * 1000:.1f} ms)")
    print(f"  keep step first version/now  {med(fig.v1) / med(fig.now):5.2f}x wall, "
          f"{med(fig.v1_cpu) / med(fig.now_cpu):5.2f}x CPU")
    print(f"  overhead / raw GET ratio     {overhead / med(fig.raw):5.2f}x")
    print(f"  overhead / serial decode     {overhead / med(fig.floor):5.2f}x")
    print(f"  CPU / serial decode CPU      {med(fig.cpu) / med(fig.floor_cpu):5.2f}x")
    print(f"  load average (1 min)         {load_before:.2f} before, {med(fig.loads):.2f} median during, "
          f"on {os.cpu_count()} cores")
    verdict = "OK" if overhead * 1000 <= GOAL_MS else "OVER"
    print(f"  goal <= {GOAL_MS:.0f} ms per job: {verdict} ({overhead * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
