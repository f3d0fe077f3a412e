"""Desktop studio responsiveness: main-thread stalls and preview frame rate (issue 8).

Run under Xvfb with software OpenGL, as on a machine without a GPU:

    LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1600x1000x24" \
        .venv/bin/python bench/bench_ui.py [--shots DIR] [--gallery 10000]

Builds a throw-away studio home with two procedural avatars — the heavy one (the procedural
helper's HEAVY knob: ~45k vertices, 60-90 morph targets, 2048² textures) and a standard one as the
reference — then, in the real main window with real services:

1. opens each avatar from the wardrobe (the load runs on a worker) while a 5 ms heartbeat on the
   main thread records the longest gap: the stall the user would feel;
2. drags a morph slider for 3 s at 60 events/s and counts the preview frames drawn (the fps the
   user sees) and the longest stall;
3. scrolls the gallery through 10,000 rows (``--gallery``) and records the longest stall.

Figures are printed as absolute values and as ratios heavy / standard. Goals (issue 8): stall
< 100 ms, >= 20 fps on the heavy avatar.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QSurfaceFormat
from PySide6.QtWidgets import QApplication

ADDRESS = "0x" + "0" * 61 + "abc"


def make_avatar(heavy: bool) -> bytes:
    from studio.domain.supermesh import SupermeshMetadata
    from studio.procedural.humanoid import build_avatar
    from studio.procedural.spec import HEAVY, STANDARD, AvatarSpec
    from studio.procedural.vrm1 import write_vrm1

    spec = AvatarSpec(SupermeshMetadata(base="feminine"), name="Heavy" if heavy else "Standard",
                      detail=HEAVY if heavy else STANDARD)
    return write_vrm1(build_avatar(spec))


def add(studio, data: bytes, name: str):
    from studio.blobs.layout import avatar_key

    me = studio.identity()
    key = avatar_key(me.username, str(uuid.uuid4()), "vrm")
    studio.blob_store.put(key, data)
    return studio.wardrobe.add(me, key, name=name, source_url=key, avatar_type="vrm")


def wait_until(app: QApplication, done, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the studio did not finish in time")
        app.processEvents()
        time.sleep(0.001)


def pump(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def open_avatar(app, window, entry, meter) -> tuple[float, float]:
    pane = window.wardrobe
    window.undo.setClean()  # the previous drag is not worth a "discard changes?" dialog here
    pane.refresh()
    wait_until(app, lambda: pane.task is None)
    pane.select(entry.id)
    frames = window.preview.view.frames
    meter.start()
    start = time.perf_counter()
    pane.open_selected()
    wait_until(app, lambda: pane.session is not None and pane.session.entry.id == entry.id)
    wait_until(app, lambda: window.preview.view.frames > frames)  # uploaded and drawn once
    seconds = time.perf_counter() - start
    return meter.stop(), seconds


def drag_slider(app, window, meter, seconds: float = 3.0) -> tuple[float, float]:
    pane = window.wardrobe
    sliders = {**pane.body.sliders, **pane.face.sliders}
    slider = sliders.get("bodyMorphs/muscularity") or next(iter(sliders.values()))
    view = window.preview.view
    values = [*range(-100, 101, 4), *range(100, -101, -4)]
    step = {"n": 0}

    def move() -> None:
        slider.setValue(values[step["n"] % len(values)])
        step["n"] += 1

    timer = QTimer(interval=16)
    timer.timeout.connect(move)
    slider.setSliderDown(True)
    frames = view.frames
    meter.start()
    timer.start()
    start = time.perf_counter()
    pump(app, seconds)
    timer.stop()
    elapsed = time.perf_counter() - start
    slider.setSliderDown(False)
    return (view.frames - frames) / elapsed, meter.stop()


def scroll_gallery(app, window, studio, meter, rows: int) -> float:
    key = "generations/artist/bench.png"
    studio.blob_store.put(key, make_png())
    for n in range(rows):
        studio.gallery.record(str(uuid.uuid4()), "artist", f"bench portrait {n}", status="success",
                              image_url=key, image_urls=[key], is_public=True)
    window.docks["gallery"].raise_()
    pane = window.gallery
    pane.refresh()
    bar = pane.view.verticalScrollBar()
    meter.start()
    end = time.perf_counter() + 20
    while pane.model.rowCount() < rows and time.perf_counter() < end:
        bar.setValue(bar.maximum())
        pump(app, 0.02)
    for value in range(0, bar.maximum(), max(bar.maximum() // 200, 1)):
        bar.setValue(value)
        pump(app, 0.005)
    return meter.stop()


def make_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), "#8050c0").save(out, "PNG")
    return out.getvalue()


def run(args: argparse.Namespace) -> None:
    from studio.app import open_studio
    from studio.settings import load_settings
    from studio.ui.main_window import MainWindow
    from studio.ui.panes.preview_pane import gl_surface_format
    from studio.ui.tasks import StallMeter

    home = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    os.environ["STUDIO_HOME"] = str(home)
    QSurfaceFormat.setDefaultFormat(gl_surface_format())
    app = QApplication.instance() or QApplication(sys.argv)
    studio = open_studio(load_settings(environ={"STUDIO_HOME": str(home), "STUDIO_USERNAME": "artist",
                                                "STUDIO_ADDRESS": ADDRESS}))
    t0 = time.perf_counter()
    heavy_bytes, light_bytes = make_avatar(True), make_avatar(False)
    print(f"avatars made in {time.perf_counter() - t0:.1f} s: heavy {len(heavy_bytes) / 1e6:.1f} MB, "
          f"standard {len(light_bytes) / 1e6:.1f} MB")
    heavy, light = add(studio, heavy_bytes, "Heavy"), add(studio, light_bytes, "Standard")
    window = MainWindow(studio)
    window.resize(1600, 1000)
    window.show()
    window.start()
    pump(app, 0.5)
    meter = StallMeter(interval_ms=5)
    results = {}
    for label, entry in (("standard", light), ("heavy", heavy)):
        stall, seconds = open_avatar(app, window, entry, meter)
        fps, drag_stall = drag_slider(app, window, meter)
        session = window.wardrobe.session
        vertices = sum(p.vertex_count for m in session.scene.meshes for p in m.primitives)
        targets = sum(len(m.target_names) for m in session.scene.meshes)
        results[label] = (stall, seconds, fps, drag_stall)
        print(f"{label:9s} {vertices:7,} vertices {targets:4} morph targets | open: {seconds:5.2f} s, "
              f"longest main-thread stall {stall:6.1f} ms | slider drag: {fps:5.1f} fps, "
              f"longest stall {drag_stall:6.1f} ms")
        if args.shots:
            window.grab().save(str(Path(args.shots) / f"bench-{label}.png"))
    s, h = results["standard"], results["heavy"]
    print(f"ratios heavy/standard: open stall {h[0] / s[0]:.2f}x, open time {h[1] / s[1]:.2f}x, "
          f"drag fps {h[2] / s[2]:.2f}x, drag stall {h[3] / s[3]:.2f}x")
    print(f"goals: open stall {h[0]:.0f} ms < 100 ms: {'yes' if h[0] < 100 else 'NO'}; "
          f"heavy drag {h[2]:.0f} fps >= 20: {'yes' if h[2] >= 20 else 'NO'}")
    if args.gallery:
        stall = scroll_gallery(app, window, studio, meter, args.gallery)
        print(f"gallery: {args.gallery:,} rows scrolled top to bottom, longest stall {stall:.1f} ms")
    window.undo.setClean()
    window.close()
    QCoreApplication.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", help="save a screenshot of each step into this folder")
    parser.add_argument("--gallery", type=int, default=0, help="also scroll a gallery of this many rows")
    parser.add_argument("--hang-dump", type=float, default=0, help="dump every thread's stack after N s")
    args = parser.parse_args()
    if args.hang_dump:
        import faulthandler

        faulthandler.dump_traceback_later(args.hang_dump, exit=True)
    run(args)


if __name__ == "__main__":
    main()
