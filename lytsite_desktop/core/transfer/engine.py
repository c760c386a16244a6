"""The transfer engine: one destination's parallel, chunked, resumable uploads.

Threads: ``concurrency`` workers pull units (prepare a file, send one part,
complete, abort) from the :class:`~.scheduler.Scheduler`; each unit that talks to
the store holds one of the :class:`~.slots.PartSlots` all engines share (the cap
on parts in flight). With previews on, ingest threads make previews ahead of the
uploads and one extra sender puts them in the store first. Parts are read from
disk as sent: memory does not grow with file size. What resume needs is in the
journal before it counts.

Every change of a file's state goes through its :class:`~.coordinator.Coordinator`
(see :mod:`lytsite_desktop.core.states`); the steps in ``original.py``,
``renditions.py`` and ``aborts.py`` do the work and report back to it. The engine
starts and stops the threads, takes files in, and passes on what a user asks.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import Interrupted, SourceChangedError, TransferError
from lytsite_desktop.core.events import BatchDone, FileQueued, FileStateChanged, Subscriber
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.states import FileState, checked
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.store.records import FileRecord, QueueItem
from lytsite_desktop.core.transfer import original, renditions
from lytsite_desktop.core.transfer.coordinator import Coordinator
from lytsite_desktop.core.transfer.listing import Lister
from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.scheduler import SLOTTED, Kind, Unit
from lytsite_desktop.core.transfer.slots import PartSlots
from lytsite_desktop.core.transfer.task import FileTask, UploadRequest

log = logging.getLogger(__name__)

UNEXPECTED = "Something unexpected went wrong with this file (the log has the details)."


class TransferEngine:
    """Publishes files to one destination, recording everything in the journal.

    A context manager; leaving it (or :meth:`stop`) stops scheduling, interrupts
    parts in flight and leaves the journal resumable; :meth:`drain` first lets the
    parts in flight finish. Events go to subscribers, from worker threads."""

    def __init__(
        self, destination: Destination, journal: Journal, settings: TransferSettings | None = None,
        *, previews: PreviewMaker | None = None, lister: Lister | None = None,
        limiter: RateLimiter | None = None, slots: PartSlots | None = None,
    ) -> None:  # fmt: skip
        settings = settings or TransferSettings()
        settings.validate()
        self.files = Coordinator(
            destination, journal, settings, previews=previews, lister=lister,
            limiter=limiter or RateLimiter(settings.bwlimit),
        )  # fmt: skip
        self.slots = slots or PartSlots(settings.concurrency)
        self.dest, self.journal, self.settings = destination, journal, settings
        self.previews = previews
        self.events, self.lock, self.scheduler = (
            self.files.events, self.files.lock, self.files.scheduler
        )  # fmt: skip
        #: Every file this engine was given, in the order it was (last) queued.
        self._tasks: dict[int, FileTask] = {}
        self._draining = False
        self._workers: list[threading.Thread] = []
        self._started = False
        self._on_stop: list[Callable[[float], object]] = []
        self.on_quiet: Callable[[], object] | None = None  # a unit left only answers, or none

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
        """Start the workers, once (later calls, from any thread, do nothing)."""
        with self.lock:
            if self._started:
                return
            self._started = True
        lanes: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = [
            (f"upload-{i}", self._worker, ()) for i in range(self.settings.concurrency)
        ]
        for i in range(self.previews.workers if self.previews is not None else 0):
            # A preview worker, and a sender only for previews (so they never queue
            # behind originals; two made at once go up at once).
            lanes.append((f"preview-{i}", self._ingest_worker, ()))
            lanes.append((f"upload-previews-{i}", self._worker, (True,)))
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
        """Stop now: interrupt parts in flight, wait for workers, close the lister."""
        with self.lock:
            self.files.stopping = True
            self.lock.notify_all()
        if self.previews is not None:
            self.previews.interrupt()
        deadline = time.monotonic() + timeout
        self._join(deadline)
        with self.lock:
            for task in self._tasks.values():
                self.files.release(task)
        for fn in self._on_stop:
            fn(max(1.0, deadline - time.monotonic()))
        self._on_stop.clear()

    def _join(self, deadline: float) -> bool:
        me = threading.current_thread()
        for t in self._workers:
            if t is not me:  # stop() may be called from a subscriber on a worker
                t.join(max(0.0, deadline - time.monotonic()))
        self._workers = [t for t in self._workers if t.is_alive() and t is not me]
        return not self._workers

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every added file is finished (or the engine stops)."""
        with self.lock:
            return self.lock.wait_for(
                lambda: self.files.stopping or not self.files.unfinished, timeout
            )

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

    def winding_down(self) -> bool:
        """Only the last round trips are left (see :meth:`.Scheduler.winding_down`)."""
        with self.lock:
            return self.scheduler.winding_down()

    def drained(self) -> bool:
        """Nothing left in the air or to start (see :meth:`.Scheduler.drained`)."""
        with self.lock:
            return self.scheduler.drained()

    @property
    def unfinished(self) -> int:
        with self.lock:
            return self.files.unfinished

    def summary(self, tasks: Iterable[int] | None = None) -> BatchDone:
        """Counts over ``tasks`` (all by default); interrupted if any is unfinished."""
        with self.lock:
            return self.files.summary(self._select(tasks))

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
            where = (self.dest.ident, req.project, req.rel_path, os.path.abspath(req.source))
            items.append(QueueItem(*where, size, mtime_ns, title=req.title or None))
        records = self.journal.queue(items)
        return [self._enqueue(rec, req) for rec, req in zip(records, reqs, strict=True)]

    def add_unfinished(self) -> list[int]:
        """Queue every unfinished file the journal holds for this destination, but
        those another window or command publishes now (they are its to finish)."""
        return [
            self._enqueue(rec, UploadRequest(rec.source_path, rec.rel_path, rec.project))
            for rec in self.journal.unfinished(self.dest.ident)
            if not self.journal.held_elsewhere(rec.id)
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
                    del self._tasks[rec.id]  # queued again: it goes to the end
                    checked(existing.state, FileState.QUEUED, req.rel_path)
                self._tasks[rec.id] = task
                self.scheduler.add(task, previews=self.previews is not None)
                self.files.unfinished += 1
                self.lock.notify_all()
            assert task is not None
            fresh = task is not existing
        if fresh and self.journal.claim(task.id):  # this process drives it (`status` knows)
            with self.lock:
                task.claimed = True
        self.files.emit(self.files.event(FileQueued, task, path=task.source, size=task.size))
        if existing is not None and task is existing:
            self.files.emit(self.files.event(FileStateChanged, task, state=task.state))
            self.files.report_progress(task)
        return task.id

    # -- controls ----------------------------------------------------------------------

    def tasks(self) -> list[FileTask]:
        with self.lock:
            return list(self._tasks.values())

    def _select(self, ids: Iterable[int] | None) -> list[FileTask]:
        if ids is None:
            return list(self._tasks.values())
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
            self.files.set_state(task, FileState.PAUSED)
        return [t.id for t in changed]

    def resume(self, ids: Iterable[int] | None = None) -> list[int]:
        with self.lock:
            resumed = [t for t in self._select(ids) if t.paused and not t.finished]
            for task in resumed:
                task.paused = False
                self.scheduler.resumed(task)
            self.lock.notify_all()
        for task in resumed:
            self.files.set_state(task, self.files.working_state(task))
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
                self.scheduler.forget(task)
                self.files.release(task)
        return [t.id for t in gone]

    # -- the workers ---------------------------------------------------------------------

    def _worker(self, previews_only: bool = False) -> None:
        while (unit := self._next_unit(previews_only)) is not None:
            slotted = unit.kind in SLOTTED
            if slotted and not self.slots.acquire(self._giving_up, owner=self):
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
                self.files.fail(unit.task, str(exc))
            except Exception:  # a bug must fail one file, not the batch
                log.exception("unexpected error on %s", unit.task.rel_path)
                self.files.fail(unit.task, UNEXPECTED)
            finally:
                if slotted:
                    self.slots.release(owner=self)
                self._unit_done(unit.task)

    def _giving_up(self) -> bool:  # a worker waiting for a slot: the engine stops or drains
        return self.files.stopping or self._draining

    def _next_unit(self, previews_only: bool) -> Unit | None:
        with self.lock:
            while not (self.files.stopping or self._draining):
                unit = self.scheduler.pick(previews_only)
                if unit is not None:
                    return unit
                self.lock.wait()
            return None

    def _run(self, unit: Unit) -> None:
        task = unit.task
        if unit.kind is Kind.PREPARE:
            original.prepare(self.files, task)
        elif unit.kind is Kind.PART:
            original.send_part(self.files, task, unit.part)
        elif unit.kind is Kind.COMPLETE:
            original.complete(self.files, task)
        elif unit.kind is Kind.RENDITIONS:
            renditions.send(self.files, task)
        else:
            self.files.finish_cancel(task)

    def _unit_done(self, task: FileTask) -> None:
        with self.lock:
            restart = self.scheduler.unit_done(task)
            quiet = self.scheduler.drained() or self.scheduler.winding_down()
            self.lock.notify_all()
        if restart:
            self.files.start_over(task)
        elif quiet and self.on_quiet is not None:
            self.on_quiet()

    def _ingest_worker(self) -> None:
        """Hash, recognise and make previews ahead of the uploads, one file at a time."""
        while True:
            with self.lock:
                task = None
                while not (self.files.stopping or self._draining):
                    task = self.scheduler.take_ingest()
                    if task is not None:
                        break
                    self.lock.wait()
                if task is None:
                    return
            try:
                made = renditions.ingest(self.files, task)
            except Interrupted:
                with self.lock:
                    if not (self.files.stopping or task.finished):
                        self.scheduler.ingest_interrupted(task)  # paused while hashing: later
                continue
            if made is not None:
                self.files.preview_made(task, made)
