"""Benchmark: preview frame rate on the heavy avatar while a morph slider is dragged (renderer side).

Offscreen (EGL, llvmpipe, no display), 800x600, no multisampling (what the software-GL preview gets).
Every frame: ``scene.set_morph_weight`` -> ``renderer.update`` -> ``renderer.render`` -> ``ctx.finish()``.
Reference in the same script: the same frames with no update (run before and after, averaged). With
``--scale 0.5`` every scenario is also drawn the way the preview draws while a drag is in progress:
at half size into a ``ScaledFrame`` target, stretched onto the full-size framebuffer.
Goal (issue 8): >= 20 fps while dragging. CPU ms per frame is printed too: on a machine shared with
other jobs the wall-clock rate swings by 2-3x, the CPU work per frame does not.
Scenarios: dragging one face slider; a body slider (the same target on the body and every fitted
garment); a tint; a bone scale; and the worst case, a different face slider every frame (each switch
re-folds the resting morphs on the CPU).

    .venv/bin/python bench/bench_preview_fps.py [--frames N] [--src FILE]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.gltf.io import read_glb
from studio.render.camera import Camera
from studio.render.context import OffscreenTarget, headless_context
from studio.render.renderer import Renderer
from studio.render.scaled import ScaledFrame
from studio.render.scene import Scene, build_scene


def fps(frames: int, step: Callable[[int], None], renderer: Renderer, scene: Scene, camera: Camera,
        target: OffscreenTarget, scaled: tuple[ScaledFrame, float] | None = None) -> tuple[float, float]:
    """Frames per second (wall clock) and CPU milliseconds per frame (all threads of this process,
    llvmpipe's included: a figure that other processes on the shared machine barely move)."""
    start, cpu = time.perf_counter(), time.process_time()
    for f in range(frames):
        step(f)
        renderer.update(scene)
        if scaled is None:
            renderer.render(camera, target.framebuffer)
        else:
            frame, scale = scaled
            size = (round(target.size[0] * scale), round(target.size[1] * scale))
            renderer.render(camera, frame.target(size))
            frame.present(target.framebuffer)
        renderer.ctx.finish()
    return frames / (time.perf_counter() - start), (time.process_time() - cpu) * 1000 / frames


def load_scene(src: Path | None) -> tuple[Scene, float]:
    """The scene of ``src``, or of the benchmarks' heavy avatar; and how long build_scene took."""
    from studio.services.make_avatar import heavy_avatar_bytes

    data = src.read_bytes() if src is not None else heavy_avatar_bytes()
    start = time.perf_counter()
    return build_scene(read_glb(data, name="heavy.vrm")), time.perf_counter() - start


def scenarios(scene: Scene) -> tuple[dict[str, Callable[[int], None]], str]:
    """Per-frame edits, named as the user would do them; plus a description of the avatar."""
    mesh_index, face = max(enumerate(scene.meshes), key=lambda im: len(im[1].target_names))
    shared = max({n for m in scene.meshes for n in m.target_names},
                 key=lambda n: sum(p.vertex_count for m in scene.meshes if n in m.target_names
                                   for p in m.primitives))
    touched = sum(p.vertex_count for m in scene.meshes if shared in m.target_names for p in m.primitives)
    material, arm, k = scene.materials[0].name, scene.humanoid.get("leftUpperArm", 0), len(face.target_names)

    def sweep(f: int) -> float:
        return 0.5 + 0.5 * math.sin(f / 5)

    steps: dict[str, Callable[[int], None]] = {
        "dragging one face morph": lambda f: scene.set_morph_weight(mesh_index, 0, sweep(f)),
        "dragging a body morph": lambda f: scene.set_morph_weight(None, shared, sweep(f)) and None,
        "dragging a tint": lambda f: scene.set_material_color(material, (sweep(f), 0.6, 0.5, 1.0)) and None,
        "dragging a bone scale": lambda f: scene.set_node_scale(arm, (1.0, 1.0 + 0.3 * sweep(f), 1.0)),
        "a different morph each frame": lambda f: scene.set_morph_weight(mesh_index, f % k, sweep(f)),
    }
    vertices = sum(p.vertex_count for m in scene.meshes for p in m.primitives)
    about = (f"avatar: {vertices:,} vertices, {sum(len(m.target_names) for m in scene.meshes)} morph targets "
             f"({k} on {face.name!r}), {len(scene.images)} textures; body morph {shared!r} moves "
             f"{touched:,} vertices on {sum(shared in m.target_names for m in scene.meshes)} meshes")
    return steps, about


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--src", type=Path)
    parser.add_argument("--scale", type=float, default=0.5, help="also draw each scenario at this scale")
    args = parser.parse_args()
    scene, t_build = load_scene(args.src)
    steps, about = scenarios(scene)
    ctx = headless_context()
    renderer, target, camera = Renderer(ctx), OffscreenTarget(ctx, (800, 600), samples=0), Camera()
    camera.frame_scene(scene)
    t0 = time.perf_counter()
    renderer.upload(scene)
    renderer.render(camera, target.framebuffer)
    ctx.finish()
    t_upload = time.perf_counter() - t0
    print(f"{about}\nbuild_scene {t_build * 1000:.0f} ms, upload + first frame {t_upload * 1000:.0f} ms")
    run = lambda step, scaled=None: fps(args.frames, step, renderer, scene, camera, target, scaled)  # noqa: E731
    before = run(lambda f: None)
    frame = ScaledFrame(ctx)
    results = {name: (run(step), run(step, (frame, args.scale))) for name, step in steps.items()}
    after = run(lambda f: None)
    reference = ((before[0] + after[0]) / 2, (before[1] + after[1]) / 2)  # the machine is shared
    print(f"{'reference, no updates':28s}: {reference[0]:6.1f} fps  {reference[1]:5.1f} ms CPU/frame")
    for name, ((value, cpu), (low, low_cpu)) in results.items():
        print(f"{name:28s}: {value:6.1f} fps  {cpu:5.1f} ms CPU/frame  ({value / reference[0]:.2f}x ref.)"
              f" | at scale {args.scale}: {low:6.1f} fps  {low_cpu:5.1f} ms CPU/frame ({low / value:.2f}x)"
              f"{'' if low >= 20 else '  BELOW 20 fps'}")
    frame.release()
    renderer.release()
    target.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
