"""The per-file coordinator: every change of a file's state, and what the steps may ask.

The engine's workers run units of work (``original.py``, ``renditions.py``, ``aborts.py``);
each step reports back here (:class:`~lytsite_desktop.core.transfer.task.EngineServices`),
the one place a file's state changes (checked against :mod:`lytsite_desktop.core.states`),
a file is listed, finished, failed, cancelled or started over, and events go out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.events import (
    BatchDone,
    Event,
    EventHub,
    FileCancelled,
    FileDone,
    FileFailed,
    FileStateChanged,
    PreviewDone,
    Progress,
)
from lytsite_desktop.core.keys import original_key
from lytsite_desktop.core.previews.cache import Cached
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.states import STALLED, FileState, Original, Preview, checked
from lytsite_desktop.core.store.faults import JournalFull
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.core.transfer import aborts, retry
from lytsite_desktop.core.transfer.identity import id_of
from lytsite_desktop.core.transfer.linkrate import LinkMeter
from lytsite_desktop.core.transfer.listing import Lister
from lytsite_desktop.core.transfer.prehash import Prehasher
from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.scheduler import Scheduler
from lytsite_desktop.core.transfer.task import FileTask

T = TypeVar("T")

#: Progress events are emitted when a file has moved at least this many bytes and
#: this long after its last one: smooth for a person (the window redraws at 10 Hz),
#: and no thousands of events a second when a fast link moves 8 MB photos in a blink.
PROGRESS_STEP = 256 * 1024
PROGRESS_INTERVAL = 0.1
#: A stalled file (states.STALLED) moves again once its retry gets through, or
#: once its bytes have been leaving again for this many seconds.
FLOWING = 1.0
#: A file that keeps changing while we read it fails after this many fresh starts.
MAX_RESTARTS = 5
PUBLISHED = FileState.PUBLISHED.value


class Coordinator:
    """Owns the files' states for one engine (under ``lock``, shared with its scheduler),
    its events hub and its link meter; ``stopping`` and ``unfinished`` are the engine's."""

    def __init__(
        self, dest: Destination, journal: Journal, settings: TransferSettings, *,
        previews: PreviewMaker | None, lister: Lister | None, limiter: RateLimiter,
    ) -> None:  # fmt: skip
        self.dest, self.journal, self.settings = dest, journal, settings
        self.previews, self.lister, self.limiter = previews, lister, limiter
        self.prehashed: Prehasher | None = None
        self.meter = LinkMeter(settings, dest.checksum)
        self.lock = threading.Condition()
        m = self.meter
        self.scheduler = Scheduler(m.cutoff, m.waits, m.parts_room, m.whole_room, m.arriving_soon)
        self.events = EventHub()
        self.stopping = False
        self.unfinished = 0  # files added and not final
        #: Times a file got through after failing: it wakes those waiting (network, disk).
        self.got_through = 0

    def summary(self, tasks: list[FileTask]) -> BatchDone:
        """Counts over ``tasks``; interrupted if any is unfinished. Under the lock."""
        states = [t.state for t in tasks]
        published = [t for t in tasks if t.state is FileState.PUBLISHED]
        return BatchDone(
            published=len(published),
            failed=states.count(FileState.FAILED),
            cancelled=states.count(FileState.CANCELLED),
            bytes_sent=sum(t.bytes_sent for t in tasks),
            interrupted=any(not s.final for s in states),
            dest=self.dest.ident,
            no_preview=sum(1 for t in published if t.note),
            damaged=sum(1 for t in published if t.damaged),
            published_to=tuple(sorted({t.project for t in published})),
        )

    def preview_made(self, task: FileTask, made: Cached) -> None:
        """An ingest thread made (or found) the file's renditions."""
        with self.lock:
            if task.finished or task.preview is not Preview.TO_MAKE or self.stopping:
                return
            # Shown as "making preview" and not started since (or waiting for a slot,
            # which another bucket's files may hold a while): "queued" again.
            requeued = task.state is FileState.MAKING_PREVIEW and task.original in (
                Original.NEW, Original.PREPARING)  # fmt: skip
            task.renditions = made
            none = made.result.preview is None and made.result.thumb is None
            if not none:
                self.scheduler.preview_made(task)
                self.lock.notify_all()
        if requeued:
            self.set_state(task, FileState.QUEUED)
        if none:
            self.settle_preview(task, made.result.note, damaged=made.result.damaged)

    # -- what the steps ask of the engine (task.EngineServices) ----------------------------

    def should_stop(self, task: FileTask) -> bool:
        return (self.stopping or task.paused or task.cancel_requested
                or task.restart_requested or task.finished)  # fmt: skip

    def set_state(self, task: FileTask, state: FileState, detail: str = "") -> None:
        with self.lock:
            if state in STALLED:
                task.flowing_since = None
                if state is not FileState.PAUSED:  # a failure: the link is not to be trusted
                    self.meter.faulted()
            if task.finished or (task.state is state and not detail):
                return
            if task.paused and state is not FileState.PAUSED:
                return  # shown as paused until resumed, whatever a worker still finishes
            if not checked(task.state, state, task.rel_path):
                return
            task.state = state
        self.emit(self.event(FileStateChanged, task, state=state, detail=detail))

    def working_state(self, task: FileTask) -> FileState:
        """What a file is doing, from where its two halves stand."""
        if task.original is Original.NEW:
            return FileState.QUEUED
        if task.original is Original.UP and task.preview is Preview.SETTLED:
            return task.state
        if task.original is Original.UP and task.preview is Preview.TO_MAKE:
            return FileState.MAKING_PREVIEW
        return FileState.UPLOADING  # its original, or its preview after it

    def add_bytes(self, task: FileTask, handed: int, arrived: int) -> None:
        """``handed`` more bytes of ``task`` went to a connection and ``arrived``
        more reached the store's side (negative: taken back after a failure)."""
        with self.lock:
            task.bytes_handed += handed
            task.bytes_done += arrived
            if arrived > 0:
                task.bytes_sent += arrived
                self.meter.arrived(arrived)
                if self.scheduler.room_full:  # the room follows what arrived: look again
                    self.lock.notify_all()
            moving = arrived > 0 and task.state in STALLED and self._flowing(task)
            quiet = abs(task.bytes_done - task.reported) < PROGRESS_STEP or (
                time.monotonic() - task.reported_at < PROGRESS_INTERVAL
            )
        if moving:
            self.recovered(task)
        if not quiet:
            self.report_progress(task)

    @staticmethod
    def _flowing(task: FileTask) -> bool:
        """Have bytes left for :data:`FLOWING` seconds since the last failure? Then
        the file is uploading again, though its retried part is not done yet. (A
        dead link takes a little into its buffers before the reset: no flowing.)
        Under the lock."""
        now = time.monotonic()
        if task.flowing_since is None:
            task.flowing_since = now
        return now - task.flowing_since >= FLOWING

    def report_progress(self, task: FileTask) -> None:
        with self.lock:
            task.reported = task.bytes_done
            task.reported_at = time.monotonic()
            event = self.event(
                Progress, task, bytes_done=task.bytes_done, size=task.size, sent=task.bytes_sent
            )
        self.emit(event)

    def retrying(self, task: FileTask, fn: Callable[[], T], *, abortable: bool = True) -> T:
        return retry.retrying(
            fn,
            should_stop=lambda: abortable and self.should_stop(task),
            set_state=lambda state, detail: self.set_state(task, state, detail),
            recovered=lambda: self.recovered(task),
            sleep=lambda seconds, patient: self.sleep(task, seconds, abortable, patient),
        )

    def recovered(self, task: FileTask) -> None:
        """``task`` got through after failing: it works again, and so may the others."""
        self.set_state(task, self.working_state(task))
        with self.lock:
            self.got_through += 1
            self.lock.notify_all()

    def sleep(self, task: FileTask, seconds: float, abortable: bool, patient: bool = False) -> bool:
        """Sleep; True if interrupted by stop/pause/cancel. A ``patient`` wait (for
        the network, for disk space) ends early when another file got through."""
        with self.lock:
            seen = self.got_through

            def stopped() -> bool:
                return abortable and self.should_stop(task)

            self.lock.wait_for(lambda: stopped() or (patient and self.got_through != seen), seconds)
            return stopped()

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
            task.bytes_done = task.bytes_handed = rec.size
            task.original = Original.UP
            self.scheduler.original_settled(task)
            settled = task.preview is Preview.SETTLED
        self.report_progress(task)
        if settled:
            self.list_file(task)
        else:
            self.put_listing(task)  # listed with its original; the preview follows
            self.set_state(task, self.working_state(task))

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
            self.event(
                PreviewDone, task, preview_key=preview.key if preview else None,
                thumb_key=thumb.key if thumb else None, note=note,
                thumb_path=str(local) if local else None, damaged=damaged,
            )
        )  # fmt: skip
        if original_up:
            self.list_file(task)
        elif preview or thumb:
            self.put_listing(task)  # preview-first: listed before its original

    def emit(self, event: Event) -> None:
        self.events.emit(event)

    def event(self, kind: type[Any], task: FileTask, **fields: Any) -> Any:
        return kind(
            task=task.id, dest=self.dest.ident, project=task.project, rel_path=task.rel_path,
            **fields,
        )  # fmt: skip

    # -- listing and finishing -------------------------------------------------------------

    def list_file(self, task: FileTask) -> None:
        """Both halves are up: list the file; it is published once that is durable."""
        self.set_state(task, FileState.LISTING)
        if self.lister is None:
            self.listed(task)
        else:
            self.put_listing(task, durable=lambda: self.listed(task))

    def listed(self, task: FileTask) -> None:
        with self.lock:
            if task.finished:
                return
        try:
            rec = self.journal.update(task.id, state=PUBLISHED, note=task.note or None)
        except JournalFull as exc:  # listed, not recorded: a retry finds it there and lists it
            return self.fail(task, str(exc))
        assert rec.key
        self.finish(task, FileState.PUBLISHED)
        self.emit(self.event(FileDone, task, key=rec.key, size=rec.size,
                             already_published=task.already_published, bytes_sent=task.bytes_sent,
                             note=task.note, damaged=task.damaged))  # fmt: skip

    def put_listing(self, task: FileTask, durable: Callable[[], None] | None = None) -> None:
        """List the file as far as it is published: its preview and thumbnail once
        up, its original key once the original is (null until then)."""
        if self.lister is None:
            return
        with self.lock:  # built and queued under the lock: a later state always wins
            entry = self.entry(task)
            self.lister.put(task.project, entry, durable)

    def entry(self, task: FileTask) -> ManifestEntry:
        sha, ftype = task.sha256, task.ftype
        assert sha and ftype
        fid = id_of(task)
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
            color=result.color if result else None,
            watermarked=True if result and result.watermarked else None,
            duration=result.duration if result else None,
            note=task.note or None,
            hidden=True if task.damaged and not (preview or thumb) else None,
        )

    def unlist_preview_only(self, task: FileTask) -> None:
        """A file given up on (failed, cancelled) is not left listed by its preview."""
        with self.lock:
            listed = task.sha256 and any(task.published_renditions)
            up = task.original_up
        if self.lister is not None and listed and not up:
            self.lister.unlist(task.project, task.rel_path, id_of(task))

    def release(self, task: FileTask) -> None:
        if task.claimed:
            self.journal.release(task.id)
            task.claimed = False

    def finish(self, task: FileTask, state: FileState) -> None:
        with self.lock:
            if not task.finished:
                self.unfinished -= 1
            checked(task.state, state, task.rel_path)
            task.original = Original.FINISHED
            task.state = state
            if state is not FileState.FAILED:  # a failure stays this run's until it ends
                self.release(task)
            self.scheduler.original_settled(task)
            self.lock.notify_all()

    def fail(self, task: FileTask, reason: str) -> None:
        with self.lock:
            if task.finished:
                return
        with suppress(JournalFull):  # the row stays unfinished then: a resume takes it up
            self.journal.update(task.id, state=FileState.FAILED.value, error=reason)
        self.unlist_preview_only(task)
        self.finish(task, FileState.FAILED)
        self.emit(self.event(FileFailed, task, reason=reason))

    def finish_cancel(self, task: FileTask) -> None:
        aborts.abort_cancelled(self, task, self.stopping)
        self.journal.start_over(task.id, state=FileState.CANCELLED.value)
        self.unlist_preview_only(task)
        self.finish(task, FileState.CANCELLED)
        self.emit(self.event(FileCancelled, task))

    def start_over(self, task: FileTask) -> None:
        """The source changed (or the upload vanished): forget the upload, prepare again."""
        task.restarts += 1
        if task.restarts > MAX_RESTARTS:
            with self.lock:
                task.restart_requested = False
            self.fail(task, "The file keeps changing while it is uploaded; try again when "
                       "whatever is writing it has finished.")  # fmt: skip
            return
        aborts.abort_replaced(self, task)
        self.journal.start_over(task.id)
        with self.lock:
            task.restart_requested = False
            task.plan = None
            task.pending.clear()
            task.done_parts.clear()
            task.bytes_done = task.bytes_handed = 0
            task.sha256 = task.ftype = task.renditions = task.file_id = task.hashed = None
            task.published_renditions = (None, None)
            task.span_sums, task.note, task.damaged = {}, "", False
            self.scheduler.start_over(task, previews=self.previews is not None)
            self.lock.notify_all()
        self.set_state(task, FileState.QUEUED, "the file changed; starting over")
        self.report_progress(task)
