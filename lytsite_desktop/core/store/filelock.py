"""Cross-process ownership of journal rows: one byte-range lock per row in one file.

The OS drops the locks when the process exits, even on SIGKILL, so a crashed
upload never stays locked. Locks are per process: within one process the engine
itself keeps a file from being driven twice.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int, offset: int) -> bool:
        os.lseek(fd, offset, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int, offset: int) -> None:
        os.lseek(fd, offset, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _wait(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # tries for 10 s, then raises
                return
            except OSError:
                continue

else:
    import fcntl

    def _lock(fd: int, offset: int) -> bool:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
        except OSError:
            return False
        return True

    def _unlock(fd: int, offset: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)

    def _wait(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)


class RowLocks:
    """Owns the lock file; ``claim(n)`` locks byte n of it without blocking."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._mutex = threading.Lock()
        #: The rows this process holds. The OS cannot be asked: a POSIX process
        #: locks again what it holds (and one unlock lets it go), Windows refuses.
        self._held: set[int] = set()

    def claim(self, row: int) -> bool:
        """Hold ``row`` (True also if this process holds it already)."""
        with self._mutex:
            if row in self._held:
                return True
            if not _lock(self._fd, row):
                return False
            self._held.add(row)
            return True

    def release(self, row: int) -> None:
        with self._mutex:
            if row in self._held:
                self._held.discard(row)
                _unlock(self._fd, row)

    def held_here(self, row: int) -> bool:
        with self._mutex:
            return row in self._held

    def held_elsewhere(self, row: int) -> bool:
        """Does another process hold ``row``? (Asking never lets go of this one's.)"""
        with self._mutex:
            if row in self._held:
                return False
            if _lock(self._fd, row):
                _unlock(self._fd, row)
                return False
            return True

    def close(self) -> None:
        with self._mutex:
            os.close(self._fd)


class FileLock:
    """``with FileLock(path):`` waits for, then holds, an exclusive lock on ``path``
    (created if missing) across processes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = -1

    def __enter__(self) -> FileLock:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _wait(self._fd)
        except BaseException:
            os.close(self._fd)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            _unlock(self._fd, 0)
        finally:
            os.close(self._fd)
