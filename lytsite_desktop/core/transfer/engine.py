"""The transfer engine: one destination's parallel, chunked, resumable uploads.

Threads: ``concurrency`` workers pull units (prepare a file, send one part,
complete, abort) from the :class:`~.scheduler.Scheduler`; each unit that talks to
the store holds one of the global :class:`~.slots.PartSlots` (shared by every
destination's engine), so that is the cap on parts in flight. With previews on,
ingest threads make previews ahead of the uploads and one extra sender puts
them in the store first. Parts are read from disk as they are sent, so memory
does not grow with file size. Every change that matters for resume is committed
to the journal before it counts.

The engine owns each file's state (see :mod:`lytsite_desktop.core.states`); the
steps in ``original.py``, ``renditions.py`` and ``aborts.py`` do the work and
report back through the methods under "services for the steps".
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import Interrupted, SourceChangedError, TransferError
from lytsite_desktop.core.events import (
    BatchDone,
    Event,
    EventHub,
    FileCancelled,
    FileDone,
    FileFailed,
    FileQueued,
    FileStateChanged,
    PreviewDone,
    Progress,
    Subscriber,
)
from lytsite_desktop.core.keys import file_id, original_key
from lytsite_desktop.core.previews.cache import Cached
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.states import FileState, Original, Preview, checked
from lytsite_desktop.core.store import journal as jr
from lytsite_desktop.core.store.journal import FileRecord, Journal
from lytsite_desktop.core.transfer import aborts, original, renditions, retry
from lytsite_desktop.core.transfer.listing import Lister
from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.scheduler import SLOTTED, Kind, Scheduler, Unit
from lytsite_desktop.core.transfer.slots import PartSlots
from lytsite_desktop.core.transfer.task import FileTask, UploadRequest

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Progress events are emitted when a file has moved at least this many bytes.
PROGRESS_STEP = 256 * 1024
#: A file that keeps changing while we read it fails after this many fresh starts.
MAX_RESTARTS = 5
UNEXPECTED = "Something unexpected went wrong with this file (the log has the details)."

__all__ = ["TransferEngine", "UploadRequest"]


class TransferEngine:
    """Publishes files to one destination, recording everything in the journal.

    Use as a context manager; leaving it (or :meth:`stop`) stops scheduling,
    interrupts parts in flight and leaves the journal resumable; :meth:`drain`
    first lets the parts in flight finish. Events go to subscribers (see
    :mod:`lytsite_desktop.core.events`), from worker threads.
    """

    def __init__(
        self,
        destination: Destination,
        journal: Journal,
        settings: TransferSettings | None = None,
        *,
        previews: PreviewMaker | None = None,
        lister: Lister | None = None,
        limiter: RateLimiter | None = None,
        slots: PartSlots | None = None,
    ) -> None:
        self.dest = destination
        self.journal = journal
        self.settings = settings or TransferSettings()
        self.settings.validate()
        self.events = EventHub()
        self.limiter = limiter or RateLimiter(self.settings.bwlimit)
        self.slots = slots or PartSlots(self.settings.concurrency)
        self.previews = previews
        self.lister = lister
        self.lock = threading.Condition()
        self.scheduler = Scheduler()
        self._tasks: dict[int, FileTask] = {}
        self._order: list[FileTask] = []
        self._unfinished = 0
        self._stopping = False
        self._draining = False
        self._workers: list[threading.Thread] = []
        self._on_stop: list[Callable[[float], object]] = []
        self.bytes_sent = 0

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> TransferEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, fn: Subscriber) -> None:
        self.events.subscribe(fn)

    def on_stop(self, fn: Callable[[float], object]) -> None:
        """``fn(seconds_left)`` runs when the engine stops (the lister's close)."""
        self._on_stop.append(fn)

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
                (f"preview-{i}", self._ingest_worker, ()) for i in range(self.previews.workers)
            ]
        for name, target, args in lanes:
            t = threading.Thread(target=target, args=args, name=name, daemon=True)
            t.start()
            self._workers.append(t)

    def drain(self, timeout: float) -> bool:
        """Start nothing new; let the units in flight finish (for at most ``timeout``
        seconds). True when they all did. Call :meth:`stop` afterwards."""
        with self.lock:
            self._draining = True
            self.lock.notify_all()
        return self._join(time.monotonic() + timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop now: interrupt parts in flight, wait for workers, close what was handed
        over (the lister writes what is pending)."""
        with self.lock:
            self._stopping = True
            self.lock.notify_all()
        if self.previews is not None:
            self.previews.interrupt()
        deadline = time.monotonic() + timeout
        self._join(deadline)
        with self.lock:
            for task in self._order:
                self._release(task)
        for fn in self._on_stop:
            fn(max(1.0, deadline - time.monotonic()))
        self._on_stop.clear()

    def _join(self, deadline: float) -> bool:
        me = threading.current_thread()
        for t in self._workers:
            if t is not me:  # stop() may be called from a subscriber on a worker
                t.join(max(0.0, deadline - time.monotonic()))
        alive = [t for t in self._workers if t.is_alive() and t is not me]
        self._workers = alive
        return not alive

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every added file is finished (or the engine stops)."""
        with self.lock:
            return self.lock.wait_for(lambda: self._stopping or not self._unfinished, timeout)

    def run(self, requests: Iterable[UploadRequest] = (), *, resume: bool = False) -> BatchDone:
        """Add files (and, with ``resume``, the journal's unfinished ones), wait for
        all of them, stop, and return the summary (also emitted)."""
        self.start()
        try:
            if resume:
                self.add_unfinished()
            self.add(requests)
            self.wait()
        except KeyboardInterrupt:
            log.info("interrupted: stopping uploads, the journal stays resumable")
        finally:
            self.stop()
        summary = self.summary()
        self.events.emit(summary)
        return summary

    @property
    def unfinished(self) -> int:
        with self.lock:
            return self._unfinished

    def summary(self, tasks: Iterable[int] | None = None) -> BatchDone:
        """Counts over ``tasks`` (all by default); interrupted if any is unfinished."""
        with self.lock:
            chosen = self._select(tasks)
            states = [t.state for t in chosen]
            sent = sum(t.bytes_sent for t in chosen)
            no_preview = sum(1 for t in chosen if t.state is FileState.PUBLISHED and t.note)
            damaged = sum(1 for t in chosen if t.state is FileState.PUBLISHED and t.damaged)
        return BatchDone(
            published=states.count(FileState.PUBLISHED),
            failed=states.count(FileState.FAILED),
            cancelled=states.count(FileState.CANCELLED),
            bytes_sent=sent,
            interrupted=any(not s.final for s in states),
            dest=self.dest.ident,
            no_preview=no_preview,
            damaged=damaged,
        )

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
        """A task for the row; a row already under way here stays as it is (and is
        announced again, so whoever asked sees where it is)."""
        with self.lock:
            existing = self._tasks.get(rec.id)
            task = existing
            if existing is None or existing.finished:
                task = FileTask(rec.id, req.source, req.rel_path, req.project, rec.size, record=rec)
                if existing is not None:
                    self._order.remove(existing)
                    checked(existing.state, FileState.QUEUED, req.rel_path)
                self._tasks[rec.id] = task
                self._order.append(task)
                self.scheduler.add(task, previews=self.previews is not None)
                self._unfinished += 1
                self.lock.notify_all()
            assert task is not None
            fresh = task is not existing
        if fresh and self.journal.claim(task.id):  # this process drives it (`status` knows)
            with self.lock:
                task.claimed = True
        self.emit(self._event(FileQueued, task, path=task.source, size=task.size))
        if existing is not None and task is existing:
            self.emit(self._event(FileStateChanged, task, state=task.state))
            self.report_progress(task)
        return task.id

    # -- controls ----------------------------------------------------------------------

    def tasks(self) -> list[FileTask]:
        with self.lock:
            return list(self._order)

    def owns(self, task_id: int) -> bool:
        with self.lock:
            return task_id in self._tasks

    def _select(self, ids: Iterable[int] | None) -> list[FileTask]:
        if ids is None:
            return list(self._order)
        return [self._tasks[i] for i in ids if i in self._tasks]

    def pause(self, ids: Iterable[int] | None = None) -> list[int]:
        """Stop sending these files (all if None) now; parts in flight are dropped.
        Returns the ids that were paused."""
        changed = []
        with self.lock:
            for task in self._select(ids):
                if not (task.finished or task.paused or task.listing):
                    task.paused = True
                    changed.append(task)
            self.lock.notify_all()
        for task in changed:
            self.set_state(task, FileState.PAUSED)
        return [t.id for t in changed]

    def resume(self, ids: Iterable[int] | None = None) -> list[int]:
        with self.lock:
            resumed = [t for t in self._select(ids) if t.paused and not t.finished]
            for task in resumed:
                task.paused = False
                self.scheduler.resumed(task)
            self.lock.notify_all()
        for task in resumed:
            self.set_state(task, self._working_state(task))
        return [t.id for t in resumed]

    def cancel(self, ids: Iterable[int] | None = None) -> list[int]:
        """Give up on these files; their multipart uploads are aborted on the server
        (by a worker: this call never blocks on the network). A file whose original
        and preview are both up is past taking back here."""
        chosen = []
        with self.lock:
            for task in self._select(ids):
                if task.finished or task.cancel_requested or task.listing:
                    continue
                task.cancel_requested = True
                self.scheduler.cancel(task)
                chosen.append(task.id)
            self.lock.notify_all()
        return chosen

    def retry(self, ids: Iterable[int] | None = None) -> list[int]:
        """Queue failed or cancelled files again."""
        with self.lock:
            again = [
                t for t in self._select(ids)
                if t.finished and t.state in (FileState.FAILED, FileState.CANCELLED)
            ]  # fmt: skip
        return self.add(UploadRequest(t.source, t.rel_path, t.project) for t in again)

    def forget(self, ids: Iterable[int]) -> list[int]:
        """Drop finished files from memory (a window's "Clear finished")."""
        with self.lock:
            gone = [t for t in self._select(ids) if t.finished]
            for task in gone:
                del self._tasks[task.id]
                self._order.remove(task)
                self.scheduler.forget(task)
        return [t.id for t in gone]

    def set_bwlimit(self, rate: float | None) -> None:
        self.limiter.set_rate(rate)

    # -- the workers ---------------------------------------------------------------------

    def _worker(self, previews_only: bool = False) -> None:
        while (unit := self._next_unit(previews_only)) is not None:
            slotted = unit.kind in SLOTTED
            if slotted and not self.slots.acquire(lambda: self._stopping or self._draining):
                with self.lock:
                    self.scheduler.give_back(unit)
                self._unit_done(unit.task)
                return
            try:
                self._run(unit)
            except Interrupted:
                if unit.kind is Kind.RENDITIONS:
                    with self.lock:
                        self.scheduler.preview_interrupted(unit.task)
            except SourceChangedError as exc:
                log.info("%s: %s; starting over", unit.task.rel_path, exc)
                with self.lock:
                    unit.task.restart_requested = True
            except TransferError as exc:
                self._fail(unit.task, str(exc))
            except Exception:  # a bug must fail one file, not the batch
                log.exception("unexpected error on %s", unit.task.rel_path)
                self._fail(unit.task, UNEXPECTED)
            finally:
                if slotted:
                    self.slots.release()
                self._unit_done(unit.task)

    def _next_unit(self, previews_only: bool) -> Unit | None:
        with self.lock:
            while not (self._stopping or self._draining):
                unit = self.scheduler.pick(previews_only)
                if unit is not None:
                    return unit
                self.lock.wait()
            return None

    def _run(self, unit: Unit) -> None:
        task = unit.task
        if unit.kind is Kind.PREPARE:
            original.prepare(self, task)
        elif unit.kind is Kind.PART:
            original.send_part(self, task, unit.part)
        elif unit.kind is Kind.COMPLETE:
            original.complete(self, task)
        elif unit.kind is Kind.RENDITIONS:
            renditions.send(self, task)
        else:
            self._finish_cancel(task)

    def _unit_done(self, task: FileTask) -> None:
        with self.lock:
            restart = self.scheduler.unit_done(task)
            self.lock.notify_all()
        if restart:
            self._start_over(task)

    def _ingest_worker(self) -> None:
        """Hash, recognise and make previews ahead of the uploads, one file at a time."""
        while True:
            with self.lock:
                task = None
                while not (self._stopping or self._draining):
                    task = self.scheduler.take_ingest()
                    if task is not None:
                        break
                    self.lock.wait()
                if task is None:
                    return
            try:
                made = renditions.ingest(self, task)
            except Interrupted:
                with self.lock:
                    if not (self._stopping or task.finished):
                        self.scheduler.ingest_interrupted(task)  # paused while hashing: later
                continue
            if made is not None:
                self._preview_made(task, made)

    def _preview_made(self, task: FileTask, made: Cached) -> None:
        with self.lock:
            if task.finished or task.preview is not Preview.TO_MAKE or self._stopping:
                return
            # Shown as "making preview" and not started since: "queued" again.
            requeued = task.state is FileState.MAKING_PREVIEW and task.original is Original.NEW
            task.renditions = made
            none = made.result.preview is None and made.result.thumb is None
            if not none:
                self.scheduler.preview_made(task)
                self.lock.notify_all()
        if requeued:
            self.set_state(task, FileState.QUEUED)
        if none:
            self.settle_preview(task, made.result.note, damaged=made.result.damaged)

    # -- services for the steps (see task.EngineServices) ----------------------------------

    def should_stop(self, task: FileTask) -> bool:
        return (
            self._stopping
            or task.paused
            or task.cancel_requested
            or task.restart_requested
            or task.finished
        )

    def set_state(self, task: FileTask, state: FileState, detail: str = "") -> None:
        with self.lock:
            if task.finished or (task.state is state and not detail):
                return
            if task.paused and state is not FileState.PAUSED:
                return  # shown as paused until resumed, whatever a worker still finishes
            if not checked(task.state, state, task.rel_path):
                return
            task.state = state
        self.emit(self._event(FileStateChanged, task, state=state, detail=detail))

    def _working_state(self, task: FileTask) -> FileState:
        """What a file is doing, from where its two halves stand."""
        if task.original is Original.NEW:
            return FileState.QUEUED
        if task.original is Original.UP:
            return FileState.MAKING_PREVIEW if task.preview is not Preview.SETTLED else task.state
        return FileState.UPLOADING

    def add_bytes(self, task: FileTask, n: int) -> None:
        with self.lock:
            task.bytes_done += n
            if n > 0:
                task.bytes_sent += n
                self.bytes_sent += n
            if abs(task.bytes_done - task.reported) < PROGRESS_STEP:
                return
        self.report_progress(task)

    def report_progress(self, task: FileTask) -> None:
        with self.lock:
            task.reported = task.bytes_done
            event = self._event(
                Progress, task, bytes_done=task.bytes_done, size=task.size, sent=task.bytes_sent
            )
        self.emit(event)

    def retrying(self, task: FileTask, fn: Callable[[], T], *, abortable: bool = True) -> T:
        return retry.retrying(
            fn,
            should_stop=lambda: abortable and self.should_stop(task),
            set_state=lambda state, detail: self.set_state(task, state, detail),
            recovered=lambda: self.set_state(task, self._working_state(task)),
            sleep=lambda seconds: self.sleep(task, seconds, abortable),
        )

    def sleep(self, task: FileTask, seconds: float, abortable: bool) -> bool:
        """Sleep; True if interrupted by stop/pause/cancel."""
        with self.lock:
            return self.lock.wait_for(lambda: abortable and self.should_stop(task), seconds)

    def parts_ready(self, task: FileTask) -> None:
        with self.lock:
            self.scheduler.multipart_started(task)
            self.lock.notify_all()
        self.report_progress(task)

    def original_up(self, task: FileTask, rec: FileRecord, *, etag: str | None) -> None:
        """The original is in the store (``etag`` None: it was already there). The
        file is listed once its preview is settled too."""
        values: dict[str, Any] = {"etag": etag} if etag is not None else {}
        task.record = self.journal.update(task.id, upload_id=None, error=None, **values)
        with self.lock:
            task.already_published = etag is None
            task.bytes_done = rec.size
            task.original = Original.UP
            self.scheduler.original_settled(task)
            settled = task.preview is Preview.SETTLED
        self.report_progress(task)
        if settled:
            self._list(task)
        else:
            self._put_listing(task)  # listed with its original; the preview follows
            self.set_state(task, FileState.MAKING_PREVIEW)

    def settle_preview(self, task: FileTask, note: str, *, damaged: bool = False) -> None:
        """The preview question is answered (published, or none and why)."""
        with self.lock:
            if task.finished or task.preview is Preview.SETTLED:
                return
            task.preview = Preview.SETTLED
            task.note, task.damaged = note, damaged
            original_up = task.original is Original.UP
            preview, thumb = task.published_renditions
            made = task.renditions
            local = made.path(made.result.thumb) if made and made.result.thumb else None
        self.emit(
            self._event(
                PreviewDone, task, preview_key=preview.key if preview else None,
                thumb_key=thumb.key if thumb else None, note=note,
                thumb_path=str(local) if local else None, damaged=damaged,
            )
        )  # fmt: skip
        if original_up:
            self._list(task)
        elif preview or thumb:
            self._put_listing(task)  # preview-first: listed before its original

    def emit(self, event: Event) -> None:
        self.events.emit(event)

    def _event(self, kind: type[Any], task: FileTask, **fields: Any) -> Any:
        return kind(
            task=task.id, dest=self.dest.ident, project=task.project, rel_path=task.rel_path,
            **fields,
        )  # fmt: skip

    # -- listing and finishing -------------------------------------------------------------

    def _list(self, task: FileTask) -> None:
        """Both halves are up: list the file; it is published once that is durable."""
        self.set_state(task, FileState.LISTING)
        if self.lister is None:
            self._listed(task)
        else:
            self._put_listing(task, durable=lambda: self._listed(task))

    def _listed(self, task: FileTask) -> None:
        with self.lock:
            if task.finished:
                return
        rec = self.journal.update(task.id, state=FileState.PUBLISHED.value, note=task.note or None)
        assert rec.key
        self._finish(task, FileState.PUBLISHED)
        self.emit(
            self._event(FileDone, task, key=rec.key, size=rec.size,
                        already_published=task.already_published, bytes_sent=task.bytes_sent,
                        note=task.note, damaged=task.damaged)
        )  # fmt: skip

    def _put_listing(self, task: FileTask, durable: Callable[[], None] | None = None) -> None:
        """List the file as far as it is published: its preview and thumbnail once
        up, its original key once the original is (null until then)."""
        if self.lister is None:
            return
        with self.lock:  # built and queued under the lock: a later state always wins
            entry = self._entry(task)
            self.lister.put(task.project, entry, durable)

    def _entry(self, task: FileTask) -> ManifestEntry:
        sha, ftype = task.sha256, task.ftype
        assert sha and ftype
        fid = file_id(sha, task.rel_path)
        preview, thumb = task.published_renditions
        result = task.renditions.result if task.renditions else None
        key = original_key(task.project, fid, task.rel_path) if task.original_up else None
        return ManifestEntry(
            fileId=fid,
            fileName=os.path.basename(task.rel_path),
            path=task.rel_path,
            contentType=ftype.content_type,
            size=task.size,
            sha256=sha,
            originalKey=key,
            width=result.width if result else None,
            height=result.height if result else None,
            preview=preview,
            thumb=thumb,
            camera=result.camera if result else None,
            note=task.note or None,
        )

    def _unlist_preview_only(self, task: FileTask) -> None:
        """A file given up on (failed, cancelled) is not left listed by its preview."""
        with self.lock:
            listed = task.sha256 and any(task.published_renditions)
            up = task.original_up
        if self.lister is not None and listed and not up:
            assert task.sha256
            self.lister.unlist(task.project, task.rel_path, file_id(task.sha256, task.rel_path))

    def _release(self, task: FileTask) -> None:
        if task.claimed:
            self.journal.release(task.id)
            task.claimed = False

    def _finish(self, task: FileTask, state: FileState) -> None:
        with self.lock:
            if not task.finished:
                self._unfinished -= 1
            checked(task.state, state, task.rel_path)
            task.original = Original.FINISHED
            task.state = state
            self._release(task)
            self.scheduler.original_settled(task)
            self.lock.notify_all()

    def _fail(self, task: FileTask, reason: str) -> None:
        with self.lock:
            if task.finished:
                return
        self.journal.update(task.id, state=FileState.FAILED.value, error=reason)
        self._unlist_preview_only(task)
        self._finish(task, FileState.FAILED)
        self.emit(self._event(FileFailed, task, reason=reason))

    def _finish_cancel(self, task: FileTask) -> None:
        aborts.abort_cancelled(self, task, self._stopping)
        self.journal.start_over(task.id, state=FileState.CANCELLED.value)
        self._unlist_preview_only(task)
        self._finish(task, FileState.CANCELLED)
        self.emit(self._event(FileCancelled, task))

    def _start_over(self, task: FileTask) -> None:
        """The source changed (or the upload vanished): forget the upload, prepare again."""
        task.restarts += 1
        if task.restarts > MAX_RESTARTS:
            with self.lock:
                task.restart_requested = False
            self._fail(task, "The file keeps changing while it is uploaded; try again when "
                       "whatever is writing it has finished.")  # fmt: skip
            return
        aborts.abort_replaced(self, task)
        self.journal.start_over(task.id)
        with self.lock:
            task.restart_requested = False
            task.plan = None
            task.pending.clear()
            task.done_parts.clear()
            task.small_md5 = None
            task.bytes_done = 0
            task.sha256 = task.ftype = task.renditions = None
            task.published_renditions = (None, None)
            task.note, task.damaged = "", False
            self.scheduler.start_over(task, previews=self.previews is not None)
            self.lock.notify_all()
        self.set_state(task, FileState.QUEUED, "the file changed; starting over")
        self.report_progress(task)
