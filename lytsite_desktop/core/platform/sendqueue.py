"""How much of what is written to a socket its peer has acknowledged.

A socket takes data long before the link carries it: the kernel's send buffer
grows to megabytes on a slow uplink, so counting the bytes handed to it puts a
progress bar seconds ahead of the truth, and it sits at 98% while the buffer
drains. The kernel knows: on Linux, the connection's count of acknowledged
bytes (TCP_INFO's tcpi_bytes_acked), and once, to know where to count from,
what is still queued (SIOCOUTQ); on macOS, what its send buffer still holds,
which keeps bytes until they are acknowledged (SO_NWRITE). Elsewhere (Windows)
it is not known and callers count what they handed over, as before.

getsockopt does not let go of Python's lock, an ioctl does: the sending threads
would queue for it again on every look, so the ioctl is made once per body.
"""

from __future__ import annotations

import logging
import select
import socket
import struct
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

#: How many bytes written since :func:`acknowledgements` was called the peer has
#: acknowledged, given how many were written; None when it cannot be read now.
Acknowledged = Callable[[int], int | None]

#: Where struct tcp_info keeps tcpi_bytes_acked (Linux 4.1 on), and its size to there.
_BYTES_ACKED = 120
_INFO_SIZE = 128


def _linux(sock: socket.socket) -> Acknowledged:
    import fcntl
    import termios

    def acked() -> int:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _INFO_SIZE)
        if len(info) < _INFO_SIZE:
            raise OSError("tcp_info without tcpi_bytes_acked (Linux before 4.1)")
        return int(struct.unpack_from("Q", info, _BYTES_ACKED)[0])

    # SIOCOUTQ (the same number as TIOCOUTQ): written and not yet acknowledged.
    queued = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    before = acked() + int(queued)  # everything written before now

    def since(written: int) -> int | None:
        try:
            return acked() - before
        except OSError:
            return None

    return since


def _macos(sock: socket.socket) -> Acknowledged:
    so_nwrite = 0x1024  # bytes in the send buffer, which keeps them until acknowledged
    sock.getsockopt(socket.SOL_SOCKET, so_nwrite)

    def since(written: int) -> int | None:
        try:
            return written - int(sock.getsockopt(socket.SOL_SOCKET, so_nwrite))
        except OSError:
            return None

    return since


_PLATFORM: Callable[[socket.socket], Acknowledged] | None = (
    _linux if sys.platform.startswith("linux") else _macos if sys.platform == "darwin" else None
)
#: Can this platform tell what a socket's peer acknowledged?
KNOWN = _PLATFORM is not None


def acknowledgements(sock: socket.socket) -> Acknowledged | None:
    """Counts what ``sock``'s peer acknowledges of the bytes written from now on;
    None when this platform (or this socket) cannot tell."""
    if _PLATFORM is None:
        return None
    try:
        if sock.fileno() < 0:
            return None
        return _PLATFORM(sock)
    except (OSError, ValueError) as exc:
        log.debug("cannot count a socket's acknowledged bytes: %s", exc)
        return None


def wait_readable(sock: socket.socket, timeout: float) -> bool:
    """Does ``sock`` have something to read within ``timeout`` seconds (True too
    when it cannot be waited on)?"""
    try:
        fd = sock.fileno()
        if fd < 0:
            return True
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(timeout * 1000))
        return bool(select.select([fd], [], [], timeout)[0])
    except (OSError, ValueError):
        return True
