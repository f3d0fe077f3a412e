"""``studio selftest --out DIR [--no-window]``: prove an installation works end to end.

Makes the default avatar with the procedural generator, exports ``avatar.glb`` / ``avatar.vrm`` /
``avatar.webp`` (the webp is the rendered portrait thumbnail; it must not be blank), validates the
exported files, then opens the main window on a throwaway studio home with that avatar in the
wardrobe and the 3D preview, and saves ``window.png``. Exit 0 when every step passed, 1 with the
failing step's message otherwise. The installer smoke test runs it inside the bundle under Xvfb.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from studio.domain.errors import StudioError

DEFAULT_AVATAR = "default-fem-01"
SELFTEST_USER = "selftest"
SELFTEST_ADDRESS = "0x" + "0" * 61 + "5e1"


class SelftestError(StudioError):
    code = "SELFTEST"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "selftest", help="check this installation: make, export, render, open the window"
    )
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="folder for avatar.glb/.vrm/.webp and window.png"
    )
    parser.add_argument(
        "--no-window", action="store_true", help="skip the main window screenshot (no display)"
    )
    parser.set_defaults(func=_selftest)


def _selftest(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="studio-selftest-") as home:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("make the default avatar", lambda: _make(Path(home))),
            ("export GLB/VRM/webp", lambda: _export(Path(home), out)),
            ("validate the exports", lambda: _validate(out)),
            ("check the thumbnail", lambda: _check_thumbnail(out / "avatar.webp")),
        ]
        if not args.no_window:
            steps.append(("open the main window", lambda: _window(Path(home), out)))
        for label, step in steps:
            started = time.perf_counter()
            try:
                detail = step()
            except StudioError as exc:
                raise SelftestError(f"self-test failed at '{label}': {exc}") from exc
            except Exception as exc:  # a broken installation shows up as anything; name the step
                raise SelftestError(f"self-test failed at '{label}': {type(exc).__name__}: {exc}") from exc
            print(f"ok  {label:<26} {time.perf_counter() - started:5.2f} s  {detail}", flush=True)
    print(f"self-test passed; files in {out}")
    return 0


def _make(home: Path) -> str:
    from studio.domain.supermesh import parse_supermesh
    from studio.fsutil import write_atomic
    from studio.procedural.collection import PREBUILTS
    from studio.services.make_avatar import avatar_bytes

    data = avatar_bytes(parse_supermesh(PREBUILTS[DEFAULT_AVATAR]), "vrm1", name="Self-test")
    write_atomic(home / "source.vrm", data)
    return f"{DEFAULT_AVATAR}: {len(data):,} bytes VRM 1.0"


def _export(home: Path, out: Path) -> str:
    from studio.services.export import export_avatar

    # On a worker thread: the thumbnail's headless EGL context is current on the thread that renders
    # it, and libglvnd refuses to make Qt's GLX context current later on a thread that holds an EGL
    # one (the preview would draw nothing). The app itself renders thumbnails on worker threads too.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(
            export_avatar, home / "source.vrm", out, avatar_id="avatar", preset="web"
        ).result()
    return ", ".join(f"{kind} {size:,} B" for kind, size in result.sizes.items())


def _validate(out: Path) -> str:
    from studio.gltf.io import load
    from studio.gltf.validate import validate

    found = []
    for name in ("avatar.glb", "avatar.vrm"):
        report = validate(load(out / name))
        if not report.ok:
            raise SelftestError(
                f"{name} does not validate: {report.errors[0].code}: {report.errors[0].message}"
            )
        found.append(f"{name} valid")
    return ", ".join(found)


def _check_thumbnail(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        total = image.width * image.height
        # transparent background: the share of non-transparent pixels is what the renderer drew
        visible = total - image.getchannel("A").histogram()[0] if "A" in image.getbands() else total
        if visible < total // 20:
            raise SelftestError(f"{path.name} is (nearly) empty: the renderer drew nothing")
        return f"{image.width}x{image.height}, {visible * 100 // total}% covered"


def _window(home: Path, out: Path) -> str:
    from studio.app import open_studio
    from studio.settings import load_settings
    from studio.ui.selftest_window import screenshot_main_window

    # Every directory explicitly under the throwaway home: the user's own studio is never touched.
    environ = {f"STUDIO_{kind.upper()}_DIR": str(home / kind) for kind in ("data", "config", "cache")}
    environ |= {"STUDIO_USERNAME": SELFTEST_USER, "STUDIO_ADDRESS": SELFTEST_ADDRESS}
    studio = open_studio(load_settings(path=home / "config" / "config.json", environ=environ))
    me = studio.identity()
    # the same front door as `studio wardrobe add`: validated, stored under its content key
    studio.wardrobe.import_avatar(me, out / "avatar.vrm", name="Self-test avatar", activate=True)
    facts = screenshot_main_window(studio, out / "window.png")
    if facts["colours"] < 8:
        raise SelftestError(f"window.png is (nearly) blank: {facts['colours']} colours")
    studio.engine.dispose()
    (width, height), frames, colours = facts["size"], facts["frames"], facts["colours"]
    return f"{facts['platform']}, {width}x{height}, {frames} preview frames, {colours} colours"
