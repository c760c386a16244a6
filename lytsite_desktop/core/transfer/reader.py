"""Reading one part of a source file from disk while it is being sent."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import BinaryIO

from lytsite_desktop.core.destinations.base import Algorithm, Checksum, new_hash
from lytsite_desktop.core.errors import Interrupted, PermanentError, SourceChangedError
from lytsite_desktop.core.platform.sendqueue import (
    Acknowledged,
    acknowledgements,
    wait_readable,
)
from lytsite_desktop.core.transfer.ratelimit import RateLimiter

log = logging.getLogger(__name__)

_CHUNK = 256 * 1024
#: How often the count is read while the last bytes drain from the send queue
#: (at most, and at first when the answer cannot be waited for).
_DRAIN_POLL = 0.1
_DRAIN_FIRST = 0.001
#: A send queue that has not moved for this long is left to the answer's timeout.
_DRAIN_PATIENCE = 5.0


class SourceReadError(PermanentError):
    """The source file could not be read (vanished, unreadable disk)."""


def source_error(exc: OSError, path: str) -> SourceReadError | SourceChangedError:
    """The photographer's words for a source file that cannot be read (the row and
    the message name the file; its path on this computer goes to the log only)."""
    log.info("cannot read %s: %s", path, exc)
    if isinstance(exc, FileNotFoundError):
        return SourceChangedError("the file is gone (moved or deleted after it was added)")
    return SourceReadError(f"the file cannot be read ({exc.strerror or exc})")


def span_checksums(path: str, offset: int, length: int, *algorithms: Algorithm) -> list[Checksum]:
    """Checksums of ``length`` bytes at ``offset``, one per algorithm, in one read."""
    hashes = [new_hash(a) for a in algorithms]
    remaining = length
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            while remaining:
                chunk = fh.read(min(1024 * 1024, remaining))
                if not chunk:
                    raise SourceChangedError("the file got shorter while it was uploaded")
                for h in hashes:
                    h.update(chunk)
                remaining -= len(chunk)
    except OSError as exc:
        raise source_error(exc, path) from exc
    return [Checksum(a, h.digest()) for a, h in zip(algorithms, hashes, strict=True)]


class SpanReader:
    """A read-only, seekable file-like view of ``length`` bytes at ``offset``.

    Memory stays at one chunk whatever the part size. Every read passes through
    the global rate limiter and checks ``should_stop`` so a pause, cancel or
    Ctrl-C interrupts a part mid-flight.

    Progress goes to ``on_bytes(handed, acknowledged)``: the bytes handed to the
    connection, and of them the bytes its peer has acknowledged, which is what a
    bar may show (where the platform cannot tell, the two are the same). The
    connection about to send this body hands itself over first
    (:meth:`watch_connection`); after the last byte the reader waits, reporting,
    while the kernel's send queue drains (the answer cannot come sooner). Leaving the
    ``with`` block settles the count: the rest counted when the send succeeded,
    all of it taken back when it failed.
    """

    def __init__(
        self,
        path: str,
        offset: int,
        length: int,
        *,
        limiter: RateLimiter,
        on_bytes: Callable[[int, int], None],
        should_stop: Callable[[], bool],
    ) -> None:
        self._path = path
        self._offset = offset
        self._length = length
        self._pos = 0
        self._limiter = limiter
        self._on_bytes = on_bytes
        self._should_stop = should_stop
        self._connection: object = None
        try:
            self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise source_error(exc, path) from exc
        #: Bytes handed out in order from the start and not taken back by a rewind.
        self.sent = 0
        #: Of those, the bytes the connection's peer has acknowledged (as reported).
        self.acknowledged = 0
        #: What the peer acknowledged cannot be read (no socket known, or not on
        #: this platform): what is handed out counts as it goes.
        self.blind = False
        self._acks: Acknowledged | None = None

    def __len__(self) -> int:
        return self._length

    def watch_connection(self, connection: object) -> None:
        """The HTTP connection about to send this body (its ``sock`` once open)."""
        self._connection = connection
        self._acks, self.blind = None, False

    def _acked(self) -> int | None:
        """Bytes of the body the peer has acknowledged (None: not known now). The
        count starts at the first read: the request's head is out by then."""
        if self._acks is None and not self.blind:
            sock = getattr(self._connection, "sock", None)
            if isinstance(sock, socket.socket):
                self._acks = acknowledgements(sock)
            self.blind = self._acks is None
        return None if self._acks is None else self._acks(self.sent)

    def _report(self, handed: int, acked: int | None) -> None:
        """``handed`` more bytes go to the connection now, and ``acked`` of those
        before have arrived (None: not known now, the count stays; blind:
        everything handed counts)."""
        if self.blind:
            acked = self.sent + handed
        elif acked is None:
            acked = self.acknowledged
        else:
            acked = max(self.acknowledged, min(acked, self.sent))
        if handed or acked != self.acknowledged:
            self._on_bytes(handed, acked - self.acknowledged)
            self.sent += handed
            self.acknowledged = acked

    def _drain(self) -> None:
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
            acked = self._acked()
            if acked is None:  # closed
                return
            self._report(0, acked)
            queued = self.sent - self.acknowledged
            if not queued:
                return
            # Something to read while bytes are still on their way is not the
            # answer (an interim "100 Continue", a TLS session ticket): from now on
            # go by the clock, as often as their pace says they will be in.
            by_clock = by_clock or woken
            now = time.monotonic()
            if queued < last:
                rate = (last - queued) / max(now - moved, 1e-6)
                pause = min(_DRAIN_POLL, max(_DRAIN_FIRST, queued / rate / 2))
            if queued != last:
                last, moved = queued, now
            elif now - moved > _DRAIN_PATIENCE:
                return
            if self._should_stop():
                raise Interrupted()
            if by_clock:
                time.sleep(pause)
            else:
                woken = wait_readable(sock, _DRAIN_POLL)

    def read(self, amt: int | None = -1) -> bytes:
        if self._should_stop():
            raise Interrupted()
        remaining = self._length - self._pos
        if remaining <= 0:
            self._drain()
            return b""
        # Larger reads than asked are fine for http.client and cut per-call overhead.
        n = remaining if amt is None or amt < 0 else min(remaining, max(amt, _CHUNK))
        self._limiter.consume(n, self._should_stop)
        try:
            self._fh.seek(self._offset + self._pos)
            data = self._fh.read(n)
        except OSError as exc:
            raise source_error(exc, self._path) from exc
        if len(data) < n:
            raise SourceChangedError("the file got shorter while it was uploaded")
        if self._pos == self.sent:
            self._report(len(data), self._acked())
        self._pos += len(data)
        return data

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            new = pos
        elif whence == os.SEEK_CUR:
            new = self._pos + pos
        else:
            new = self._length + pos
        self._pos = max(0, min(new, self._length))
        if self._pos < self.sent:  # a rewind (retry) takes back what was counted
            self._take_back(self._pos)
        return self._pos

    def _take_back(self, to: int) -> None:
        acked = min(self.acknowledged, to)
        self._on_bytes(to - self.sent, acked - self.acknowledged)
        self.sent, self.acknowledged = to, acked
        self._acks = None  # what went before is counted from the next read on

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> SpanReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            if exc_type is not None:
                self._take_back(0)
            elif self.sent < self._length or self.acknowledged < self.sent:
                # The store answered that it has the whole span.
                self._on_bytes(self._length - self.sent, self._length - self.acknowledged)
                self.sent = self.acknowledged = self._length
        finally:
            self.close()
