"""Reading one part of a source file from disk while it is being sent."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import BinaryIO

from lytsite_desktop.core.destinations.base import Algorithm, Checksum, new_hash
from lytsite_desktop.core.errors import Interrupted, PermanentError, SourceChangedError
from lytsite_desktop.core.transfer.arrivals import Arrivals
from lytsite_desktop.core.transfer.ratelimit import RateLimiter

log = logging.getLogger(__name__)

_CHUNK = 256 * 1024


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

    Progress goes to ``on_bytes(handed, arrived)`` (see :mod:`.arrivals`): the
    connection about to send this body hands itself over first
    (:meth:`watch_connection`), and after the last byte the reader waits,
    reporting, while it arrives (the answer cannot come sooner). Leaving the
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
        self._should_stop = should_stop
        self.count = Arrivals(on_bytes)
        try:
            self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise source_error(exc, path) from exc

    def __len__(self) -> int:
        return self._length

    def watch_connection(self, connection: object) -> None:
        """Called by the HTTP connection about to send this body."""
        self.count.watch(connection)

    def read(self, amt: int | None = -1) -> bytes:
        if self._should_stop():
            raise Interrupted()
        remaining = self._length - self._pos
        if remaining <= 0:
            self.count.drain(self._should_stop)
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
        if self._pos == self.count.handed:
            self.count.handing(len(data))
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
        if self._pos < self.count.handed:  # a rewind (retry) takes back what was counted
            self.count.take_back(self._pos)
        return self._pos

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
            if exc_type is None:
                self.count.settle(self._length)
            else:
                self.count.take_back(0)
        finally:
            self.close()
