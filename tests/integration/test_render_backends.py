"""The render path without EGL, for real: with the EGL library unloadable (glcontext's
GLCONTEXT_LINUX_LIBEGL pointed at a missing file) `studio thumbnail` falls back to GLX on an Xvfb
display and writes the portrait; without a display it exits 1 with the RenderUnavailableError
message instead of a traceback. Each case is a fresh process (the context is made once per process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio.domain.supermesh import parse_supermesh
from studio.procedural.collection import PREBUILTS
from studio.services.make_avatar import avatar_bytes

NO_EGL = "/nonexistent/libEGL.so.1"
SCRIPT = (
    "import sys\n"
    "from studio.cli import main\n"
    "from studio.render import context\n"
    "code = main(sys.argv[1:])\n"
    "print('backend:', context.active_backend)\n"
    "sys.exit(code)\n"
)


@pytest.fixture(scope="module")
def avatar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backends") / "fem.vrm"
    path.write_bytes(avatar_bytes(parse_supermesh(PREBUILTS["default-fem-01"]), "vrm1"))
    return path


def thumbnail(avatar: Path, out: Path, env: dict[str, str], xvfb: bool) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", SCRIPT, "thumbnail", str(avatar), "--out", str(out)]
    if xvfb:
        argv = ["xvfb-run", "-a", "-s", "-screen 0 640x480x24", *argv]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_without_egl_glx_renders_on_a_display(avatar: Path, tmp_path: Path) -> None:
    assert shutil.which("xvfb-run"), "xvfb-run is missing: apt-get install -y xvfb xauth (.ci/run does this)"
    env = {**os.environ, "GLCONTEXT_LINUX_LIBEGL": NO_EGL}
    env.pop("DISPLAY", None)
    out = tmp_path / "glx.webp"
    done = thumbnail(avatar, out, env, xvfb=True)
    assert done.returncode == 0, done.stderr
    assert "backend: glx" in done.stdout
    with Image.open(out) as image:
        assert image.size == (512, 512)
        alpha = image.convert("RGBA").getchannel("A")
        assert alpha.getextrema() == (0, 255)  # a figure on a transparent background


def test_without_egl_or_display_the_user_gets_a_clear_error(avatar: Path, tmp_path: Path) -> None:
    env = {**os.environ, "GLCONTEXT_LINUX_LIBEGL": NO_EGL}
    env.pop("DISPLAY", None)
    out = tmp_path / "none.webp"
    done = thumbnail(avatar, out, env, xvfb=False)
    assert done.returncode == 1
    assert "cannot render: no OpenGL 3.3 context" in done.stderr
    assert "GLX was not tried: DISPLAY is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
