"""Upload ~1 GB of avatar-like files to a local S3 server: the sync engine's uploader vs `aws s3 sync`.

Both clients send the same folder to the same moto server, which runs in its own process on
127.0.0.1 (so neither client shares an interpreter with it). Ours is the code path a push uses
(``studio.sync.blobsync.upload_all``: exists check, If-None-Match PUT with ChecksumSHA256,
multipart above 8 MiB, 8 files in flight); awscli uses its defaults (10 requests in flight, 8 MiB
parts). Prints MB/s for each and the ratio (goal >= 0.9).

    .venv/bin/python bench/bench_sync_upload.py [--mb 1024] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.app import make_s3_client
from studio.blobs import LocalBlobStore, S3BlobStore, put_content
from studio.sync.blobsync import upload_all

MB = 1024 * 1024
KEY, SECRET = "bench", "bench-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("moto server did not start")


def make_files(folder: Path, total_mb: int, rng: random.Random) -> list[Path]:
    """GLB/VRM-sized files (2-30 MB, seed 004's sizes) plus a thumbnail per avatar."""
    files, left, n = [], total_mb * MB, 0
    block = os.urandom(32 * MB)
    while left > 0:
        size = min(left, rng.randint(2, 30) * MB)
        path = folder / f"avatar-{n:03d}.{'vrm' if n % 3 == 0 else 'glb'}"
        with open(path, "wb") as out:
            out.write(n.to_bytes(8, "big"))  # distinct content per file
            written = 8
            while written < size:
                chunk = block[: min(len(block), size - written)]
                out.write(chunk)
                written += len(chunk)
        thumb = folder / f"avatar-{n:03d}.webp"
        thumb.write_bytes(n.to_bytes(8, "big") + os.urandom(40_000))
        files += [path, thumb]
        left -= size + 40_008
        n += 1
    return files


def run_ours(endpoint: str, folder: Path, files: list[Path]) -> float:
    client = make_s3_client(endpoint, KEY, SECRET, "us-east-1")
    client.create_bucket(Bucket="ours")
    remote = S3BlobStore(client, "ours", multipart_threshold=8 * MB, part_size=8 * MB, concurrency=8)
    local = LocalBlobStore(folder / "store")
    keys = [put_content(local, p).key for p in files]  # the local store a device already has
    started = time.perf_counter()
    moved = upload_all(local, remote, keys, concurrency=8)
    elapsed = time.perf_counter() - started
    assert moved.files == len(files), (moved.files, len(files))
    return elapsed


def run_awscli(endpoint: str, folder: Path) -> float:
    client = make_s3_client(endpoint, KEY, SECRET, "us-east-1")
    client.create_bucket(Bucket="awscli")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_DEFAULT_REGION": "us-east-1"}
    aws = str(Path(sys.executable).with_name("aws"))
    started = time.perf_counter()
    subprocess.run([aws, "s3", "sync", str(folder), "s3://awscli/avatars/", "--endpoint-url", endpoint,
                    "--only-show-errors", "--exclude", "store/*"], env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    args = parser.parse_args()
    if not shutil.which("aws", path=str(Path(sys.executable).parent)):
        raise SystemExit("awscli is missing: .venv/bin/pip install awscli")
    work = Path(tempfile.mkdtemp(prefix="bench-sync-upload-"))
    proc, endpoint = start_moto()
    try:
        files = make_files(work, args.mb, random.Random(4))
        total = sum(p.stat().st_size for p in files) / MB
        t_aws = run_awscli(endpoint, work)
        t_ours = run_ours(endpoint, work, files)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print(f"files: {len(files)}, {total:.0f} MB")
    print(f"aws s3 sync (reference): {t_aws:6.2f} s  {total / t_aws:7.1f} MB/s")
    print(f"studio upload_all:       {t_ours:6.2f} s  {total / t_ours:7.1f} MB/s")
    print(f"throughput ratio studio/awscli: {t_aws / t_ours:.2f}x (goal >= 0.90)")


if __name__ == "__main__":
    main()
