"""The transfer engine: parallel, chunked, resumable uploads driven by the journal.

Threads: ``concurrency`` workers share one queue of units (prepare a file, send
one part). A unit is a part or a whole small file, so ``concurrency`` is also the
global cap on parts in flight. Parts are read from disk as they are sent
(:class:`SpanReader`), so memory does not grow with file size. Every state change
that matters for resume is committed to the journal before it counts.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import random
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import (
    DigestMismatchError,
    Interrupted,
    PermanentError,
    SourceChangedError,
    TransferError,
    TransientError,
    UploadGoneError,
)
from lytsite_desktop.core.events import (
    BatchDone,
    EventHub,
    FileCancelled,
    FileDone,
    FileFailed,
    FileQueued,
    FileState,
    FileStateChanged,
    PreviewDone,
    Progress,
    Subscriber,
)
from lytsite_desktop.core.gallery.projects import GalleryStore
from lytsite_desktop.core.gallery.web import publish_pages
from lytsite_desktop.core.ingest.filetypes import FileType, sniff
from lytsite_desktop.core.keys import file_id, original_key, project_prefix, rendition_key
from lytsite_desktop.core.previews.cache import Cached
from lytsite_desktop.core.previews.jobs import RenditionFile
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.manifest import Manifest, ManifestEntry, ManifestWriter, Rendition
from lytsite_desktop.core.store import journal as jr
from lytsite_desktop.core.store.journal import FileRecord, Journal, PartRecord
from lytsite_desktop.core.transfer.planning import PartPlan, plan_parts
from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.reader import SpanReader, md5_of_span, source_error

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Progress events are emitted when a file has moved at least this many bytes.
PROGRESS_STEP = 256 * 1024
#: A 5xx / SlowDown is retried this many times before the file fails;
#: network failures are retried for as long as it takes.
MAX_SERVER_RETRIES = 12
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
#: A file that keeps changing while we read it fails after this many fresh starts.
MAX_RESTARTS = 5
#: Attempts to abort a cancelled upload on the server before leaving it to the
#: orphan sweep (a dead network must not hang a cancel).
CANCEL_ABORT_ATTEMPTS = 4


class Unit(Enum):
    """What a worker does with a task."""

    PREPARE = "prepare"
    PART = "part"
    COMPLETE = "complete"
    CANCEL = "cancel"
    RENDITIONS = "renditions"  # send a file's preview and thumbnail


@dataclass(frozen=True)
class UploadRequest:
    """One file to publish: where it is, its place in the gallery, its project."""

    source: str
    rel_path: str
    project: str


class Phase(Enum):
    NEW = "new"  # waiting to be prepared
    PREPARING = "preparing"  # hashing, checking, creating the upload
    PARTS = "parts"  # multipart: parts being sent
    COMPLETING = "completing"
    ORIGINAL_DONE = "original done"  # the original is up; its preview is not yet
    FINISHED = "finished"


class Rend(Enum):
    """Where a file's preview and thumbnail are."""

    TO_MAKE = "to make"  # waiting for an ingest thread
    TO_SEND = "to send"  # made (or cached), waiting for a worker
    SENDING = "sending"
    SETTLED = "settled"  # published, or there are none (``note`` says why)


@dataclass(eq=False)
class Task:
    """The engine's runtime view of one journal row. Guarded by the engine lock."""

    id: int
    source: str
    rel_path: str
    project: str
    size: int
    state: FileState = FileState.QUEUED
    phase: Phase = Phase.NEW
    paused: bool = False
    cancel_requested: bool = False
    restart_requested: bool = False
    restarts: int = 0
    busy: int = 0  # units in flight for this task (prepare or parts)
    record: FileRecord | None = None
    plan: PartPlan | None = None
    pending: deque[int] = field(default_factory=deque)
    done_parts: dict[int, PartRecord] = field(default_factory=dict)
    bytes_done: int = 0
    reported: int = 0
    bytes_sent: int = 0  # bytes put on the wire this session (retries included)
    claimed: bool = False  # holds the journal row's cross-process lock
    already_published: bool = False
    #: Content-MD5 of a small file, computed while hashing it (saves a read).
    small_md5: str | None = None
    hashing: bool = False  # an ingest thread or a worker is hashing it now
    sha256: str | None = None
    #: (size, mtime_ns, inode) of the file when ``sha256`` was computed.
    hashed_stat: tuple[int, int, int] | None = None
    ftype: FileType | None = None
    rend: Rend = Rend.SETTLED
    renditions: Cached | None = None
    #: The preview and thumbnail as published: (preview, thumb).
    published_renditions: tuple[Rendition | None, Rendition | None] = (None, None)
    #: Why the file has no preview ("" when it has one).
    note: str = ""

    @property
    def finished(self) -> bool:
        return self.phase is Phase.FINISHED


