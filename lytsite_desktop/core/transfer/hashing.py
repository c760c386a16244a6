"""A file's SHA-256 (its content id), read once whoever asks first.

Both the ingest thread (the preview is cached by content) and the upload worker
(the key holds the content id) need it; the second waits for the first and takes
its answer. The journal caches hashes by path, size, mtime and inode, so a folder
dropped again is not read again; a big file read ahead while the command was
still reaching the store (:mod:`.prehash`) is taken from there. The checksums
the file's requests carry are computed in the same read, so the file is read
once more (to send it), not twice.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Algorithm, Checksum, new_hash
from lytsite_desktop.core.errors import Interrupted, PermanentError, SourceChangedError
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.store.records import HashEntry
from lytsite_desktop.core.transfer.planning import plan_parts
from lytsite_desktop.core.transfer.reader import source_error
from lytsite_desktop.core.transfer.task import EngineServices, FileTask

_CHUNK = 1024 * 1024
#: Files read for their hashes at once: one per core. Hashing is bound by the
#: CPU, so more at once only shares the cores between files, and every file's
#: hash (with the preview and the upload that wait for it) comes later; so, the
#: first files are done first.
READERS = max(2, os.cpu_count() or 2)
_READERS = threading.BoundedSemaphore(READERS)
#: A turn is waited for at most this long: a read that hangs (a card with a bad
#: sector, a share gone away) never holds up the other files for longer.
TURN_WAIT = 1.0


def stat_source(task: FileTask) -> os.stat_result:
    try:
        st = os.stat(task.source)
    except OSError as exc:
        raise PermanentError(str(source_error(exc, task.source))) from exc
    if not stat.S_ISREG(st.st_mode):
        raise PermanentError("it is not a regular file any more")
    return st


def sha256_of(
    engine: EngineServices, task: FileTask, st: os.stat_result, *, shown: bool = True
) -> str:
    """The file's SHA-256 (``shown``: the file shows "hashing" while it is read)."""
    with engine.lock:
        engine.lock.wait_for(lambda: not task.hashing or engine.should_stop(task))
        if engine.should_stop(task):
            raise Interrupted()
        now = (st.st_size, st.st_mtime_ns, st.st_ino)
        if task.sha256 and task.hashed_stat == now:
            return task.sha256  # hashed (and cached) by the other side
        task.hashing = True
    try:
        sha, entry = _hash_once(engine, task, st, shown)
        if entry is not None:
            engine.journal.store_hash(entry)
        with engine.lock:
            task.sha256, task.hashed_stat = sha, now
        return sha
    finally:
        with engine.lock:
            task.hashing = False
            engine.lock.notify_all()


def hash_quietly(engine: EngineServices, task: FileTask, st: os.stat_result) -> str:
    """The SHA-256 of a file whose parts are leaving meanwhile (it shows them)."""
    return sha256_of(engine, task, st, shown=False)


def _hash_once(
    engine: EngineServices, task: FileTask, st: os.stat_result, shown: bool
) -> tuple[str, HashEntry | None]:
    cached = engine.journal.cached_hash(task.source, st.st_size, st.st_mtime_ns, st.st_ino)
    if cached:
        return cached, None
    read = None
    if engine.prehashed is not None:
        read = engine.prehashed.take(task.source, st, lambda: engine.should_stop(task))
    if read is None:
        with engine.lock:  # never over what a file is doing (its parts may be leaving)
            shown = shown and task.state is FileState.QUEUED
        if shown:
            engine.set_state(task, FileState.HASHING)
        algorithm, spans = planned_spans(
            engine.settings, st.st_size, engine.dest.checksum, engine.dest.part_checksum
        )
        read = read_hashes(task.source, st, algorithm, spans, lambda: engine.should_stop(task))
    sha, task.span_sums = read
    return sha, HashEntry(task.source, st.st_size, st.st_mtime_ns, st.st_ino, sha)


Span = tuple[int, int]  # offset, length


def planned_spans(
    settings: TransferSettings, size: int, checksum: Algorithm, part_checksum: Algorithm
) -> tuple[Algorithm, list[Span]]:
    """The spans whose checksums a file's requests will carry, and their algorithm:
    each part's of the plan its upload will most likely use, or for one PUT the
    whole file's (none under SHA-256: that is the content id itself)."""
    if size >= settings.multipart_threshold:
        plan = plan_parts(size, settings.part_size)
        return part_checksum, [plan.span(n) for n in range(1, plan.count + 1)]
    return checksum, [] if checksum == "sha256" else [(0, size)]


def read_hashes(
    path: str, st: os.stat_result, algorithm: Algorithm, spans: list[Span],
    should_stop: Callable[[], bool],
) -> tuple[str, dict[Span, Checksum]]:  # fmt: skip
    """One read of the file: its SHA-256 and the spans' checksums. Raises
    SourceChangedError if it changed meanwhile, Interrupted when told to stop."""
    digest = hashlib.sha256()
    hasher = _SpanHasher(algorithm, spans)
    # A slow checksum (MD5, CRC-32) on a second thread (both release the GIL): the
    # file's SHA-256 alone sets the pace, and its key is known that much sooner.
    # CRC-32C takes a tenth of SHA-256's time: beside it, not worth a thread's handoffs.
    side = ThreadPoolExecutor(1, "lytsite-hash") if spans and algorithm != "crc32c" else None
    try:
        with _reading(should_stop), open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                if should_stop():
                    raise Interrupted()
                done = side.submit(hasher.update, chunk) if side else None
                digest.update(chunk)
                if done is not None:
                    done.result()
                elif spans:
                    hasher.update(chunk)
    except OSError as exc:
        raise PermanentError(str(source_error(exc, path))) from exc
    finally:
        if side is not None:
            side.shutdown()
    after = os.stat(path)
    if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
        raise SourceChangedError("the file changed while it was being read")
    return digest.hexdigest(), hasher.sums


@contextmanager
def _reading(should_stop: Callable[[], bool]) -> Iterator[None]:
    """A turn among :data:`_READERS`, waited for (at most :data:`TURN_WAIT`, then
    without one); Interrupted when told to stop meanwhile."""
    deadline = time.monotonic() + TURN_WAIT
    turn = False
    while not turn and time.monotonic() < deadline:
        turn = _READERS.acquire(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
        if not turn and should_stop():
            raise Interrupted()
    try:
        yield
    finally:
        if turn:
            _READERS.release()


class _SpanHasher:
    """Checksums of consecutive spans, fed the file's bytes in order."""

    def __init__(self, algorithm: Algorithm, spans: list[Span]) -> None:
        self.algorithm, self.spans = algorithm, spans
        self.sums: dict[Span, Checksum] = {}
        self._index, self._pos = 0, 0
        self._hash = new_hash(self.algorithm)

    def update(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view and self._index < len(self.spans):
            offset, length = self.spans[self._index]
            take = min(len(view), offset + length - self._pos)
            # A read inside one span (the usual case: spans are whole reads) goes
            # as itself: CRC-32C takes bytes only and would copy a view of it.
            self._hash.update(chunk if take == len(chunk) else view[:take])
            view, self._pos = view[take:], self._pos + take
            if self._pos == offset + length:
                self.sums[(offset, length)] = Checksum(self.algorithm, self._hash.digest())
                self._index += 1
                self._hash = new_hash(self.algorithm)
