"""The manifest writer: rewrites each project's manifest as files complete.

Writes happen on one background thread and are conditional (see
:func:`~lytsite_desktop.core.publish.manifest.commit`), so another computer
publishing into the same project at the same time loses nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from lytsite_desktop.core.backoff import backoff
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import TransferError
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import (
    Drop,
    Manifest,
    Op,
    Pacer,
    Put,
    Versioned,
    commit,
    now_iso,
    read,
)

log = logging.getLogger(__name__)

#: After a write, completions gather for at least this many times its CPU time.
_GATHER = 4.0
#: At a batch's end a write waits for the completions in the air for at most
#: this many pacing intervals.
_SETTLE = 2.0
#: While a batch goes on, a project's page goes up this many seconds after a write
#: changed it (its previews are there: the link shows them while originals still
#: stream), then after twice the wait each time, up to the last (a page of
#: thousands of files is not worth re-sending every second); and at the batch's end.
FIRST_PAGE = 10.0
LAST_PAGE = 300.0


class ManifestWriter:
    """Keeps each project's manifest and rewrites it after files complete: the
    engine's :class:`~lytsite_desktop.core.transfer.listing.Lister`.

    Writes happen on one background thread, at most one per ``min_interval``
    seconds (and, for a manifest slow to encode, per four times that CPU time);
    completions that arrive meanwhile are coalesced into the next write,
    so a burst of small files costs a few manifest PUTs, not one each (and
    encoding a manifest of thousands of entries stays rare). ``flush()`` writes
    what is pending without waiting out the interval.

    An entry's ``durable`` callback runs on the writer's thread once a write that
    includes it has succeeded: only then does the engine count the file as
    published, so a crash never leaves a file "done" that the manifest lacks.

    ``settling()``, when set, says a batch's last completions are in the air: a
    write then waits for them (for at most two intervals), so the batch ends with
    one write, not two; a preview listed ahead of its original waits too (the
    original is all sent). A project's first write is never held. ``wake()``:
    the engine just became quiet (only answers, or nothing, left).

    ``written(manifest, data)`` is called after each write (the offline copy);
    ``pages(manifest, new)`` publishes the web gallery of the projects written
    since: on ``publish_pages()`` (a batch's end), ``flush()`` and ``close()``, and
    while a batch goes on, :data:`FIRST_PAGE` seconds after a write, then at
    doubling waits (a new project's link shows its previews while originals
    still stream; a page of thousands of files is not re-sent every second). ``drained()``,
    when set, says nothing is left in the air or to start: the write about to
    happen ends the batch, so the page drawn from it goes up beside it (one round
    trip at the end, not two) and counts once that conditional write wins. When
    that write is the project's first (one big file), ``new`` says whether the
    project had a manifest at all: if not, its page's assets cannot be there yet.
    """

    def __init__(
        self,
        destination: Destination,
        min_interval: float = 1.0,
        *,
        written: Callable[[Manifest, bytes], None] | None = None,
        pages: Callable[[Manifest, bool], None] | None = None,
    ) -> None:
        self._dest = destination
        self.min_interval = min_interval
        self._written = written
        self._pages = pages
        self._pages_due: set[str] = set()
        self._page_at: float | None = None  # when the due pages go up, the batch going on
        self._page_wait = FIRST_PAGE
        self._hurry = False
        self._pages_asked = False
        self._versions: dict[str, Versioned] = {}
        self._pacer = Pacer(destination.key_pace)
        self._load_lock = threading.Lock()
        self._dirty: set[str] = set()
        self._cv = threading.Condition()
        self._writing = False
        self._closed = False
        #: Closing: what is pending gets one more try, then the writer gives up
        #: (a store that cannot be reached must not hold a quitting app).
        self._closing = False
        self._gave_up = False
        self._pending: dict[str, list[Op]] = {}
        self.settling: Callable[[], bool] | None = None
        self.drained: Callable[[], bool] | None = None
        self._wrote: set[str] = set()  # projects written by this writer
        #: Last failure per project, cleared when a write succeeds.
        self.errors: dict[str, str] = {}
        self._thread = threading.Thread(target=self._run, name="manifest-writer", daemon=True)
        self._thread.start()

    def put(
        self, project: str, entry: ManifestEntry, durable: Callable[[], None] | None = None
    ) -> None:
        if entry.publishedAt is None:
            entry = replace(entry, publishedAt=now_iso())
        self.submit(project, Put(entry, durable))

    def unlist(self, project: str, path: str, file_id: str) -> None:
        """Unlist ``path`` if it is this file and its original never arrived."""
        self.submit(project, Drop(path, file_id))

    def submit(self, project: str, *ops: Op, soon: bool = True) -> None:
        """Queue changes to a project's manifest: written soon, or (``soon`` False)
        with the project's next write (a title rides with the first file listed)."""
        with self._cv:
            self._pending.setdefault(project, []).extend(ops)
            if soon:
                self._dirty.add(project)
                self._cv.notify_all()

    def publish_pages(self) -> None:
        """Publish the web gallery of the projects written since, soon (a batch
        ended); returns at once."""
        with self._cv:
            self._pages_asked = True
            self._cv.notify_all()

    def _next(self) -> tuple[str, bool] | None:
        """The next project to write (and whether it is its pages), None to stop.
        Called with the condition held."""
        while True:
            due = self._page_at if self._pages_due else None
            timed = due is not None and time.monotonic() >= due  # before more writes
            if self._dirty and not timed:  # (completions may keep coming all batch long)
                project = sorted(self._dirty)[0]
                self._dirty.discard(project)
                return project, False
            if self._pages_due:
                asked = self._hurry or self._closed or self._pages_asked
                if asked or timed:
                    project = self._pages_due.pop()
                    if not self._pages_due:  # the next ones wait twice as long, in a batch
                        self._page_at = None
                        self._page_wait = FIRST_PAGE if asked else min(
                            2 * self._page_wait, LAST_PAGE)  # fmt: skip
                    return project, True
            self._pages_asked = False
            if self._closed:
                return None
            self._cv.wait(None if due is None else max(0.0, due - time.monotonic()))

    def _page_due(self, project: str) -> None:
        """``project``'s page is out of date: it goes up in a while, or at the batch's
        end. Called with the condition held."""
        self._pages_due.add(project)
        if self._page_at is None:
            self._page_at = time.monotonic() + self._page_wait

    def _run(self) -> None:
        attempt = 0
        while True:
            with self._cv:
                if self._closed and attempt > 0:
                    return  # closed, and the store keeps refusing
                step = self._next()
                if step is None:
                    return
                project, pages = step
                self._writing = True
            if not pages:
                self._settle(project)
            with self._cv:
                entries = [] if pages else self._pending.pop(project, [])
                if not pages:  # (a page may go while a write is due: that stays due)
                    self._dirty.discard(project)  # what came while settling is in this write
            try:
                began = time.thread_time()
                if pages:
                    self._write_pages(project)
                else:
                    self._write(project, entries)
                attempt = 0
                self.errors.pop(project, None)
                if not pages:
                    # Let more completions gather before the next write; a big
                    # manifest's encoding is a cost (CPU, not the network's wait),
                    # so at most a fifth of the time.
                    self._gather(max(self.min_interval, _GATHER * (time.thread_time() - began)))
            except TransferError as exc:
                log.warning("%s of %s not written: %s", "gallery" if pages else "manifest",
                            project, exc)  # fmt: skip
                self.errors[project] = str(exc)
                attempt += 1
                with self._cv:
                    if self._closing:  # the files stay unfinished in the journal: resume lists them
                        self._gave_up = True
                        return
                with self._cv:  # put the work back and retry after a pause
                    if pages:
                        self._page_due(project)
                    else:
                        self._dirty.add(project)
                        self._pending.setdefault(project, [])[:0] = entries
                    self._cv.wait(timeout=backoff(attempt + 1, 30.0))
            finally:
                with self._cv:
                    self._writing = False
                    self._cv.notify_all()

    def _gather(self, seconds: float) -> None:
        """Let completions gather for ``seconds``; cut short by a flush, a close, or
        the batch's end (something to write and nothing more to come: what would
        it wait for?)."""
        deadline = time.monotonic() + seconds
        while True:
            with self._cv:
                left = deadline - time.monotonic()
                if self._closed or self._hurry or left <= 0:
                    return
                self._cv.wait(min(left, 0.02))
                ready = bool(self._dirty)
            if ready and self.drained is not None and self.drained():
                return

    def wake(self) -> None:
        """The engine became quiet: a write waiting for that looks again now."""
        with self._cv:
            self._cv.notify_all()

    def _settle(self, project: str) -> None:
        """Let a batch's last completions join the write about to happen."""
        settling = self.settling
        if settling is None or project not in self._wrote:
            return  # a project's first write also puts its page's assets: never held
        deadline = time.monotonic() + _SETTLE * self.min_interval
        while time.monotonic() < deadline and settling():
            with self._cv:
                if self._closing or self._hurry:
                    return
                self._cv.wait(min(0.02, self.min_interval))

    def _write_pages(self, project: str) -> None:
        """The project's page, drawn from its manifest as it is now (another
        computer may have added files since this one last wrote): the page of the
        version last written here goes up while the manifest is read again, and
        again only if the manifest changed meanwhile."""
        if self._pages is None:
            return
        with self._load_lock:
            known = self._versions.get(project)
        if known is None or known.etag is None:
            fresh = read(self._dest, project)
        else:
            with ThreadPoolExecutor(1, "lytsite-page") as pool:
                reading = pool.submit(read, self._dest, project)
                self._pages(known.manifest.copy(), False)
                fresh = reading.result()
        with self._load_lock:
            self._versions[project] = fresh
        if known is None or fresh.etag != known.etag:
            self._pages(fresh.manifest.copy(), False)

    def _load(self, project: str) -> Versioned:
        """The project's manifest: fetched from the destination once, then kept."""
        with self._load_lock:
            version = self._versions.get(project)
            if version is None:
                version = self._versions[project] = read(self._dest, project)
            return version

    def prefetch(self, projects: Iterable[str]) -> None:
        """Read these projects' manifests now, on a thread of their own (a batch is
        about to ask; meanwhile the caller does something else that waits on the
        network). A failure is left for the batch's own read to meet."""
        wanted = sorted(set(projects))

        def load() -> None:
            for project in wanted:
                try:
                    self._load(project)
                except TransferError as exc:
                    log.info("manifest of %s not read ahead: %s", project, exc)

        threading.Thread(target=load, name="manifest-writer-prefetch", daemon=True).start()

    def listed(self, project: str, path: str) -> ManifestEntry | None:
        """What the published manifest lists at ``path``, if anything."""
        return self._load(project).manifest.files.get(path)

    def _write(self, project: str, ops: list[Op]) -> None:
        beside = None
        if self._pages is not None and self.drained and self.drained():
            beside = _PageBeside(self._pages, new=self._load(project).etag is None)
        sending = beside.start if beside is not None else None
        try:
            version = commit(self._dest, project, ops, self._load(project), self._pacer, sending)
        finally:
            if beside is not None:
                beside.wait()
        with self._load_lock:
            self._versions[project] = version
        self._wrote.add(project)
        if self._pages is not None:
            with self._cv:  # a page put beside this write shows what it wrote
                if beside is not None and beside.shows(version):
                    self._pages_due.discard(project)
                    if not self._pages_due:  # the batch ended: the next starts afresh
                        self._page_at, self._page_wait = None, FIRST_PAGE
                else:
                    self._page_due(project)
        for op in ops:
            if isinstance(op, Put) and op.durable is not None:
                try:
                    op.durable()
                except Exception:  # a broken callback must not stop the listing
                    log.exception("after listing %s", op.entry.path)
        if self._written is not None:
            try:
                self._written(version.manifest, version.data)
            except OSError as exc:  # the offline copy is a convenience: never fatal
                log.warning("offline copy of the manifest of %s not kept: %s", project, exc)

    def flush(self, timeout: float | None = None) -> bool:
        """Write what is pending now and wait until it is written; False on timeout."""
        with self._cv:
            self._hurry = True
            self._cv.notify_all()
            try:
                return self._cv.wait_for(
                    lambda: self._gave_up or not (self._dirty or self._pages_due or self._writing),
                    timeout,
                )
            finally:
                self._hurry = False

    def close(self, timeout: float = 30.0) -> bool:
        """Write what is pending (for at most ``timeout`` s, and no more tries once a
        write fails), then stop the thread."""
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        done = self.flush(timeout) and not self._gave_up
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        self._thread.join(timeout=5)
        return done


class _PageBeside:
    """A project's page drawn from the manifest a write is sending, put while that
    write is on its way. It counts only if that very manifest was written: a write
    that lost a race wrote a merge, whose page is drawn again afterwards."""

    def __init__(self, pages: Callable[[Manifest, bool], None], *, new: bool) -> None:
        self._pages, self._new = pages, new
        self._drawn: Manifest | None = None
        self._thread: threading.Thread | None = None
        self._put = False

    def start(self, manifest: Manifest) -> None:
        self._drawn = manifest
        copy = manifest.copy()
        self._thread = threading.Thread(
            target=self._run, args=(copy,), name="lytsite-page", daemon=True
        )
        self._thread.start()

    def _run(self, manifest: Manifest) -> None:
        try:
            self._pages(manifest, self._new)
            self._put = True
        except TransferError as exc:
            log.info("the page waits for the manifest: %s", exc)

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def shows(self, version: Versioned) -> bool:
        """The page was put, drawn from what was written."""
        return self._put and version.manifest is self._drawn
