"""One window per user (and per LYTSITE_HOME): a second launch hands its paths over.

`lytsite-desktop FOLDER` while the window is open sends FOLDER to that window
through a local socket (a named pipe on Windows) and exits; the window queues
it as if dropped and comes to the front.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from lytsite_desktop.core.config.paths import AppPaths

CONNECT_MS = 500


def server_name(paths: AppPaths | None = None) -> str:
    paths = paths or AppPaths.discover()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    digest = hashlib.sha256(f"{user}\0{paths.state_dir}".encode()).hexdigest()[:16]
    return f"lytsite-desktop-{digest}"


def hand_over(paths: list[str], name: str | None = None) -> bool:
    """Give ``paths`` to a window already open; False when there is none."""
    socket = QLocalSocket()
    socket.connectToServer(name or server_name())
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(json.dumps({"paths": paths}).encode() + b"\n")
    socket.flush()
    socket.waitForBytesWritten(CONNECT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; calls ``on_paths`` with what they hand over."""

    def __init__(
        self,
        on_paths: Callable[[list[str]], None],
        name: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_paths = on_paths
        self.name = name or server_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(self.name):
            QLocalServer.removeServer(self.name)  # left by a crashed window
            self._server.listen(self.name)
        self._server.newConnection.connect(self._accept)

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            try:
                message = json.loads(bytes(socket.readLine().data()))
                paths = [str(p) for p in message.get("paths", [])]
            except (ValueError, AttributeError):
                continue
            self._on_paths(paths)

    def close(self) -> None:
        self._server.close()
