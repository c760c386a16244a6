"""Batches: the files of one publish (or one resume of a destination), followed to
their end, and the log's account of each.

A batch ends when every file in it is final; its :class:`BatchDone` names its
destination and its project as the photographer typed it, and counts only its
own files (a window publishes many batches over a day). The log gets a line when
a batch starts, one per file published, skipped, retried or failed, and the
batch's totals.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from lytsite_desktop.core.events import (
    BatchDone,
    Event,
    FileCancelled,
    FileDone,
    FileEvent,
    FileFailed,
    FileStateChanged,
)
from lytsite_desktop.core.platform.diagnostics import TOLD
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.core.states import FileState

log = logging.getLogger("lytsite_desktop.batches")


@dataclass
class Batch:
    id: int
    dest: str  # the destination's ident
    #: The project as the photographer named it ("" when the files span several).
    project: str
    #: The titles of the projects it spans when it spans several.
    projects: tuple[str, ...] = ()
    tasks: set[int] = field(default_factory=set)
    done: set[int] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    ended: bool = False
    #: Its files' failures, by reason.
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        return self.done >= self.tasks


Summarise = Callable[[Batch], BatchDone]


class Batches:
    """Which batch each file belongs to; emits a batch's :class:`BatchDone` (through
    ``emit``) when its last file is final. Thread-safe; fed every engine event."""

    def __init__(self, summarise: Summarise, emit: Callable[[Event], None]) -> None:
        self._summarise = summarise
        self._emit = emit
        self._lock = threading.Condition()
        self._batches: dict[int, Batch] = {}
        self._of_task: dict[int, set[int]] = {}
        #: Why a file failed before its batch knew it (a fast failure), until it joins.
        self._early: dict[int, str] = {}
        self._next = 1

    def start(self, dest: str, project: str, projects: tuple[str, ...] = ()) -> Batch:
        with self._lock:
            batch = Batch(self._next, dest, project, projects)
            self._next += 1
            self._batches[batch.id] = batch
        return batch

    def join(self, batch: Batch, tasks: list[int], final: Callable[[int], bool]) -> None:
        """The batch's files, as the engine numbered them; ``final(task)`` says
        whether one already ended before it joined (a fast file)."""
        log.info("batch %d: publishing %d file(s) to %s (%s)", batch.id, len(tasks), batch.dest,
                 batch.project or ", ".join(batch.projects))  # fmt: skip
        with self._lock:
            batch.tasks.update(tasks)
            for task in tasks:
                self._of_task.setdefault(task, set()).add(batch.id)
            early = {t: self._early.pop(t) for t in tasks if t in self._early}
        for task in tasks:
            if final(task):
                if task in early:
                    with self._lock:
                        batch.reasons[early[task]] += 1
                self._final(task)
        self._end_if_complete(batch)

    def __call__(self, event: Event) -> None:
        if isinstance(event, FileEvent):
            _log_file_event(event)
        if isinstance(event, FileFailed):
            with self._lock:
                owners = self._of_task.get(event.task)
                for b in owners or ():
                    self._batches[b].reasons[event.reason] += 1
                if not owners:
                    self._early[event.task] = event.reason
        if isinstance(event, FileDone | FileFailed | FileCancelled):
            self._final(event.task)

    def _final(self, task: int) -> None:
        with self._lock:
            batches = [self._batches[b] for b in self._of_task.get(task, ())]
            for batch in batches:
                batch.done.add(task)
        for batch in batches:
            self._end_if_complete(batch)

    def _end_if_complete(self, batch: Batch) -> None:
        with self._lock:
            if batch.ended or not batch.complete:
                return
            batch.ended = True
            self._forget(batch)
            self._lock.notify_all()
        self._report(batch, interrupted=False)

    def end_unfinished(self) -> None:
        """The service stops: every batch still running ends, interrupted."""
        with self._lock:
            left = [b for b in self._batches.values() if not b.ended]
            for batch in left:
                batch.ended = True
                self._forget(batch)
            self._lock.notify_all()
        for batch in left:
            self._report(batch, interrupted=True)

    def _forget(self, batch: Batch) -> None:
        del self._batches[batch.id]
        for task in batch.tasks:
            owners = self._of_task.get(task)
            if owners is not None:
                owners.discard(batch.id)
                if not owners:
                    del self._of_task[task]

    def _report(self, batch: Batch, *, interrupted: bool) -> None:
        summary = dataclasses.replace(
            self._summarise(batch),
            batch=batch.id,
            dest=batch.dest,
            project=batch.project,
            projects=batch.projects,
            seconds=round(time.monotonic() - batch.started, 3),
            failures=tuple(batch.reasons.most_common()),
        )
        if interrupted:
            summary = dataclasses.replace(summary, interrupted=True)
        log.info(
            "batch %d %s: %d published (%d without a preview), %d failed, %d cancelled; "
            "%s sent in %.1f s",
            batch.id, "stopped" if summary.interrupted else "finished", summary.published,
            summary.no_preview, summary.failed, summary.cancelled,
            format_size(summary.bytes_sent), summary.seconds,
        )  # fmt: skip
        self._emit(summary)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no batch is running; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._batches, timeout)


def _log_file_event(event: FileEvent) -> None:
    where = f"{event.project}/{event.rel_path}"
    if isinstance(event, FileDone):
        how = "already there" if event.already_published else "published"
        note = f" ({event.note})" if event.note else ""
        log.info("%s %s, %s sent%s", how, where, format_size(event.bytes_sent), note)
    elif isinstance(event, FileFailed):
        log.warning("failed %s: %s", where, event.reason, extra=TOLD)
    elif isinstance(event, FileCancelled):
        log.info("cancelled %s", where)
    elif isinstance(event, FileStateChanged) and event.state in (
        FileState.RETRYING,
        FileState.WAITING_FOR_NETWORK,
    ):
        log.info("%s %s: %s", event.state.value, where, event.detail)
