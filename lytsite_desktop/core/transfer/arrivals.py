"""What became of a body's bytes: handed to the connection, and arrived.

A socket takes data long before the link carries it (see
core.platform.sendqueue), so a bar may only show the bytes the store's side has
acknowledged. :class:`Arrivals` counts both for one body being sent and reports
them as ``on_bytes(handed, arrived)`` deltas: when the sending thread hands a
chunk over (the connection asks for one only once the kernel has taken the
last, which it does as the link drains its buffer), and while the last bytes
drain. Where the platform cannot tell what arrived, what is handed over counts
as it goes. One thread, the one sending the body, uses it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from lytsite_desktop.core.errors import Interrupted
from lytsite_desktop.core.platform.sendqueue import (
    Acknowledged,
    acknowledgements,
    wait_readable,
)

#: How often the count is read while the last bytes drain (at most, and at first
#: when the answer cannot be waited for).
_DRAIN_POLL = 0.1
_DRAIN_FIRST = 0.001
#: Last bytes that have not moved for this long are left to the answer's timeout.
_DRAIN_PATIENCE = 5.0


class Arrivals:
    """One body's count. ``handed`` and ``arrived`` are as reported so far."""

    def __init__(self, on_bytes: Callable[[int, int], None]) -> None:
        self._on_bytes = on_bytes
        self._connection: object = None
        self._acks: Acknowledged | None = None
        #: What arrived cannot be read (no socket known, or not on this platform).
        self.blind = False
        self.handed = 0
        self.arrived = 0
        self._written = 0  # of ``handed``, the bytes certainly in the kernel

    def watch(self, connection: object) -> None:
        """The HTTP connection about to send the body (its ``sock`` once open)."""
        self._connection, self._acks, self.blind = connection, None, False

    def handing(self, n: int) -> None:
        """``n`` more bytes go to the connection now; every byte before is in the
        kernel (the connection asks for more only once it has written them)."""
        self._written = self.handed
        self._count(n, self._look())

    def drain(self, should_stop: Callable[[], bool]) -> None:
        """After the last byte: report while the rest arrives, and return once it
        has (the answer is due) or nothing moved for a while (a dead link: the
        answer's timeout decides). The wait between looks ends when the socket has
        something to read: the answer, which comes once the store has every byte."""
        sock = getattr(self._connection, "sock", None)
        if self.blind or not isinstance(sock, socket.socket):
            return
        last, moved, pause = -1, time.monotonic(), _DRAIN_FIRST
        woken = by_clock = False
        while True:
            self._written = self.handed
            acked = self._look()
            if acked is None:  # closed, or taken back
                return
            self._count(0, acked)
            left = self.handed - self.arrived
            if not left:
                return
            # Something to read while bytes are still on their way is not the
            # answer (an interim "100 Continue", a TLS session ticket): from now on
            # go by the clock, as often as their pace says they will be in.
            by_clock = by_clock or woken
            now = time.monotonic()
            if left < last:
                rate = (last - left) / max(now - moved, 1e-6)
                pause = min(_DRAIN_POLL, max(_DRAIN_FIRST, left / rate / 2))
            if left != last:
                last, moved = left, now
            elif now - moved > _DRAIN_PATIENCE:
                return
            if should_stop():
                raise Interrupted()
            if by_clock:
                time.sleep(pause)
            else:
                woken = wait_readable(sock, _DRAIN_POLL)

    def take_back(self, to: int) -> None:
        """A rewind to ``to`` (a retry) or a failure (0): what follows is uncounted."""
        arrived = min(self.arrived, to)
        self._on_bytes(to - self.handed, arrived - self.arrived)
        self.handed = self._written = to
        self.arrived = arrived
        self._acks = None  # counted afresh from the next chunk

    def settle(self, length: int) -> None:
        """The store answered that it has all ``length`` bytes."""
        if self.handed < length or self.arrived < length:
            self._on_bytes(length - self.handed, length - self.arrived)
            self.handed = self.arrived = self._written = length

    def _look(self) -> int | None:
        """Bytes of the body the peer has acknowledged (None: not known now). The
        count starts at the first chunk: the request's head is out by then."""
        if self._acks is None and not self.blind:
            sock = getattr(self._connection, "sock", None)
            if isinstance(sock, socket.socket):
                self._acks = acknowledgements(sock)
            self.blind = self._acks is None
        return None if self._acks is None else self._acks(self._written)

    def _count(self, handed: int, acked: int | None) -> None:
        if self.blind:
            arrived = self.handed + handed
        elif acked is None:
            arrived = self.arrived
        else:
            arrived = max(self.arrived, min(acked, self._written))
        if handed or arrived != self.arrived:
            self._on_bytes(handed, arrived - self.arrived)
            self.handed += handed
            self.arrived = arrived
