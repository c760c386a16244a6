"""How much of what a socket was given its peer has not acknowledged yet.

A socket takes data long before the link carries it: the kernel's send buffer
grows to megabytes on a slow uplink, so counting the bytes handed to it puts a
progress bar seconds ahead of the truth, and it sits at 98% while the buffer
drains. The kernel knows what is still queued, sent or not, until the peer
acknowledges it: Linux's SIOCOUTQ, macOS's SO_NWRITE. Elsewhere (Windows) it is
not known and callers count what they handed over, as before.
"""

from __future__ import annotations

import logging
import socket
import struct
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)


def _linux_queue(sock: socket.socket) -> int:
    import fcntl
    import termios

    # SIOCOUTQ (the same number as TIOCOUTQ): bytes not yet acknowledged.
    raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
    return int(struct.unpack("i", raw)[0])


def _macos_queue(sock: socket.socket) -> int:
    so_nwrite = 0x1024  # bytes in the send buffer, which keeps them until acknowledged
    return int(sock.getsockopt(socket.SOL_SOCKET, so_nwrite))


_queued: Callable[[socket.socket], int] | None = (
    _linux_queue
    if sys.platform.startswith("linux")
    else _macos_queue
    if sys.platform == "darwin"
    else None
)


def unacknowledged(sock: socket.socket | None) -> int | None:
    """Bytes given to ``sock`` that its peer has not acknowledged; None when the
    platform cannot tell, or the socket is closed."""
    if _queued is None or sock is None:
        return None
    try:
        if sock.fileno() < 0:
            return None
        return max(0, _queued(sock))
    except (OSError, ValueError) as exc:
        log.debug("cannot read a socket's send queue: %s", exc)
        return None
