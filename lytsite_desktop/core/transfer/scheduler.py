"""What a free worker does next: the engine's queues and their order.

Order: cancels first (they free the store), then previews (preview-first: the
gallery is shareable while originals still stream), then the parts and
completions of files already under way (oldest first, so files finish rather
than all crawl), then preparing the next queued file: files big enough for
parts before the others (a big file's completion, which the store takes a
while over, then happens while small files still stream instead of at the
very end), each kind in the order it came; but a big file that might go up
whole on a fast link waits while small files measure the link
(:mod:`.linkrate`). A paused, cancelled or restarting file is never picked.

Every method is called with the engine's lock held and never blocks, which is
what makes the order testable without threads or a network.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from lytsite_desktop.core.states import Original, Preview
from lytsite_desktop.core.transfer.task import FileTask


class Kind(Enum):
    PREPARE = "prepare"  # hash, recognise, HEAD, then a small PUT or a multipart start
    PART = "part"
    COMPLETE = "complete"
    CANCEL = "cancel"  # abort the multipart upload on the store
    RENDITIONS = "renditions"  # send a file's preview and thumbnail


#: Units that talk to the store about the original: each holds one of the global
#: part slots while it runs.
SLOTTED = frozenset({Kind.PREPARE, Kind.PART, Kind.COMPLETE, Kind.CANCEL})


class Waits(Protocol):
    def __call__(self, size: int, *, under_way: bool) -> bool: ...


class Soon(Protocol):
    def __call__(self, left: int, /) -> bool: ...


class Room(Protocol):
    def __call__(self, in_air: int, size: int, /) -> bool: ...


@dataclass(frozen=True)
class Unit:
    task: FileTask
    kind: Kind
    part: int = 0


def schedulable(task: FileTask) -> bool:
    return not (task.paused or task.cancel_requested or task.restart_requested or task.finished)


class Scheduler:
    def __init__(
        self, big: int | None = None, waits: Waits | None = None, room: Room | None = None,
        whole_room: Room | None = None, soon: Soon | None = None,
    ) -> None:  # fmt: skip
        """``big``: the size from which a file goes up in parts (None: no such order).
        ``waits(size, under_way=)``: should such a file, which might go up whole on
        a fast link, wait while small files measure the link (core/transfer/linkrate)?
        ``room(in_air, part)``: may one more part be sent beside those in the air?
        ``whole_room(in_air, size)``: may one more file below ``big`` (sent whole)
        be prepared beside those still on their way? ``soon(left)``: will ``left``
        bytes on their way have arrived in a moment?"""
        self._big, self._waits, self._room, self._whole_room = big, waits, room, whole_room
        self._soon = soon
        self.new_big: deque[FileTask] = deque()  # queued, big enough for parts
        self.new: deque[FileTask] = deque()
        self.active: list[FileTask] = []  # multipart files with parts to send
        self.to_cancel: deque[FileTask] = deque()
        self.to_ingest: deque[FileTask] = deque()  # hash, recognise, make the preview
        self.to_send: deque[FileTask] = deque()  # previews made, waiting for a sender
        self.running = 0  # units picked and not yet done
        self._in_air: set[FileTask] = set()  # tasks with a unit running
        #: A part waited for room at the last pick: bytes arriving may make it.
        self.room_full = False

    # -- picking ------------------------------------------------------------------

    def pick(self, previews_only: bool = False) -> Unit | None:
        """The next unit of work (its task marked busy), or None for now."""
        while self.to_cancel and not previews_only:
            cancelled = self.to_cancel.popleft()
            if not cancelled.finished:
                return self._busy(Unit(cancelled, Kind.CANCEL))
        preview = self._take(self.to_send)
        if preview is not None:
            preview.preview = Preview.SENDING
            return self._busy(Unit(preview, Kind.RENDITIONS))
        if previews_only:
            return None
        in_air = sum(t.busy * t.plan.part_size for t in self.active if t.plan)
        self.room_full = False
        for task in self.active:
            if not schedulable(task):
                continue
            if task.pending and task.plan:
                if self._room is not None and not self._room(in_air, task.plan.part_size):
                    self.room_full = True  # the link is full: no more parts crawling
                    continue  # beside each other (what arrives may make room)
                return self._busy(Unit(task, Kind.PART, task.pending.popleft()))
            if task.busy == 0 and task.plan and len(task.done_parts) == task.plan.count:
                task.original = Original.COMPLETING
                self.active.remove(task)
                return self._busy(Unit(task, Kind.COMPLETE))
        found = self._next_new(self.new_big, self._waiting)
        if found is None and self._whole_full():
            self.room_full = True  # the link is full of whole files: they finish first
            return None
        found = found or self._next_new(self.new) or self._next_new(self.new_big)
        if found is None:
            return None
        found.original = Original.PREPARING
        return self._busy(Unit(found, Kind.PREPARE))

    def _whole_full(self) -> bool:
        """Is there no room for the next file to be sent whole beside those below
        ``big`` being prepared whose bytes are still arriving?"""
        if self._whole_room is None or self._big is None:
            return False
        first = next((t for t in self.new if self._startable_new(t)), None)
        if first is None:
            return False
        in_air = sum(
            t.size
            for t in self._in_air
            if t.original is Original.PREPARING and t.size < self._big and t.bytes_done < t.size
        )
        return not self._whole_room(in_air, first.size)

    def _waiting(self, task: FileTask) -> bool:
        under_way = bool(task.record and task.record.upload_id)
        return self._waits is not None and self._waits(task.size, under_way=under_way)

    @staticmethod
    def _next_new(
        queue: deque[FileTask], held_back: Callable[[FileTask], bool] | None = None
    ) -> FileTask | None:
        held = []
        found = None
        while queue:
            task = queue.popleft()
            if task.finished or task.original is not Original.NEW:
                continue
            if not schedulable(task) or (held_back is not None and held_back(task)):
                held.append(task)
                continue
            found = task
            break
        queue.extendleft(reversed(held))
        return found

    @staticmethod
    def _startable_new(task: FileTask) -> bool:
        return schedulable(task) and task.original is Original.NEW

    def _queue_of(self, task: FileTask) -> deque[FileTask]:
        return self.new_big if self._big is not None and task.size >= self._big else self.new

    def take_ingest(self) -> FileTask | None:
        """The next file to hash and make a preview of."""
        while (task := self._take(self.to_ingest)) is not None:
            if task.preview is Preview.TO_MAKE:
                return task
        return None

    def _take(self, queue: deque[FileTask]) -> FileTask | None:
        """The first schedulable task in ``queue`` (finished ones are dropped)."""
        for task in list(queue):
            if task.finished:
                queue.remove(task)
            elif schedulable(task):
                queue.remove(task)
                return task
        return None

    def _busy(self, unit: Unit) -> Unit:
        unit.task.busy += 1
        self.running += 1
        self._in_air.add(unit.task)
        return unit

    def winding_down(self) -> bool:
        """A batch's last round trips: units are in the air, every byte of their
        files is on its way and about to arrive (``soon``), and nothing is left to
        start. Their completions are worth waiting for before listing them."""
        if not self.running or any(t.bytes_handed < t.size for t in self._in_air):
            return False
        left = sum(max(0, t.size - t.bytes_done) for t in self._in_air)
        if self._soon is not None and not self._soon(left):
            return False
        return not self._startable()

    def drained(self) -> bool:
        """Nothing in the air and nothing left to start: what the lister writes now
        ends the batch."""
        return not self.running and not self._startable()

    def _startable(self) -> bool:
        waiting = (self.new_big, self.new, self.to_cancel, self.to_ingest, self.to_send)
        if any(schedulable(t) for queue in waiting for t in queue):
            return True
        return any(schedulable(t) and t.pending for t in self.active)

    # -- feeding ------------------------------------------------------------------

    def add(self, task: FileTask, *, previews: bool) -> None:
        if previews:
            task.preview = Preview.TO_MAKE
            self.to_ingest.append(task)
        self._queue_of(task).append(task)

    def resumed(self, task: FileTask) -> None:
        queue = self._queue_of(task)
        if task.original is Original.NEW and task not in queue:
            queue.append(task)

    def cancel(self, task: FileTask) -> None:
        if task.busy == 0 and task not in self.to_cancel:
            self.to_cancel.append(task)

    def multipart_started(self, task: FileTask) -> None:
        task.original = Original.PARTS
        if task not in self.active:
            self.active.append(task)

    def preview_made(self, task: FileTask) -> None:
        task.preview = Preview.TO_SEND
        self.to_send.append(task)

    def preview_interrupted(self, task: FileTask) -> None:
        """A preview's sending was cut (pause, stop): send it again later, first."""
        if task.preview is Preview.SENDING and not task.finished:
            task.preview = Preview.TO_SEND
            self.to_send.appendleft(task)

    def ingest_interrupted(self, task: FileTask) -> None:
        if task.preview is Preview.TO_MAKE and task not in self.to_ingest:
            self.to_ingest.append(task)

    def give_back(self, unit: Unit) -> None:
        """A unit picked but never run (the engine stopped while it waited for a slot)."""
        if unit.kind is Kind.PART:
            unit.task.pending.appendleft(unit.part)
        elif unit.kind is Kind.RENDITIONS:
            self.preview_interrupted(unit.task)

    def unit_done(self, task: FileTask) -> bool:
        """After every unit: settle the task once nothing of it is in flight. True
        when it must start over (its source changed, its upload vanished)."""
        task.busy -= 1
        self.running -= 1
        if not task.busy:
            self._in_air.discard(task)
        if task.busy or task.finished:
            return False
        if task.cancel_requested:
            self.cancel(task)
        elif task.restart_requested:
            return True
        elif task.original is Original.PREPARING:
            task.original = Original.NEW  # interrupted while preparing (pause, stop)
            self._queue_of(task).appendleft(task)
        elif task.original is Original.COMPLETING:
            task.original = Original.PARTS  # interrupted while completing
            self.active.append(task)
        return False

    def start_over(self, task: FileTask, *, previews: bool) -> None:
        """Forget where the file was; prepare it (and its preview) again, first."""
        self.original_settled(task)
        if task in self.to_send:
            self.to_send.remove(task)
        if previews:
            task.preview = Preview.TO_MAKE
            if task not in self.to_ingest:
                self.to_ingest.appendleft(task)
        task.original = Original.NEW
        self._queue_of(task).appendleft(task)

    def original_settled(self, task: FileTask) -> None:
        """The original is up, or the file ended: it has no parts to send any more."""
        if task in self.active:
            self.active.remove(task)

    def forget(self, task: FileTask) -> None:
        for queue in (self.new_big, self.new, self.to_cancel, self.to_ingest, self.to_send):
            if task in queue:
                queue.remove(task)
        self.original_settled(task)
