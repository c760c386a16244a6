"""One file's coordinator, and what the transfer steps may ask of the engine.

A :class:`FileTask` is the engine's runtime view of one journal row: where each of
the file's two halves stands (:class:`~lytsite_desktop.core.states.Original`,
:class:`~lytsite_desktop.core.states.Preview`), what a user asked of it (pause,
cancel) and what has been sent. A publish asks for files by
:class:`UploadRequest` (:func:`requests_for` makes them from scanned items).
The steps (``original.py``, ``renditions.py``, ``aborts.py``) work on one task
and report through :class:`EngineServices`, which the engine's
:class:`~.coordinator.Coordinator` implements: only it changes a task's state,
so the arrows point one way.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Checksum, Destination
from lytsite_desktop.core.events import Event
from lytsite_desktop.core.ingest.filetypes import FileType
from lytsite_desktop.core.ingest.scan import ScanItem
from lytsite_desktop.core.keys import slugify
from lytsite_desktop.core.previews.cache import Cached
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.entry import Rendition
from lytsite_desktop.core.states import FileState, Original, Preview
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.store.records import FileRecord, PartRecord
from lytsite_desktop.core.transfer.linkrate import LinkMeter
from lytsite_desktop.core.transfer.listing import Lister
from lytsite_desktop.core.transfer.planning import PartPlan
from lytsite_desktop.core.transfer.ratelimit import RateLimiter

if TYPE_CHECKING:
    from concurrent.futures import Future

    from lytsite_desktop.core.transfer.prehash import Prehasher

T = TypeVar("T")


@dataclass(frozen=True)
class UploadRequest:
    """One file to publish: where it is, its place in the gallery, its project (and
    that project's title as typed, kept in the journal for a later run)."""

    source: str
    rel_path: str
    project: str
    title: str = ""


def requests_for(
    items: Iterable[ScanItem], typed: str = ""
) -> tuple[list[UploadRequest], dict[str, str]]:
    """What to publish for scanned items, and each project's title as typed:
    ``typed`` (a project name the photographer typed) for all, else each dropped
    folder's own name and slug."""
    slug = slugify(typed) if typed else ""
    requests: list[UploadRequest] = []
    titles: dict[str, str] = {}
    for item in items:
        project = slug or item.project
        title = titles.setdefault(project, " ".join(typed.split()) or item.title or item.project)
        requests.append(UploadRequest(item.source, item.rel_path, project, title))
    return requests, titles


@dataclass(eq=False)
class FileTask:
    """One file being published. Guarded by the engine's lock (``EngineServices.lock``)."""

    id: int
    source: str
    rel_path: str
    project: str
    size: int
    state: FileState = FileState.QUEUED
    original: Original = Original.NEW
    preview: Preview = Preview.SETTLED
    paused: bool = False
    cancel_requested: bool = False
    restart_requested: bool = False
    restarts: int = 0
    busy: int = 0  # units in flight for this task (prepare, parts, complete, cancel)
    record: FileRecord | None = None
    plan: PartPlan | None = None
    pending: deque[int] = field(default_factory=deque)
    done_parts: dict[int, PartRecord] = field(default_factory=dict)
    #: Bytes the store's side has acknowledged (what its progress shows).
    bytes_done: int = 0
    #: Bytes handed to connections, acknowledged or not (every one is on its way).
    bytes_handed: int = 0
    reported: int = 0
    reported_at: float = 0.0  # monotonic time of the last Progress event
    bytes_sent: int = 0  # bytes that crossed the link this session (retries included)
    #: Monotonic time bytes began to leave again after its last failure.
    flowing_since: float | None = None
    claimed: bool = False  # holds the journal row's cross-process lock
    already_published: bool = False
    #: Checksums of spans (offset, length) computed while hashing it (saves a read).
    span_sums: dict[tuple[int, int], Checksum] = field(default_factory=dict)
    hashing: bool = False  # an ingest thread or a worker is hashing it now
    sha256: str | None = None
    #: (size, mtime_ns, inode) of the file when ``sha256`` was computed.
    hashed_stat: tuple[int, int, int] | None = None
    #: The id its objects go under, once decided (:mod:`.identity`).
    file_id: str | None = None
    #: Its SHA-256 being read while its parts leave (:mod:`.early`).
    hashed: Future[str] | None = None
    ftype: FileType | None = None
    renditions: Cached | None = None
    #: The preview and thumbnail as published: (preview, thumb).
    published_renditions: tuple[Rendition | None, Rendition | None] = (None, None)
    #: Why the file has no preview ("" when it has one), and whether it is a
    #: picture that could not be read.
    note: str = ""
    damaged: bool = False

    @property
    def finished(self) -> bool:
        return self.original is Original.FINISHED

    @property
    def listing(self) -> bool:
        """Both halves are up; the manifest entry naming them is being written."""
        return self.state is FileState.LISTING

    @property
    def original_up(self) -> bool:
        return self.original in (Original.UP, Original.FINISHED)


class EngineServices(Protocol):
    """What a step may use and ask of the engine that runs it (its coordinator)."""

    dest: Destination
    journal: Journal
    settings: TransferSettings
    limiter: RateLimiter
    lister: Lister | None
    previews: PreviewMaker | None
    #: Files read ahead, before the engine started (see :mod:`.prehash`).
    prehashed: Prehasher | None
    #: How fast bytes lately reached the store (how big a file may go in one PUT).
    meter: LinkMeter
    lock: threading.Condition

    def should_stop(self, task: FileTask) -> bool: ...

    def set_state(self, task: FileTask, state: FileState, detail: str = "") -> None: ...

    def add_bytes(self, task: FileTask, handed: int, arrived: int) -> None: ...

    def report_progress(self, task: FileTask) -> None: ...

    def retrying(self, task: FileTask, fn: Callable[[], T], *, abortable: bool = True) -> T: ...

    def sleep(self, task: FileTask, seconds: float, abortable: bool) -> bool: ...

    def parts_ready(self, task: FileTask) -> None: ...

    def original_up(self, task: FileTask, rec: FileRecord, *, etag: str | None) -> None: ...

    def settle_preview(self, task: FileTask, note: str, *, damaged: bool = False) -> None: ...

    def emit(self, event: Event) -> None: ...
