"""Runtime "web" export of the heavy generated avatar against ``gltf-transform optimize``.

All run on the same input file in this script; printed as ratios (ours / theirs) plus whether each
output still loads as a VRM in three-vrm (../shared/tools/conformance).

    .venv/bin/python bench/bench_export.py [--input HEAVY.vrm] [--tools /work/bench-tools]

``--tools``: a folder where ``npm i @gltf-transform/cli`` was run (outside the repo). gltf-transform is
given the same texture target as our web preset (WebP, <= 1024 px); everything else is its default.
Goal: ours no slower, no larger, and still VRM.

Which gltf-transform run is the fair comparison: its default ``--compress meshopt`` output needs
``EXT_meshopt_compression`` decoding, which three-vrm/GLTFLoader cannot do without a decoder (the
checker reports the load failure), so it is a different product. ``--compress quantize`` is the
like-for-like run: ``KHR_mesh_quantization`` only, which three.js reads natively, as ours does.
Both are printed, plus ours without quantization (the previous web preset) for reference.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHECKER = REPO.parent / "shared" / "tools" / "conformance"


def heavy_avatar(folder: Path) -> Path:
    from studio.services.make_avatar import heavy_avatar_bytes

    path = folder / "heavy.vrm"  # the fully dressed heavy avatar (bench_make_avatar's), ~50 MB
    path.write_bytes(heavy_avatar_bytes("vrm1"))
    return path


def ours(src: Path, out: Path, quantize: bool = True) -> float:
    from studio.gltf.export.runtime import export_runtime
    from studio.gltf.io import load
    from studio.gltf.limits import DEFAULT_LIMITS

    start = time.perf_counter()
    data, _ = export_runtime(load(src, DEFAULT_LIMITS.scaled(2)), "web", quantize_mesh=quantize)
    out.write_bytes(data)
    return time.perf_counter() - start


def render_difference(a: Path, b: Path) -> tuple[float, float]:
    """Mean absolute pixel difference (0..255, over the avatar's pixels) of the portrait and of a
    full-body picture of ``a`` and ``b``."""
    import numpy as np

    from studio.gltf.io import load
    from studio.render.camera import Camera
    from studio.render.scene import build_scene
    from studio.render.thumbnail import render_scene, render_thumbnail

    def pictures(path: Path) -> list[np.ndarray]:
        doc = load(path)
        scene = build_scene(doc, max_texture_size=1024)
        camera = Camera()
        camera.frame_scene(scene)
        body = render_scene(scene, camera, (512, 512))
        return [np.asarray(render_thumbnail(scene, 512), float), np.asarray(body, float)]

    out = []
    for x, y in zip(pictures(a), pictures(b), strict=True):
        drawn = (x[..., 3] > 0) | (y[..., 3] > 0)
        out.append(float(np.abs(x - y)[drawn].mean()))
    return out[0], out[1]


def theirs(src: Path, out: Path, tools: Path, extra: tuple[str, ...] = ()) -> float:
    cli = tools / "node_modules" / ".bin" / "gltf-transform"
    if not cli.exists():
        sys.exit(f"gltf-transform not found in {tools}: run `npm i @gltf-transform/cli` there")
    glb = src.with_suffix(".glb")
    shutil.copyfile(src, glb)  # gltf-transform picks the reader by extension
    start = time.perf_counter()
    subprocess.run(
        [
            str(cli),
            "optimize",
            str(glb),
            str(out),
            "--texture-compress",
            "webp",
            "--texture-size",
            "1024",
            *extra,
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def check(files: list[Path]) -> dict[str, dict]:
    proc = subprocess.run(
        ["node", "check.mjs", *map(str, files)], cwd=CHECKER, capture_output=True, text=True, check=True
    )
    return {Path(r["file"]).name: r for r in map(json.loads, proc.stdout.splitlines())}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", type=Path, help="avatar to export (default: generate the heavy one)")
    parser.add_argument("--tools", type=Path, default=Path("/work/bench-tools"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        src = args.input or heavy_avatar(folder)
        size_in = src.stat().st_size
        outs = {k: folder / f"{k}.glb" for k in ("ours", "ours_float", "meshopt", "quantize", "plain")}
        times = {
            "ours": ours(src, outs["ours"]),
            "ours_float": ours(src, outs["ours_float"], quantize=False),
            "meshopt": theirs(src, outs["meshopt"], args.tools),
            "quantize": theirs(src, outs["quantize"], args.tools, ("--compress", "quantize")),
            "plain": theirs(src, outs["plain"], args.tools, ("--compress", "false")),
        }
        results = check([src, *outs.values()])
        print(f"input                          {src.name}: {size_in / 2**20:.1f} MB")
        labels = {
            "ours": "ours (web, quantized)",
            "ours_float": "ours (web, no quantization)",
            "meshopt": "gltf-transform (meshopt)",
            "quantize": "gltf-transform --compress quantize",
            "plain": "gltf-transform --compress false",
        }
        for key, path in outs.items():
            r = results[path.name]["three_vrm"]
            vrm = (
                (f"VRM {r['vrm_version']}" if r["vrm_version"] else "not VRM")
                if r["loaded"]
                else (f"load failed: {r['error']}")
            )
            print(
                f"{labels[key]:<34} {times[key]:6.2f} s  {path.stat().st_size / 2**20:6.2f} MB  "
                f"validator errors {results[path.name]['validator']['errors']}  {vrm}"
            )
        for key in ("quantize", "meshopt", "plain", "ours_float"):
            fair = "  <- the fair comparison (no decoder needed)" if key == "quantize" else ""
            print(
                f"ours / {labels[key]}: time {times['ours'] / times[key]:.2f}, "
                f"size {outs['ours'].stat().st_size / outs[key].stat().st_size:.2f}{fair}"
            )
        print(f"ours / input size: {outs['ours'].stat().st_size / size_in:.2f}")
        face, body = render_difference(outs["ours_float"], outs["ours"])
        print(
            f"render, quantized vs not (mean abs diff, avatar pixels): portrait {face:.3f}, body {body:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
