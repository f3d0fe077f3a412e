"""The prebuilt pipeline's worker processes: how many threads each may use (cores // workers), and
that a parallel build (two worker processes, one thread each) writes exactly the bytes a serial
build (this process, its default threads) writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from studio.domain.supermesh import parse_supermesh
from studio.procedural.collection import PREBUILTS
from studio.services.make_avatar import avatar_bytes
from studio.services.prebuilt_worker import threads_per_worker, worker_init
from studio.services.prebuilts import CATALOGUE, build_prebuilts, load_catalogue
from studio.threads import MAX_IMAGE_THREADS, image_threads, set_image_threads


def test_threads_per_worker_splits_the_cores() -> None:
    assert threads_per_worker(1, 2) == 2  # the serial build keeps both cores
    assert threads_per_worker(2, 2) == 1
    assert threads_per_worker(4, 2) == 1  # never zero
    assert threads_per_worker(2, 8) == 4
    assert threads_per_worker(3, 8) == 2
    assert threads_per_worker(0, 1) == 1


def test_worker_init_sets_image_and_rasteriser_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LP_NUM_THREADS", raising=False)
    try:
        worker_init(1)
        assert image_threads() == 1
        assert os.environ["LP_NUM_THREADS"] == "0"  # llvmpipe rasterises in the worker's thread
        monkeypatch.setenv("LP_NUM_THREADS", "3")  # what a user set is kept
        worker_init(4)
        assert os.environ["LP_NUM_THREADS"] == "3"
        assert image_threads() == MAX_IMAGE_THREADS  # capped: an avatar has few images
    finally:
        set_image_threads(MAX_IMAGE_THREADS)


def test_parallel_build_writes_the_same_bytes_as_a_serial_one(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for avatar_id in ("default-fem-01", "default-masc-01"):
        (src / f"{avatar_id}.vrm").write_bytes(avatar_bytes(parse_supermesh(PREBUILTS[avatar_id]), "vrm1"))
    serial = build_prebuilts(src, tmp_path / "serial", workers=1)
    parallel = build_prebuilts(src, tmp_path / "parallel", workers=2)
    assert serial.ok and parallel.ok and parallel.workers == 2
    for report in (serial, parallel):
        assert all(item.cpu_seconds > 0 for item in report.items)
    files = {
        k: {i: row["files"] for i, row in load_catalogue(tmp_path / k).items()}
        for k in ("serial", "parallel")
    }
    assert files["serial"] == files["parallel"]  # same paths, sizes and SHA-256 for GLB, VRM and webp
    rows = json.loads((tmp_path / "parallel" / CATALOGUE).read_text())["items"]
    assert all("cpu_seconds" not in row and "seconds" not in row for row in rows)  # timings are not data
