"""Big files read through SHA-256 while the store is still being reached.

A file's key holds its content id, so a big file's first part waits for the
whole file's SHA-256 (0.6 s a GiB). Before the engine starts, a command opens
the store (loading botocore: 0.15 s) and makes its first round trips, on one core
and without the disk. A :class:`Prehasher` spends that time reading the batch's
files big enough for parts, in the order the engine will take them, through
SHA-256 and their parts' checksums (the same read :func:`.hashing.read_hashes`
does for the engine). The engine then takes a file's hashes instead of reading
it again, or waits for the one being read; a file it reaches first, it reads
itself, and the prehasher leaves it alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Algorithm, Checksum
from lytsite_desktop.core.errors import Interrupted, TransferError
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.transfer.hashing import Span, planned_spans, read_hashes

log = logging.getLogger(__name__)

Hashes = tuple[str, dict[Span, Checksum]]  # the SHA-256, the spans' checksums


class Prehasher:
    """Reads files on a thread of its own until :meth:`stop` (or none are left).
    ``part_checksum``: what the destination's parts carry; a file whose hash the
    journal keeps from an earlier run is not read."""

    def __init__(
        self, settings: TransferSettings, part_checksum: Algorithm, journal: Journal
    ) -> None:
        self._settings, self._algorithm, self._journal = settings, part_checksum, journal
        self._lock = threading.Condition()
        self._claimed: set[str] = set()  # asked for by the engine: its to read
        self._reading: str | None = None
        self._read: dict[str, tuple[tuple[int, int, int], Hashes]] = {}
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self, sources: Iterable[str]) -> None:
        """Read the files big enough for parts among ``sources``, in that order."""
        todo = list(sources)
        self._thread = threading.Thread(target=self._run, args=(todo,), name="prehash", daemon=True)
        self._thread.start()

    def _run(self, sources: list[str]) -> None:
        for path in sources:
            with self._lock:
                if self._stopped:
                    return
                if path in self._claimed:
                    continue
                self._reading = path
            done = None
            try:
                done = self._read_one(path)
            except (OSError, TransferError, Interrupted) as exc:  # the engine reads it itself
                log.info("not read ahead: %s", exc)
            with self._lock:
                if done is not None:
                    self._read[path] = done
                self._reading = None
                self._lock.notify_all()

    def _read_one(self, path: str) -> tuple[tuple[int, int, int], Hashes] | None:
        st = os.stat(path)
        if st.st_size < self._settings.multipart_threshold:
            return None
        if self._journal.cached_hash(path, *_identity(st)):
            return None
        algorithm, spans = planned_spans(self._settings, st.st_size, "sha256", self._algorithm)
        return _identity(st), read_hashes(path, st, algorithm, spans, lambda: self._stopped)

    def has(self, path: str, st: os.stat_result) -> bool:
        """Are the file's hashes here, read from these bytes? (never waits)"""
        with self._lock:
            found = self._read.get(path)
        return found is not None and found[0] == _identity(st)

    def take(
        self, path: str, st: os.stat_result, should_stop: Callable[[], bool] = lambda: False
    ) -> Hashes | None:
        """The file's hashes if they were read from these bytes (waits while the
        file is being read, raising Interrupted if ``should_stop`` says so); None:
        the caller reads it (and it is not read here)."""
        with self._lock:
            self._claimed.add(path)
            while self._reading == path:
                if should_stop():  # paused or cancelled while waiting: say so at once
                    raise Interrupted()
                self._lock.wait(timeout=0.1)
            found = self._read.pop(path, None)
        if found is None or found[0] != _identity(st):
            return None
        return found[1]

    def stop(self, timeout: float = 5.0) -> None:
        """Read nothing more: the file being read is given up, and the thread is
        gone when this returns (the journal it asks may be closed next)."""
        with self._lock:
            self._stopped = True
            self._read.clear()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)


def _identity(st: os.stat_result) -> tuple[int, int, int]:
    """Size, modification time and inode: the same bytes, as the hash cache says."""
    return st.st_size, st.st_mtime_ns, st.st_ino
