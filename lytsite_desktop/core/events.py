"""Events the core publishes to its subscribers (the CLI, the GUI bridge, the log, tests).

Subscribers are plain callables taking one event. They are called from worker
threads, must return quickly and must not raise (errors are logged and dropped).
Every file event says which file (its journal row, ``task``), which destination
(its ident) and which project it belongs to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from lytsite_desktop.core.states import FileState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": self.name}
        data.update((f.name, getattr(self, f.name)) for f in fields(self))  # flat: no asdict copy
        return data


@dataclass(frozen=True)
class FileEvent(Event):
    task: int
    dest: str
    project: str
    rel_path: str


@dataclass(frozen=True)
class FileQueued(FileEvent):
    name: ClassVar[str] = "file_queued"
    path: str
    size: int


@dataclass(frozen=True)
class FileStateChanged(FileEvent):
    name: ClassVar[str] = "state"
    state: FileState
    detail: str = ""


@dataclass(frozen=True)
class Progress(FileEvent):
    name: ClassVar[str] = "progress"
    #: Bytes of the original in the store (parts finished before a resume included).
    bytes_done: int
    size: int
    #: Bytes of this file that crossed the link (acknowledged by the store's side)
    #: since this process queued it: what a speed is measured from (never the
    #: parts a resume found already there).
    sent: int = 0


@dataclass(frozen=True)
class PreviewDone(FileEvent):
    """A file's preview and thumbnail are published (or it has none, and why)."""

    name: ClassVar[str] = "preview_done"
    preview_key: str | None
    thumb_key: str | None
    note: str
    #: The thumbnail in the local preview cache (for a window's queue), if any.
    thumb_path: str | None = None
    #: The file is a picture the app could not read (damaged, truncated): worth a
    #: photographer's look, unlike a ZIP that simply has no preview.
    damaged: bool = False


@dataclass(frozen=True)
class FileDone(FileEvent):
    name: ClassVar[str] = "file_done"
    key: str
    size: int
    #: True when nothing had to be sent (already published, or finished before a crash).
    already_published: bool
    bytes_sent: int
    #: Why the file has no preview ("" when it has one).
    note: str = ""
    damaged: bool = False


@dataclass(frozen=True)
class FileFailed(FileEvent):
    name: ClassVar[str] = "file_failed"
    reason: str


@dataclass(frozen=True)
class FileCancelled(FileEvent):
    name: ClassVar[str] = "file_cancelled"


@dataclass(frozen=True)
class Stopping(Event):
    """Ctrl-C (or a quit): no new part starts; the parts in the air finish first,
    for at most ``seconds``. A second Ctrl-C stops at once."""

    name: ClassVar[str] = "stopping"
    parts_in_flight: int
    seconds: float


@dataclass(frozen=True)
class Problem(Event):
    """Something to tell the photographer that is no file's own (a folder that
    cannot be read, a destination that cannot be opened)."""

    name: ClassVar[str] = "problem"
    message: str


@dataclass(frozen=True)
class NotQueued(Event):
    """Files a front end asked to publish that never reached an engine (their
    destination could not be opened); each of them ends here, failed."""

    name: ClassVar[str] = "not_queued"
    paths: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class BatchDone(Event):
    """Every file of one batch (one publish, one resume of a destination) is final."""

    name: ClassVar[str] = "done"
    published: int
    failed: int
    cancelled: int
    bytes_sent: int
    #: True when the run was stopped (Ctrl-C) before finishing; the journal is resumable.
    interrupted: bool
    #: The batch's number in this process, its destination's ident and its project
    #: as the photographer named it ("" when a batch spans several projects).
    batch: int = 0
    dest: str = ""
    project: str = ""
    #: The titles of the projects a batch spans when it spans several, sorted.
    projects: tuple[str, ...] = ()
    #: Published files without a preview, of which pictures that could not be read.
    no_preview: int = 0
    damaged: int = 0
    seconds: float = 0.0
    #: Why its files failed: each reason and how many, the most common first (a
    #: destination that refuses the keys fails every file alike: said once).
    failures: tuple[tuple[str, int], ...] = ()
    #: The projects its published files are in, as the bucket names them, sorted:
    #: where the client's pages are.
    published_to: tuple[str, ...] = ()


Subscriber = Callable[[Event], None]


class EventHub:
    """Fans events out to subscribers; thread-safe."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> None:
        with self._lock:
            self._subscribers.append(fn)

    def unsubscribe(self, fn: Subscriber) -> None:
        with self._lock:
            self._subscribers.remove(fn)

    def emit(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:  # a broken subscriber must not break the upload
                log.exception("event subscriber %r failed on %s", fn, event.name)
