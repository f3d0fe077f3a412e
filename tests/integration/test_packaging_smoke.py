"""The installer smoke test in CI: build the PyInstaller bundle and run it with the virtualenv out
of reach (packaging/smoke_test.sh: --version, the self-test under Xvfb, a parallel prebuilt build, the
per-user installer and the .deb's contents).

About 1-2 minutes (the build is ~45 s on a quiet 2-core machine) and ~1 GB of temporary disk; it
catches a new dependency or data file the bundle misses, which no other test can."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.paths import TESTS_DIR

REPO = TESTS_DIR.parent
MB = 1024 * 1024


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_bundle_builds_and_runs_without_the_virtualenv(tmp_path: Path) -> None:
    assert shutil.which("xvfb-run"), "xvfb-run is missing: apt-get install -y xvfb xauth (.ci/run does this)"
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: pip install -e '.[test]' installs it")
    dist = tmp_path / "dist"
    env = {**os.environ, "DIST": str(dist), "WORK": str(tmp_path / "work"), "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(REPO / "packaging" / "smoke_test.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "self-test passed" in result.stdout and "smoke: OK" in result.stdout
    assert "ok  open the main window" in result.stdout
    assert "2 items: 2 built" in result.stdout
    assert "install.sh: OK" in result.stdout  # per-user install, the menu entry, then a clean uninstall
    if shutil.which("dpkg-deb"):
        (deb,) = dist.glob("avatar-studio_*_amd64.deb")
        assert "deb: OK" in result.stdout and deb.stat().st_size <= 150 * MB
    tarball = dist / "avatar-studio-linux-x86_64.tar.gz"
    assert tarball.stat().st_size <= 150 * MB, f"bundle is {tarball.stat().st_size / MB:.0f} MB compressed"
    assert (dist / "avatar-studio" / "avatar-studio.desktop").is_file()
    qt = dist / "avatar-studio" / "_internal" / "PySide6"
    assert not list(qt.rglob("*WebEngine*")) and not list(qt.rglob("*Quick3D*"))
    assert (qt / "Qt" / "plugins" / "platforms" / "libqxcb.so").is_file()
    unpacked, packed = _size(dist / "avatar-studio") / MB, tarball.stat().st_size / MB
    print(f"bundle: {unpacked:.0f} MB unpacked, {packed:.0f} MB tar.gz")