class TransferEngine:
    """Publishes files to one destination, recording everything in the journal.

    Use as a context manager; leaving it (or :meth:`stop`) stops scheduling,
    interrupts parts in flight and leaves the journal resumable. Events go to
    subscribers (see :mod:`lytsite_desktop.core.events`), from worker threads.
    """

    def __init__(
        self,
        destination: Destination,
        journal: Journal,
        settings: TransferSettings | None = None,
        *,
        write_manifest: bool = True,
        previews: PreviewMaker | None = None,
        gallery: GalleryStore | None = None,
    ) -> None:
        self.dest = destination
        self.journal = journal
        self.settings = settings or TransferSettings()
        self.settings.validate()
        self.events = EventHub()
        self.limiter = RateLimiter(self.settings.bwlimit)
        self._manifest: ManifestWriter | None = None
        if write_manifest:

            def keep_copy(m: Manifest, data: bytes) -> None:  # the offline gallery's copy
                if gallery is not None:
                    gallery.save_manifest(destination.ident, m.project, data)

            self._manifest = ManifestWriter(
                destination,
                written=keep_copy,
                pages=lambda m: publish_pages(destination, m),  # the web gallery
            )
        self._cv = threading.Condition()
        self._tasks: dict[int, Task] = {}
        self._order: list[Task] = []
        self._new: deque[Task] = deque()
        self._active: list[Task] = []  # multipart tasks with parts to send
        self._to_cancel: deque[Task] = deque()
        #: Previews: files waiting for an ingest thread, and made ones waiting to be sent.
        self.previews = previews
        self._to_ingest: deque[Task] = deque()
        self._to_send: deque[Task] = deque()
        self._unfinished = 0
        self._stopping = False
        self._workers: list[threading.Thread] = []
        self.bytes_sent = 0

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> TransferEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, fn: Subscriber) -> None:
        self.events.subscribe(fn)

    def start(self) -> None:
        if self._workers:
            return
        lanes: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = [
            (f"upload-{i}", self._worker, ()) for i in range(self.settings.concurrency)
        ]
        if self.previews is not None:
            # One extra sender only for previews, so they never queue behind originals.
            lanes.append(("upload-previews", self._worker, (True,)))
            lanes += [
                (f"preview-{i}", self._ingest_worker, (i,)) for i in range(self.previews.workers)
            ]
        for name, target, args in lanes:
            t = threading.Thread(target=target, args=args, name=name, daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop now: interrupt parts in flight, wait for workers, write the manifest."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self.previews is not None:
            self.previews.interrupt()
        deadline = time.monotonic() + timeout
        me = threading.current_thread()
        for t in self._workers:
            if t is not me:  # stop() may be called from a subscriber on a worker
                t.join(max(0.1, deadline - time.monotonic()))
        self._workers.clear()
        with self._cv:
            for task in self._order:
                self._release(task)
        if self._manifest is not None:
            self._manifest.close(timeout=max(1.0, deadline - time.monotonic()))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every added file is finished (or the engine stops)."""
        with self._cv:
            return self._cv.wait_for(lambda: self._stopping or not self._unfinished, timeout)

    def run(self, requests: Iterable[UploadRequest] = (), *, resume: bool = False) -> BatchDone:
        """Add files (and, with ``resume``, the journal's unfinished ones), wait for
        all of them, flush the manifest and return the summary (also emitted)."""
        interrupted = False
        self.start()
        try:
            if resume:
                self.add_unfinished()
            self.add(requests)
            self.wait()
        except KeyboardInterrupt:
            interrupted = True
            log.info("interrupted: stopping uploads, the journal stays resumable")
        finally:
            interrupted = interrupted or (self._stopping and not self._all_finished())
            self.stop()
        summary = self.summary(interrupted=interrupted)
        self.events.emit(summary)
        return summary

    def _all_finished(self) -> bool:
        with self._cv:
            return not self._unfinished

    def summary(self, *, interrupted: bool = False) -> BatchDone:
        with self._cv:
            states = [t.state for t in self._order]
        return BatchDone(
            published=states.count(FileState.PUBLISHED),
            failed=states.count(FileState.FAILED),
            cancelled=states.count(FileState.CANCELLED),
            bytes_sent=self.bytes_sent,
            interrupted=interrupted,
        )

    def flush_manifest(self, timeout: float | None = 30.0) -> bool:
        """Write the manifest changes now rather than after the writer's pause."""
        return self._manifest.flush(timeout) if self._manifest else True

    @property
    def manifest_errors(self) -> dict[str, str]:
        return dict(self._manifest.errors) if self._manifest else {}

    # -- adding work -----------------------------------------------------------------

    def add(self, requests: Iterable[UploadRequest]) -> list[int]:
        """Queue files; returns their task ids (journal row ids)."""
        reqs = list(requests)
        items = []
        for req in reqs:
            try:
                st = os.stat(req.source)
                size, mtime_ns = st.st_size, st.st_mtime_ns
            except OSError:
                size, mtime_ns = 0, 0  # reported as failed when prepared
            path = os.path.abspath(req.source)
            items.append(
                jr.QueueItem(self.dest.ident, req.project, req.rel_path, path, size, mtime_ns)
            )
        records = self.journal.queue(items)
        return [self._enqueue(rec, req) for rec, req in zip(records, reqs, strict=True)]

    def add_unfinished(self) -> list[int]:
        """Queue every unfinished file the journal holds for this destination."""
        return [
            self._enqueue(rec, UploadRequest(rec.source_path, rec.rel_path, rec.project))
            for rec in self.journal.unfinished(self.dest.ident)
        ]

    def _enqueue(self, rec: FileRecord, req: UploadRequest) -> int:
        with self._cv:
            existing = self._tasks.get(rec.id)
            if existing is not None and not existing.finished:
                return rec.id
            task = Task(rec.id, req.source, req.rel_path, req.project, rec.size, record=rec)
            if self.previews is not None:
                task.rend = Rend.TO_MAKE
                self._to_ingest.append(task)
            self._tasks[rec.id] = task
            if existing is not None:
                self._order.remove(existing)
            self._order.append(task)
            self._new.append(task)
            self._unfinished += 1
            self._cv.notify_all()
        self.events.emit(FileQueued(task.id, task.source, task.rel_path, task.project, task.size))
        return task.id

    # -- controls ----------------------------------------------------------------------

    def tasks(self) -> list[Task]:
        with self._cv:
            return list(self._order)

    def _select(self, ids: Iterable[int] | None) -> list[Task]:
        if ids is None:
            return list(self._order)
        return [self._tasks[i] for i in ids if i in self._tasks]

    def pause(self, ids: Iterable[int] | None = None) -> None:
        """Stop sending these files (all if None) now; parts in flight are dropped."""
        changed = []
        with self._cv:
            for task in self._select(ids):
                if not task.finished and not task.paused:
                    task.paused = True
                    changed.append(task)
            self._cv.notify_all()
        for task in changed:
            self._set_state(task, FileState.PAUSED)

    def resume(self, ids: Iterable[int] | None = None) -> None:
        with self._cv:
            resumed = [t for t in self._select(ids) if t.paused and not t.finished]
            for task in resumed:
                task.paused = False
                if task.phase is Phase.NEW and task not in self._new:
                    self._new.append(task)
            self._cv.notify_all()
        for task in resumed:
            state = FileState.QUEUED if task.phase is Phase.NEW else FileState.UPLOADING
            self._set_state(task, state)

    def cancel(self, ids: Iterable[int] | None = None) -> None:
        """Give up on these files; their multipart uploads are aborted on the server
        (by a worker: this call never blocks on the network)."""
        with self._cv:
            for task in self._select(ids):
                if task.finished or task.cancel_requested:
                    continue
                task.cancel_requested = True
                if task.busy == 0:
                    self._to_cancel.append(task)
            self._cv.notify_all()

    def retry(self, ids: Iterable[int] | None = None) -> list[int]:
        """Queue failed or cancelled files again."""
        with self._cv:
            again = [
                t for t in self._select(ids)
                if t.finished and t.state in (FileState.FAILED, FileState.CANCELLED)
            ]  # fmt: skip
        return self.add(UploadRequest(t.source, t.rel_path, t.project) for t in again)

    def set_bwlimit(self, rate: float | None) -> None:
        self.limiter.set_rate(rate)

    # -- scheduling --------------------------------------------------------------------

    def _worker(self, previews_only: bool = False) -> None:
        while True:
            unit = self._next_unit(previews_only)
            if unit is None:
                return
            task, kind, part = unit
            try:
                if kind is Unit.PREPARE:
                    self._prepare(task)
                elif kind is Unit.PART:
                    self._send_part(task, part)
                elif kind is Unit.COMPLETE:
                    self._complete(task)
                elif kind is Unit.RENDITIONS:
                    self._send_renditions(task)
                else:
                    self._finish_cancel(task)
            except Interrupted:
                pass
            except SourceChangedError as exc:
                log.info("%s: %s; starting over", task.rel_path, exc)
                with self._cv:
                    task.restart_requested = True
            except TransferError as exc:
                self._fail(task, str(exc))
            except Exception as exc:  # a bug must fail one file, not the batch
                log.exception("unexpected error on %s", task.rel_path)
                self._fail(task, f"unexpected error: {exc}")
            finally:
                self._unit_done(task)

    def _next_unit(self, previews_only: bool = False) -> tuple[Task, Unit, int] | None:
        """The next thing to do: cancels first, then previews (preview-first
        publishing), then parts and completions of files already under way (oldest
        first), then preparing the next queued file."""
        with self._cv:
            while True:
                if self._stopping:
                    return None
                task = self._take(self._to_send)
                if task is not None:
                    task.rend = Rend.SENDING
                    task.busy += 1
                    return task, Unit.RENDITIONS, 0
                if previews_only:
                    self._cv.wait()
                    continue
                while self._to_cancel:
                    task = self._to_cancel.popleft()
                    if not task.finished:
                        task.busy += 1
                        return task, Unit.CANCEL, 0
                for task in self._active:
                    if not self._schedulable(task):
                        continue
                    if task.pending:
                        task.busy += 1
                        return task, Unit.PART, task.pending.popleft()
                    if task.busy == 0 and task.plan and len(task.done_parts) == task.plan.count:
                        task.phase = Phase.COMPLETING
                        self._active.remove(task)
                        task.busy += 1
                        return task, Unit.COMPLETE, 0
                held = []
                found = None
                while self._new:
                    task = self._new.popleft()
                    if task.finished or task.phase is not Phase.NEW:
                        continue
                    if not self._schedulable(task):
                        held.append(task)
                        continue
                    found = task
                    break
                self._new.extendleft(reversed(held))
                if found is not None:
                    found.phase = Phase.PREPARING
                    found.busy += 1
                    return found, Unit.PREPARE, 0
                self._cv.wait()

    def _take(self, queue: deque[Task]) -> Task | None:
        """The first schedulable task in ``queue`` (finished ones are dropped)."""
        for task in list(queue):
            if task.finished:
                queue.remove(task)
            elif self._schedulable(task):
                queue.remove(task)
                return task
        return None

    def _schedulable(self, task: Task) -> bool:
        return not (task.paused or task.cancel_requested or task.restart_requested)

    def _unit_done(self, task: Task) -> None:
        """Called after every unit; settles the task once nothing of it is in flight."""
        restart = False
        with self._cv:
            task.busy -= 1
            if task.busy == 0 and not task.finished:
                if task.cancel_requested:
                    if task not in self._to_cancel:
                        self._to_cancel.append(task)
                elif task.restart_requested:
                    restart = True
                elif task.phase is Phase.PREPARING:
                    task.phase = Phase.NEW  # interrupted while preparing (pause, stop)
                    self._new.appendleft(task)
                elif task.phase is Phase.COMPLETING:
                    task.phase = Phase.PARTS  # interrupted while completing
                    self._active.append(task)
            self._cv.notify_all()
        if restart:
            self._start_over(task)

    def _should_stop(self, task: Task) -> bool:
        return (
            self._stopping
            or task.paused
            or task.cancel_requested
            or task.restart_requested
            or task.finished
        )

    # -- state changes ----------------------------------------------------------------

    def _set_state(self, task: Task, state: FileState, detail: str = "") -> None:
        with self._cv:
            if task.state is state and not detail:
                return
            task.state = state
        self.events.emit(FileStateChanged(task.id, state.value, detail))

    def _release(self, task: Task) -> None:
        if task.claimed:
            self.journal.release(task.id)
            task.claimed = False

    def _finish(self, task: Task, state: FileState) -> None:
        with self._cv:
            if not task.finished:
                self._unfinished -= 1
            task.phase = Phase.FINISHED
            task.state = state
            self._release(task)
            if task in self._active:
                self._active.remove(task)
            self._cv.notify_all()

    def _fail(self, task: Task, reason: str) -> None:
        with self._cv:
            if task.finished:
                return
        self.journal.update(task.id, state=jr.FAILED, error=reason)
        self._unlist_preview_only(task)
        self._finish(task, FileState.FAILED)
        self.events.emit(FileFailed(task.id, task.rel_path, reason))

    def _finish_cancel(self, task: Task) -> None:
        rec = self.journal.get(task.id)
        key, upload_id = rec.key, rec.upload_id
        if upload_id and key:
            for attempt in range(CANCEL_ABORT_ATTEMPTS):
                try:
                    self.dest.abort_multipart(key, upload_id)
                    break
                except TransferError as exc:
                    log.warning("could not abort upload of %s: %s", task.rel_path, exc)
                    if self._stopping or not isinstance(exc, TransientError):
                        break
                    self._sleep(task, BACKOFF_BASE * 2**attempt, abortable=False)
        self.journal.start_over(task.id, state=jr.CANCELLED)
        self._unlist_preview_only(task)
        self._finish(task, FileState.CANCELLED)
        self.events.emit(FileCancelled(task.id, task.rel_path))

    def _start_over(self, task: Task) -> None:
        """The source changed (or the upload vanished): forget the upload, prepare again."""
        task.restarts += 1
        if task.restarts > MAX_RESTARTS:
            with self._cv:
                task.restart_requested = False
            self._fail(task, "The file keeps changing while it is uploaded; try again when "
                       "whatever is writing it has finished.")  # fmt: skip
            return
        rec = self.journal.get(task.id)
        if rec.upload_id and rec.key:
            try:
                self.dest.abort_multipart(rec.key, rec.upload_id)
            except TransferError as exc:
                log.info("abort of replaced upload failed (left to the orphan sweep): %s", exc)
        self.journal.start_over(task.id)
        with self._cv:
            task.restart_requested = False
            task.plan = None
            task.pending.clear()
            task.done_parts.clear()
            task.small_md5 = None
            task.bytes_done = 0
            if task in self._active:
                self._active.remove(task)
            task.sha256 = task.ftype = task.renditions = None
            task.published_renditions = (None, None)
            task.note = ""
            if self.previews is not None:
                task.rend = Rend.TO_MAKE
                if task not in self._to_ingest:
                    self._to_ingest.appendleft(task)
            if task in self._to_send:
                self._to_send.remove(task)
            task.phase = Phase.NEW
            self._new.appendleft(task)
            self._cv.notify_all()
        self._set_state(task, FileState.QUEUED, "the file changed; starting over")
        self.events.emit(Progress(task.id, 0, task.size))

    def _add_bytes(self, task: Task, n: int) -> None:
        emit = None
        with self._cv:
            task.bytes_done += n
            if n > 0:
                task.bytes_sent += n
                self.bytes_sent += n
            if abs(task.bytes_done - task.reported) >= PROGRESS_STEP:
                task.reported = task.bytes_done
                emit = Progress(task.id, task.bytes_done, task.size)
        if emit:
            self.events.emit(emit)

    # -- retries ------------------------------------------------------------------------

    def _retrying(self, task: Task, fn: Callable[[], T], *, abortable: bool = True) -> T:
        """Run ``fn``, retrying transient failures with exponential backoff and jitter.

        Network failures are retried for as long as it takes (the file shows
        "waiting for network"); server errors up to MAX_SERVER_RETRIES times.
        """
        attempt = 0
        while True:
            if abortable and self._should_stop(task):
                raise Interrupted()
            try:
                result = fn()
            except TransientError as exc:
                if abortable and self._should_stop(task):
                    raise Interrupted() from exc  # a pause or cancel cut it: not a failure
                attempt += 1
                if not exc.network and attempt > MAX_SERVER_RETRIES:
                    raise PermanentError(
                        f"The storage service kept failing ({exc}); try again later."
                    ) from exc
                waiting = exc.network and attempt >= 2
                self._set_state(
                    task,
                    FileState.WAITING_FOR_NETWORK if waiting else FileState.RETRYING,
                    str(exc),
                )
                delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
                delay = delay / 2 + random.uniform(0, delay / 2)
                if self._sleep(task, delay, abortable):
                    raise Interrupted() from exc
                continue
            if attempt:
                self._set_state(task, FileState.UPLOADING)
            return result

    def _sleep(self, task: Task, seconds: float, abortable: bool) -> bool:
        """Sleep; True if interrupted by stop/pause/cancel."""
        with self._cv:
            return self._cv.wait_for(lambda: abortable and self._should_stop(task), timeout=seconds)

    # -- the work -----------------------------------------------------------------------

    def _stat(self, task: Task) -> os.stat_result:
        try:
            st = os.stat(task.source)
        except OSError as exc:
            err = source_error(exc, task.source)
            raise PermanentError(str(err)) from exc
        if not stat.S_ISREG(st.st_mode):
            raise PermanentError(f"not a regular file: {task.source}")
        return st

    def _hash(self, task: Task, st: os.stat_result) -> str:
        """SHA-256 of the file: from the journal's cache, or read now (and cached).
        A small file gets its Content-MD5 in the same read, so it is read once
        more, not twice. One hash per file, whether its ingest thread or its upload
        worker asks first; the other waits and takes the result."""
        with self._cv:
            self._cv.wait_for(lambda: not task.hashing or self._should_stop(task))
            if self._should_stop(task):
                raise Interrupted()
            now = (st.st_size, st.st_mtime_ns, st.st_ino)
            if task.sha256 and task.hashed_stat == now:
                return task.sha256  # hashed (and cached) by the other side
            task.hashing = True
        try:
            sha, entry = self._hash_once(task, st)
            if entry is not None:
                self.journal.store_hash(entry)
            with self._cv:
                task.sha256, task.hashed_stat = sha, now
            return sha
        finally:
            with self._cv:
                task.hashing = False
                self._cv.notify_all()

    def _hash_once(self, task: Task, st: os.stat_result) -> tuple[str, jr.HashEntry | None]:
        cached = self.journal.cached_hash(task.source, st.st_size, st.st_mtime_ns, st.st_ino)
        if cached:
            return cached, None
        self._set_state(task, FileState.HASHING)
        digest = hashlib.sha256()
        md5 = hashlib.md5() if st.st_size < self.settings.multipart_threshold else None
        try:
            with open(task.source, "rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    if self._should_stop(task):
                        raise Interrupted()
                    digest.update(chunk)
                    if md5 is not None:
                        md5.update(chunk)
        except OSError as exc:
            raise PermanentError(str(source_error(exc, task.source))) from exc
        sha = digest.hexdigest()
        after = os.stat(task.source)
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            raise SourceChangedError("the file changed while it was being read")
        if md5 is not None:
            task.small_md5 = base64.b64encode(md5.digest()).decode()
        return sha, jr.HashEntry(task.source, st.st_size, st.st_mtime_ns, st.st_ino, sha)

    def _prepare(self, task: Task) -> None:
        if not task.claimed:
            if not self.journal.claim(task.id):
                raise PermanentError(
                    "Another lytsite-desktop window or command is already uploading this file."
                )
            with self._cv:
                task.claimed = True
        st = self._stat(task)
        rec = self.journal.get(task.id)
        sha = self._hash(task, st)
        fid = file_id(sha, task.rel_path)
        key = original_key(task.project, fid, task.rel_path)
        if rec.upload_id and (rec.key != key or rec.sha256 != sha):
            # Source changed since its upload began: never stitch old and new bytes.
            if rec.key:
                try:
                    self.dest.abort_multipart(rec.key, rec.upload_id)
                except TransferError as exc:
                    log.info("could not abort the outdated upload: %s", exc)
            rec = self.journal.start_over(task.id)
        with self._cv:
            task.size = st.st_size
        # Only content that may already be there is worth a HEAD: a key this journal
        # tried before (resume, re-publish, a crash after completing) or one the
        # project's manifest lists (published from another computer).
        maybe_there = rec.key == key or self._listed(task, key)
        ctype = self._file_type(task).content_type
        # Durable before anything is sent: a crash after the upload is then
        # recognised by its key.
        task.record = rec = self.journal.update(
            task.id, state=jr.UPLOADING, size=st.st_size,
            mtime_ns=st.st_mtime_ns, sha256=sha, file_id=fid, key=key, content_type=ctype,
            error=None,
        )  # fmt: skip
        metadata = {"sha256": sha}

        if maybe_there and self._already_there(task, rec):
            self._published(task, rec)
            return
        self._set_state(task, FileState.UPLOADING)
        if st.st_size < self.settings.multipart_threshold:
            self._put_small(task, rec, metadata)
            return
        self._start_multipart(task, rec, metadata)

    def _file_type(self, task: Task) -> FileType:
        """What the file is, by content (recognised once, by whoever asks first)."""
        if task.ftype is None:
            try:
                task.ftype = sniff(task.source)
            except OSError as exc:
                raise source_error(exc, task.source) from exc
        return task.ftype

    def _published_entry(self, task: Task) -> ManifestEntry | None:
        """The project's published manifest entry at this file's path, if any."""
        manifest = self._manifest
        if manifest is None:
            return None
        return self._retrying(task, lambda: manifest.published(task.project, task.rel_path))

    def _listed(self, task: Task, key: str) -> bool:
        """Does the project's published manifest list this exact key at this path?"""
        entry = self._published_entry(task)
        return entry is not None and entry.originalKey == key

    def _already_there(self, task: Task, rec: FileRecord) -> bool:
        """Is this exact content already at its key? (published before, or completed
        just before a crash). A HEAD, never a re-send."""
        key = rec.key
        assert key
        info = self._retrying(task, lambda: self.dest.head(key))
        return bool(info and info.size == rec.size and info.metadata.get("sha256") == rec.sha256)

    def _check_unchanged(self, task: Task, rec: FileRecord) -> None:
        try:
            st = os.stat(task.source)
        except OSError as exc:
            raise source_error(exc, task.source) from exc
        if (st.st_size, st.st_mtime_ns) != (rec.size, rec.mtime_ns):
            raise SourceChangedError("the file changed while it was being uploaded")

    def _put_small(self, task: Task, rec: FileRecord, metadata: dict[str, str]) -> None:
        key, ctype = rec.key, rec.content_type
        assert key and ctype
        md5_b64 = task.small_md5 or md5_of_span(task.source, 0, rec.size)[1]
        self._check_unchanged(task, rec)

        def put() -> str:
            with self._reader(task, 0, rec.size) as body:
                try:
                    return self.dest.put_object(key, body, rec.size, md5_b64, ctype, metadata)
                except BaseException:
                    self._add_bytes(task, -body.sent)
                    raise

        etag = self._digest_checked(task, rec, put)
        self._published(task, rec, etag=etag)

    def _digest_checked(self, task: Task, rec: FileRecord, fn: Callable[[], T]) -> T:
        """Run a send; a checksum mismatch means the file changed (start over) or,
        if it did not, a corrupted transfer (retried)."""
        for _ in range(3):
            try:
                return self._retrying(task, fn)
            except DigestMismatchError:
                self._check_unchanged(task, rec)
                log.warning("%s: checksum mismatch in transit; sending again", task.rel_path)
        raise PermanentError("The data kept arriving corrupted at the storage service.")

    def _reader(self, task: Task, offset: int, length: int) -> SpanReader:
        return SpanReader(
            task.source,
            offset,
            length,
            limiter=self.limiter,
            on_bytes=lambda n: self._add_bytes(task, n),
            should_stop=lambda: self._should_stop(task),
        )

    def _start_multipart(self, task: Task, rec: FileRecord, metadata: dict[str, str]) -> None:
        assert rec.key and rec.content_type
        done: dict[int, PartRecord] = {}
        if rec.upload_id and rec.part_size:
            plan = PartPlan(rec.size, rec.part_size)  # stored: never recomputed
            try:
                done = self._reconcile(task, rec, plan)
            except UploadGoneError:
                log.info("%s: upload id unknown to the store; starting over", task.rel_path)
                rec = self.journal.start_over(task.id)
        if not rec.upload_id:
            plan = plan_parts(rec.size, self.settings.part_size)
            key, ctype = rec.key, rec.content_type
            assert key and ctype
            upload_id = self._retrying(
                task, lambda: self.dest.create_multipart(key, ctype, metadata)
            )
            rec = self.journal.update(task.id, upload_id=upload_id, part_size=plan.part_size)
        with self._cv:
            task.record = rec
            task.plan = plan
            task.done_parts = done
            task.pending = deque(n for n in range(1, plan.count + 1) if n not in done)
            task.bytes_done = task.reported = sum(p.size for p in done.values())
            task.phase = Phase.PARTS
            self._active.append(task)
            self._cv.notify_all()
        self.events.emit(Progress(task.id, task.bytes_done, task.size))

    def _reconcile(self, task: Task, rec: FileRecord, plan: PartPlan) -> dict[int, PartRecord]:
        """Parts both the journal and the store agree on; parts the store has that the
        journal missed (in flight at a crash) are adopted if their ETag is our MD5."""
        assert rec.key and rec.upload_id
        key, upload_id = rec.key, rec.upload_id
        listed = self._retrying(task, lambda: self.dest.list_parts(key, upload_id))
        server = {p.number: p for p in listed}
        journal_parts = self.journal.parts(task.id)
        done: dict[int, PartRecord] = {}
        for number in range(1, plan.count + 1):
            mine, theirs = journal_parts.get(number), server.get(number)
            offset, length = plan.span(number)
            if theirs is None or theirs.size != length:
                if mine:
                    self.journal.forget_part(task.id, number)
                continue
            if mine and mine.etag == theirs.etag:
                done[number] = mine
                continue
            md5_hex, _ = md5_of_span(task.source, offset, length)
            if theirs.etag == md5_hex:
                self.journal.record_part(task.id, number, length, theirs.etag, md5_hex)
                done[number] = PartRecord(number, length, theirs.etag, md5_hex)
        return done

    def _send_part(self, task: Task, number: int) -> None:
        assert task.plan and task.record
        rec = task.record
        assert rec.key and rec.upload_id
        offset, length = task.plan.span(number)
        try:
            md5_hex, md5_b64 = md5_of_span(task.source, offset, length)
            self._check_unchanged(task, rec)
            key, upload_id = rec.key, rec.upload_id

            def send() -> str:
                with self._reader(task, offset, length) as body:
                    try:
                        return self.dest.upload_part(key, upload_id, number, body, length, md5_b64)
                    except BaseException:
                        self._add_bytes(task, -body.sent)
                        raise

            etag = self._digest_checked(task, rec, send)
            self.journal.record_part(task.id, number, length, etag, md5_hex)
        except UploadGoneError:
            with self._cv:
                task.restart_requested = True
            return
        except BaseException:
            with self._cv:
                if not task.finished:
                    task.pending.appendleft(number)
            raise
        with self._cv:
            task.done_parts[number] = PartRecord(number, length, etag, md5_hex)

    def _complete(self, task: Task) -> None:
        assert task.record and task.plan
        rec = task.record
        assert rec.key and rec.upload_id
        self._check_unchanged(task, rec)
        parts = [(n, task.done_parts[n].etag) for n in range(1, task.plan.count + 1)]
        key, upload_id = rec.key, rec.upload_id
        try:
            etag = self._retrying(task, lambda: self.dest.complete_multipart(key, upload_id, parts))
        except UploadGoneError:
            # Completed by an earlier attempt whose answer was lost?
            if self._already_there(task, rec):
                etag = ""
            else:
                raise SourceChangedError("the upload vanished from the store") from None
        self._published(task, rec, etag=etag)

    def _published(self, task: Task, rec: FileRecord, *, etag: str | None = None) -> None:
        """The original is up (``etag`` None: it was already there). The file counts
        as published once its preview is settled too."""
        assert rec.key
        values: dict[str, Any] = {"etag": etag} if etag is not None else {}
        task.record = self.journal.update(task.id, upload_id=None, error=None, **values)
        with self._cv:
            task.already_published = etag is None
            task.bytes_done = rec.size
            task.phase = Phase.ORIGINAL_DONE
            if task in self._active:
                self._active.remove(task)
            settled = task.rend is Rend.SETTLED
        self.events.emit(Progress(task.id, rec.size, rec.size))
        if settled:
            self._finish_published(task)
        else:
            self._upsert_manifest(task)  # listed with its original; the preview follows
            self._set_state(task, FileState.MAKING_PREVIEW)

    def _finish_published(self, task: Task) -> None:
        """Original and preview both settled: record it, list it, tell everyone."""
        rec = self.journal.update(task.id, state=jr.DONE, note=task.note or None)
        assert rec.key
        self._upsert_manifest(task)
        self._finish(task, FileState.PUBLISHED)
        self.events.emit(
            FileDone(task.id, task.rel_path, rec.key, rec.size, task.already_published,
                     task.bytes_sent, task.note)
        )  # fmt: skip

    def _upsert_manifest(self, task: Task) -> None:
        """List the file as far as it is published: its preview and thumbnail once
        up, its original key once the original is (null until then)."""
        if self._manifest is None:
            return
        with self._cv:  # built and queued under the lock: a later state always wins
            sha, ftype = task.sha256, task.ftype
            assert sha and ftype
            fid = file_id(sha, task.rel_path)
            preview, thumb = task.published_renditions
            original_up = task.phase in (Phase.ORIGINAL_DONE, Phase.FINISHED)
            result = task.renditions.result if task.renditions else None
            self._manifest.upsert(
                task.project,
                ManifestEntry(
                    fileId=fid,
                    fileName=os.path.basename(task.rel_path),
                    path=task.rel_path,
                    contentType=ftype.content_type,
                    size=task.size,
                    sha256=sha,
                    originalKey=(
                        original_key(task.project, fid, task.rel_path) if original_up else None
                    ),
                    width=result.width if result else None,
                    height=result.height if result else None,
                    preview=preview,
                    thumb=thumb,
                    camera=result.camera if result else None,
                    note=task.note or None,
                ),
            )

    def _unlist_preview_only(self, task: Task) -> None:
        """A file given up on (failed, cancelled) is not left listed by its preview."""
        with self._cv:
            listed = task.sha256 and any(task.published_renditions)
            original_up = task.phase in (Phase.ORIGINAL_DONE, Phase.FINISHED)
        if self._manifest is not None and listed and not original_up:
            assert task.sha256
            self._manifest.drop(task.project, task.rel_path, file_id(task.sha256, task.rel_path))

    # -- previews ---------------------------------------------------------------------------

    def _ingest_worker(self, slot: int) -> None:
        """Hash, recognise and make previews ahead of the uploads, one file at a time."""
        while True:
            with self._cv:
                while not self._stopping and (task := self._take(self._to_ingest)) is None:
                    self._cv.wait()
                if self._stopping or task is None:
                    return
                if task.rend is not Rend.TO_MAKE:
                    continue
            try:
                self._ingest(task, slot)
            except Interrupted:
                with self._cv:
                    if not (self._stopping or task.finished or task in self._to_ingest):
                        self._to_ingest.append(task)  # paused while hashing: later
            except TransferError as exc:  # unreadable: the upload reports it
                self._settle_renditions(task, f"no preview: {exc}")
            except Exception as exc:
                log.exception("preview of %s failed", task.rel_path)
                self._settle_renditions(task, f"no preview: unexpected error: {exc}")

    def _ingest(self, task: Task, slot: int) -> None:
        assert self.previews is not None
        st = self._stat(task)
        sha = self._hash(task, st)
        ftype = self._file_type(task)
        with self._cv:
            showing = task.state in (FileState.QUEUED, FileState.HASHING)
        if showing:
            self._set_state(task, FileState.MAKING_PREVIEW)
        made = self.previews.make(slot, task.source, sha, ftype)
        with self._cv:
            # Shown as "making preview" and not started since: "queued" again.
            requeued = task.state is FileState.MAKING_PREVIEW and task.phase is Phase.NEW
            if task.finished or task.rend is not Rend.TO_MAKE or self._stopping:
                return
            if task.sha256 != sha:
                return  # the file changed meanwhile: it is queued again for its new content
            task.renditions = made
            if made.result.preview is None and made.result.thumb is None:
                settle = True
            else:
                settle = False
                task.rend = Rend.TO_SEND
                self._to_send.append(task)
                self._cv.notify_all()
        if requeued:
            self._set_state(task, FileState.QUEUED)
        if settle:
            self._settle_renditions(task, made.result.note)

    def _send_renditions(self, task: Task) -> None:
        """Put the preview and thumbnail (unless the manifest already lists them)."""
        made = task.renditions
        assert made is not None
        try:
            assert task.sha256
            fid = file_id(task.sha256, task.rel_path)
            listed = self._published_entry(task)
            up = tuple(
                self._send_rendition(task, made, role, rf, fid, listed)
                for role, rf in (("previews", made.result.preview), ("thumbs", made.result.thumb))
            )
        except Interrupted:
            with self._cv:
                if task.rend is Rend.SENDING and not task.finished:
                    task.rend = Rend.TO_SEND
                    self._to_send.appendleft(task)
            raise
        except TransferError as exc:
            self._settle_renditions(task, f"preview not published: {exc}")
            return
        with self._cv:
            task.published_renditions = (up[0], up[1])
        self._settle_renditions(task, made.result.note)

    def _send_rendition(
        self,
        task: Task,
        made: Cached,
        role: str,
        rf: RenditionFile | None,
        fid: str,
        listed: ManifestEntry | None,
    ) -> Rendition | None:
        if rf is None:
            return None
        ext = rf.name.rsplit(".", 1)[-1]
        key = rendition_key(task.project, role, fid, task.rel_path, ext)
        rendition = Rendition(key, rf.width, rf.height, rf.size)
        before = (listed.preview if role == "previews" else listed.thumb) if listed else None
        if before == rendition:
            return rendition  # listed already: same content (the key holds its id), same size
        path = str(made.path(rf))
        ctype = "application/pdf" if ext == "pdf" else "image/webp"
        md5_b64 = md5_of_span(path, 0, rf.size)[1]

        def put() -> str:
            body = SpanReader(
                path, 0, rf.size, limiter=self.limiter, on_bytes=lambda n: None,
                should_stop=lambda: self._should_stop(task),
            )  # fmt: skip
            with body:
                return self.dest.put_object(key, body, rf.size, md5_b64, ctype, {})

        self._retrying(task, put)
        return rendition

    def _settle_renditions(self, task: Task, note: str) -> None:
        """The preview question is answered (published, or none and why)."""
        with self._cv:
            if task.finished or task.rend is Rend.SETTLED:
                return
            task.rend = Rend.SETTLED
            task.note = note
            original_up = task.phase is Phase.ORIGINAL_DONE
            preview, thumb = task.published_renditions
            listed = bool(preview or thumb)
            made = task.renditions
            local = made.path(made.result.thumb) if made and made.result.thumb else None
        self.events.emit(
            PreviewDone(task.id, task.rel_path, preview.key if preview else None,
                        thumb.key if thumb else None, note, str(local) if local else None)
        )  # fmt: skip
        if original_up:
            self._finish_published(task)
        elif listed:
            self._upsert_manifest(task)  # preview-first: listed before its original

    # -- orphans -------------------------------------------------------------------------

    def orphaned_uploads(self, project: str | None = None) -> list[tuple[str, str]]:
        """Multipart uploads under our prefix that no journal entry owns: (key, id)."""
        prefix = project_prefix(project) if project else "projects/"
        owned = self.journal.upload_ids(self.dest.ident)
        return [
            (u.key, u.upload_id)
            for u in self.dest.list_multipart_uploads(prefix)
            if u.upload_id not in owned
        ]

    def abort_uploads(self, uploads: Iterable[tuple[str, str]]) -> int:
        n = 0
        for key, upload_id in uploads:
            self.dest.abort_multipart(key, upload_id)
            n += 1
        return n
