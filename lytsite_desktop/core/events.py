"""Events the core publishes to its subscribers (the CLI, the GUI bridge, tests).

Subscribers are plain callables taking one event. They are called from worker
threads, must return quickly and must not raise (errors are logged and dropped).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, ClassVar

log = logging.getLogger(__name__)


class FileState(StrEnum):
    QUEUED = "queued"
    HASHING = "hashing"
    MAKING_PREVIEW = "making preview"
    UPLOADING = "uploading"
    PAUSED = "paused"
    RETRYING = "retrying"
    WAITING_FOR_NETWORK = "waiting for network"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Event:
    name: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        data = {"event": self.name}
        data.update(asdict(self))
        return data


@dataclass(frozen=True)
class FileQueued(Event):
    name: ClassVar[str] = "file_queued"
    task: int
    path: str
    rel_path: str
    project: str
    size: int


@dataclass(frozen=True)
class FileStateChanged(Event):
    name: ClassVar[str] = "state"
    task: int
    state: str
    detail: str = ""


@dataclass(frozen=True)
class Progress(Event):
    name: ClassVar[str] = "progress"
    task: int
    bytes_done: int
    size: int


@dataclass(frozen=True)
class FileDone(Event):
    name: ClassVar[str] = "file_done"
    task: int
    rel_path: str
    key: str
    size: int
    #: True when nothing had to be sent (already published, or finished before a crash).
    already_published: bool
    bytes_sent: int
    #: Why the file has no preview ("" when it has one).
    note: str = ""


@dataclass(frozen=True)
class PreviewDone(Event):
    """A file's preview and thumbnail are published (or it has none, and why)."""

    name: ClassVar[str] = "preview_done"
    task: int
    rel_path: str
    preview_key: str | None
    thumb_key: str | None
    note: str
    #: The thumbnail in the local preview cache (for a window's queue), if any.
    thumb_path: str | None = None


@dataclass(frozen=True)
class FileFailed(Event):
    name: ClassVar[str] = "file_failed"
    task: int
    rel_path: str
    reason: str


@dataclass(frozen=True)
class FileCancelled(Event):
    name: ClassVar[str] = "file_cancelled"
    task: int
    rel_path: str


@dataclass(frozen=True)
class BatchDone(Event):
    name: ClassVar[str] = "done"
    published: int
    failed: int
    cancelled: int
    bytes_sent: int
    #: True when the run was stopped (Ctrl-C) before finishing; the journal is resumable.
    interrupted: bool


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
