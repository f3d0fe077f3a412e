"""One studio per data folder (QA3 F12): ``studio a.vrm`` while the studio is open hands the file
to the open window, which adds it, opens it and comes to the front; the second process exits 0
without a window of its own. A studio on another data folder is not disturbed, and a socket left
behind by a crash does not stop the next studio from starting."""

from __future__ import annotations

import json
import os
import socket as pysocket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalSocket

from studio.ui.launch import listen_for_files
from studio.ui.single_instance import InstanceServer, claim, server_name
from tests.ui.avatars import VRM1, VRM1_TITLE

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def running(make_main_window, make_studio) -> Iterator[tuple]:
    """An open studio window listening for later ``studio`` processes, as ``launch`` sets it up."""
    studio = make_studio()
    window = make_main_window(studio, synchronous=False, show=True)
    server = claim(server_name(studio.settings.data_dir), [])
    assert server is not None  # nobody else listens on this test's data folder
    listen_for_files(window, server)
    window.start()
    yield studio, window
    server.close()


def second_studio(studio, *args: str, cwd: Path) -> subprocess.Popen:
    """``studio ARGS`` in another process, on the same data folder (what a file manager runs)."""
    env = {
        **os.environ,
        "STUDIO_HOME": str(studio.settings.config_dir.parent),
        "STUDIO_DATA_DIR": str(studio.settings.data_dir),
        "STUDIO_CONFIG_DIR": str(studio.settings.config_dir),
        "STUDIO_USERNAME": studio.settings.username,
        "STUDIO_ADDRESS": studio.settings.address,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.Popen([sys.executable, "-m", "studio", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_exit(qtbot, proc: subprocess.Popen) -> int:
    try:  # the open window must keep answering while the other process waits for it
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60000)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return int(proc.returncode)


def test_a_file_opened_while_running_goes_to_the_open_window(running, qtbot, tmp_path: Path) -> None:
    studio, window = running
    qtbot.waitUntil(lambda: window.wardrobe.task is None and window.runner.running == 0, timeout=60000)
    copy = tmp_path / "mine.vrm"
    copy.write_bytes(VRM1.read_bytes())
    window.showMinimized()
    proc = second_studio(studio, "mine.vrm", cwd=tmp_path)  # a relative path, from its own folder
    assert wait_exit(qtbot, proc) == 0, proc.stdout.read() if proc.stdout else ""
    shows = lambda: window.wardrobe.entry is not None and window.wardrobe.entry.name == VRM1_TITLE  # noqa: E731
    qtbot.waitUntil(lambda: shows() and window.wardrobe.task is None, timeout=60000)
    assert [e.name for e in studio.wardrobe.list(studio.identity())] == [VRM1_TITLE]
    assert not window.isMinimized()  # it came to the front


def test_a_plain_studio_while_running_only_raises_the_window(running, qtbot, tmp_path: Path) -> None:
    studio, window = running
    window.showMinimized()
    assert wait_exit(qtbot, second_studio(studio, cwd=tmp_path)) == 0
    qtbot.waitUntil(lambda: not window.isMinimized(), timeout=10000)
    assert studio.wardrobe.list(studio.identity()) == []  # nothing was added


def test_each_data_folder_has_its_own_studio(tmp_path: Path) -> None:
    one, two = tmp_path / "one" / "data", tmp_path / "two" / "data"
    assert server_name(one) == server_name(tmp_path / "one" / ".." / "one" / "data")
    assert server_name(one) != server_name(two)
    first = claim(server_name(one), [])
    try:
        assert first is not None
        second = claim(server_name(two), [])  # another STUDIO_HOME: a studio of its own
        assert second is not None
        second.close()
    finally:
        first.close()


def test_a_socket_left_by_a_crash_does_not_stop_the_next_studio(qtbot, tmp_path: Path) -> None:
    name = server_name(tmp_path / "crashed")
    path = os.path.join(QDir.tempPath(), name)
    stale = pysocket.socket(pysocket.AF_UNIX, pysocket.SOCK_STREAM)
    stale.bind(path)  # a listening socket file whose process is gone
    stale.close()
    assert os.path.exists(path)
    server = claim(name, [])
    assert isinstance(server, InstanceServer)
    try:
        client = QLocalSocket()  # and it really answers
        client.connectToServer(name)
        assert client.waitForConnected(1000)
        with qtbot.waitSignal(server.files_received, timeout=5000) as got:
            client.write(json.dumps({"files": ["/somewhere/a.vrm"]}).encode() + b"\n")
            client.flush()
        assert got.args == [["/somewhere/a.vrm"]]
        qtbot.waitUntil(lambda: client.bytesAvailable() > 0, timeout=5000)
        assert bytes(client.readAll().data()).strip() == b"ok"
    finally:
        server.close()
