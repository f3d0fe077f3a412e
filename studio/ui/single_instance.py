"""One studio window per data folder: a second ``studio`` hands its files to the running one.

A file manager's "Open with" runs ``studio a.vrm`` whether or not the studio is already open. Two
windows on the same data folder could edit and save the same avatar (the last save wins), so the
first process listens on a local socket named after its data folder (:func:`server_name`; two
``STUDIO_HOME`` folders never share one) and a later process sends it the absolute paths of its
files, waits for the answer and exits. The running window adds the files and comes to the front.

The message is one line of JSON, ``{"files": [...]}``; the answer is ``ok``. A socket left behind
by a studio that crashed answers nobody: it is removed and the new process listens in its place.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

CONNECT_MS = 500  # a running studio accepts at once; a stale socket refuses at once
ANSWER_MS = 5000  # the running studio answers from its event loop (it may be busy for a moment)
MAX_MESSAGE = 1 << 20


class NotAnsweringError(Exception):
    """A studio is listening on this data folder but did not take the files."""


def server_name(data_dir: Path) -> str:
    """The local socket's name for ``data_dir`` (per user and folder; short enough for Unix)."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}\0{Path(data_dir).resolve()}".encode()).hexdigest()[:20]
    return f"avatar-studio-{digest}"


def hand_over(name: str, files: Sequence[str]) -> bool:
    """Send ``files`` (made absolute) to the studio listening on ``name``; False when none is
    (nothing listens, or only a stale socket is left). Raises :class:`NotAnsweringError` when one
    accepted the connection but did not confirm."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    message = json.dumps({"files": [str(Path(f).absolute()) for f in files]}) + "\n"
    socket.write(message.encode("utf-8"))
    socket.flush()
    answer = b""
    while b"\n" not in answer and socket.waitForReadyRead(ANSWER_MS):
        answer += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    if answer.strip() != b"ok":
        raise NotAnsweringError("Avatar Studio is already open but did not answer; try again in a moment.")
    return True


class InstanceServer(QObject):
    """Listens for later ``studio`` processes on the same data folder; ``files_received`` carries
    each one's file paths (an empty list: a plain ``studio``, which only brings the window up)."""

    files_received = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self, *, replace_stale: bool = False) -> bool:
        """Listen on the name; ``replace_stale``: first remove a socket file that nobody answers
        on any more (left by a studio that crashed)."""
        if replace_stale:
            QLocalServer.removeServer(self.name)
        return bool(self.server.listen(self.name))

    def in_use(self) -> bool:
        return self.server.serverError() == QAbstractSocket.SocketError.AddressInUseError

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            self._read(socket)  # bytes may have arrived with the connection

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        self._buffers[socket] = data
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                socket.abort()
            return
        del self._buffers[socket]
        try:
            files = json.loads(data.split(b"\n", 1)[0].decode("utf-8")).get("files", [])
        except (ValueError, AttributeError):
            socket.abort()
            return
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        self.files_received.emit([str(f) for f in files if isinstance(f, str)])

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()


def claim(name: str, files: Sequence[str]) -> InstanceServer | None:
    """Become the studio for this data folder (a listening :class:`InstanceServer`), or hand
    ``files`` to the one already running and return None. Raises :class:`NotAnsweringError`."""
    if hand_over(name, files):
        return None
    server = InstanceServer(name)
    if server.listen():
        return server
    if server.in_use() and hand_over(name, files):  # another studio started listening just now
        return None
    if server.in_use() and server.listen(replace_stale=True):  # nobody answers: a crash left it
        return server
    raise NotAnsweringError(f"Avatar Studio cannot listen for other windows: {server.server.errorString()}")
