"""A publishing session for a window: the engine as a long-lived service.

Everything that touches the disk or the network (scanning, the journal, opening
a destination) runs on the session's own command thread, never on the caller's:
a GUI calls these methods from its event loop and they return at once. Results
arrive as core events through the subscribers (see :mod:`events`), plus two
session events of its own: :class:`Scanned` (a dropped file found) and
:class:`SessionProblem` (something to tell the user).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from lytsite_desktop.core.config.settings import PreviewSettings, TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.events import Event, EventHub, Subscriber
from lytsite_desktop.core.gallery.projects import GalleryStore
from lytsite_desktop.core.ingest.scan import ScanItem, ScanProblem, scan
from lytsite_desktop.core.keys import slugify
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.store.journal import FileRecord, Journal
from lytsite_desktop.core.transfer.engine import TransferEngine, UploadRequest

log = logging.getLogger(__name__)

#: Scanned files are handed over in batches of this many (a 10,000-file folder
#: shows its first files at once, and the receiver is not called 10,000 times).
SCAN_BATCH = 200


@dataclass(frozen=True)
class Scanned(Event):
    """Files found in a drop, ready to publish (not queued yet)."""

    name: ClassVar[str] = "scanned"
    items: tuple[ScanItem, ...]


@dataclass(frozen=True)
class SessionProblem(Event):
    name: ClassVar[str] = "problem"
    message: str


@dataclass(frozen=True)
class FoundInterrupted(Event):
    """Unfinished uploads found in the journal (a crash, a kill, a CLI run)."""

    name: ClassVar[str] = "interrupted"
    records: tuple[FileRecord, ...]


class Session:
    """Owns one journal, the preview workers and, once publishing, one engine."""

    def __init__(
        self,
        journal: Journal,
        open_destination: Callable[[str | None], Destination],
        transfer: TransferSettings,
        previews: PreviewSettings,
        cache_dir: Path,
    ) -> None:
        self.journal = journal
        self._open_destination = open_destination
        self.transfer = transfer
        self.events = EventHub()
        self._preview_settings = previews
        self._cache_dir = cache_dir
        self._previews: PreviewMaker | None = None
        self.engine: TransferEngine | None = None
        self._dest_spec: str | None = None
        self._commands: queue.Queue[Callable[[], object] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="session-io", daemon=True)
        self._thread.start()

    def subscribe(self, fn: Subscriber) -> None:
        self.events.subscribe(fn)

    # -- the command thread ------------------------------------------------------------

    def _run(self) -> None:
        while True:
            command = self._commands.get()
            if command is None:
                return
            try:
                command()
            except (ConfigError, TransferError) as exc:
                self.events.emit(SessionProblem(str(exc)))
            except Exception as exc:  # a bug must not kill the session thread
                log.exception("session command failed")
                self.events.emit(SessionProblem(f"unexpected error: {exc}"))

    def _do(self, command: Callable[[], object]) -> None:
        self._commands.put(command)

    # -- what a window asks for ---------------------------------------------------------

    def scan(self, paths: list[str]) -> None:
        """Find the files in ``paths``; they arrive as :class:`Scanned` batches."""
        self._do(lambda: self._scan(paths))

    def _scan(self, paths: list[str]) -> None:
        batch: list[ScanItem] = []
        for found in scan(paths):
            if isinstance(found, ScanProblem):
                self.events.emit(SessionProblem(f"cannot read {found.path}: {found.reason}"))
                continue
            batch.append(found)
            if len(batch) >= SCAN_BATCH:
                self.events.emit(Scanned(tuple(batch)))
                batch = []
        if batch:
            self.events.emit(Scanned(tuple(batch)))

    def publish(self, items: Iterable[ScanItem], project: str | None, dest: str | None) -> None:
        """Queue files for publishing to ``dest`` (None: the default destination)."""
        project_slug = slugify(project) if project else None
        requests = [UploadRequest(i.source, i.rel_path, project_slug or i.project) for i in items]
        self._do(lambda: self._engine_for(dest).add(requests))

    def find_interrupted(self) -> None:
        """Look for unfinished uploads in the journal; answered with
        :class:`FoundInterrupted`."""
        self._do(lambda: self.events.emit(FoundInterrupted(tuple(self.journal.unfinished()))))

    def resume_interrupted(self) -> None:
        """Finish the journal's unfinished uploads (of every destination it can reopen)."""
        self._do(self._resume)

    def _resume(self) -> None:
        specs = {}
        for rec in self.journal.unfinished():
            spec = self.journal.destination_spec(rec.dest)
            if spec is None:
                self.events.emit(
                    SessionProblem(f"{rec.rel_path}: the journal does not say where it was going")
                )
                continue
            specs[rec.dest] = spec
        for spec in specs.values():
            self._engine_for(spec).add_unfinished()

    def pause(self, ids: Iterable[int] | None = None) -> None:
        if self.engine is not None:
            self.engine.pause(ids)

    def resume(self, ids: Iterable[int] | None = None) -> None:
        if self.engine is not None:
            self.engine.resume(ids)

    def cancel(self, ids: Iterable[int] | None = None) -> None:
        if self.engine is not None:
            self.engine.cancel(ids)

    def set_bwlimit(self, rate: int | None) -> None:
        """Change the upload rate limit now (the running engine) and for later ones."""
        self.transfer.bwlimit = rate
        if self.engine is not None:
            self.engine.set_bwlimit(rate)

    def retry(self, ids: Iterable[int] | None = None) -> None:
        engine = self.engine
        if engine is not None:
            self._do(lambda: engine.retry(ids))

    def flush_manifest(self) -> None:
        """Bring the published manifest up to date now (a batch just finished)."""
        engine = self.engine
        if engine is not None:
            self._do(engine.flush_manifest)

    def close(self, timeout: float = 30.0) -> None:
        """Stop uploading (the journal stays resumable) and end the session thread."""
        self._commands.put(None)
        self._thread.join(timeout)
        self._stop_engine()
        if self._previews is not None:
            self._previews.close()

    # -- the engine ----------------------------------------------------------------------

    def _engine_for(self, spec: str | None) -> TransferEngine:
        """The running engine if it publishes to ``spec``; else a new one (the old one
        is stopped: one destination at a time)."""
        if self.engine is not None and spec == self._dest_spec:
            return self.engine
        self._stop_engine()
        dest = self._open_destination(spec)
        if self._previews is None and self._preview_settings.enabled:
            self._previews = PreviewMaker(self._preview_settings, self._cache_dir)
        engine = TransferEngine(
            dest,
            self.journal,
            self.transfer,
            previews=self._previews,
            gallery=GalleryStore(self._cache_dir),
        )
        engine.subscribe(self.events.emit)
        engine.start()
        self.engine, self._dest_spec = engine, spec
        return engine

    def _stop_engine(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            engine.stop()
            engine.dest.close()
