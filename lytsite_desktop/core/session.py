"""A window's publishing session: the publishing service behind a command thread.

Everything that touches the disk or the network (scanning, the journal, opening
a destination) runs on the session's own thread, never on the caller's: a GUI
calls these methods from its event loop and they return at once. Results arrive
as core events through the subscribers (see :mod:`events`), plus the session's
own: :class:`Scanned` (dropped files found) and :class:`FoundInterrupted`;
problems come as :class:`~lytsite_desktop.core.events.Problem`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from lytsite_desktop.core.app import App
from lytsite_desktop.core.curation.deletions import finish_pending
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.events import Event, NotQueued, Problem, Subscriber
from lytsite_desktop.core.ingest.scan import ScanItem, ScanProblem, scan
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.core.transfer.task import requests_for

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
class FoundInterrupted(Event):
    """Unfinished uploads found in the journal (a crash, a kill, a CLI run)."""

    name: ClassVar[str] = "interrupted"
    records: tuple[FileRecord, ...]
    #: Their projects' titles (as the gallery knows them, else their names), by
    #: (destination, project), in the order the records first name them (and
    #: those of ``failed`` after).
    titles: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Files that failed in an earlier run and were not let go (Journal.failed).
    failed: tuple[FileRecord, ...] = ()
    #: Unfinished files another window or command publishes right now: theirs
    #: until that run ends (then asked again: finished, failed or interrupted).
    elsewhere: tuple[FileRecord, ...] = ()
    #: Which look this answers (:attr:`Session.looks` when it was asked).
    asked: int = 0


class Session:
    """Owns the publishing service of one window and its command thread."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.service = PublishingService(app)
        self.events = self.service.events
        self._commands: queue.Queue[Callable[[], object] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="session-io", daemon=True)
        self._thread.start()
        #: Looks at the journal asked so far (:meth:`find_interrupted`). The
        #: commands run in the order asked: a look asked before a resume answers
        #: with the files that resume takes.
        self.looks = 0

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
                self.events.emit(Problem(str(exc)))
            except Exception:  # a bug must not kill the session thread
                log.exception("session command failed")
                self.events.emit(Problem("Something unexpected went wrong (the log has it)."))

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
                self.events.emit(Problem(f"cannot read {found.path}: {found.reason}"))
                continue
            batch.append(found)
            if len(batch) >= SCAN_BATCH:
                self.events.emit(Scanned(tuple(batch)))
                batch = []
        if batch:
            self.events.emit(Scanned(tuple(batch)))

    def publish(
        self, items: Iterable[ScanItem], project: str, dest: DestRef, *, private: bool = False
    ) -> None:
        """Queue files for publishing to ``dest``; ``project`` as typed ("" for each
        dropped folder's own name); ``private``: at an unguessable address."""
        requests, titles = requests_for(items, project)
        names = set(titles.values())
        project = project or (names.pop() if len(names) == 1 else "")

        def publish() -> None:
            try:
                self.service.publish(requests, dest, project=project, titles=titles,
                                     private=private)  # fmt: skip
            except (ConfigError, TransferError) as exc:
                paths = tuple(r.source for r in requests)
                self.events.emit(NotQueued(paths, str(exc)))
                raise

        self._do(publish)

    def find_interrupted(self) -> None:
        """Look for uploads that were cut short (unfinished in the journal, and no
        lytsite process running them), files that failed last time, and files
        another window or command publishes now; answered with
        :class:`FoundInterrupted`. Rows this window drives are none of these."""
        self.looks += 1
        asked = self.looks

        def find() -> None:
            journal = self.app.journal
            unfinished = [r for r in journal.unfinished() if not journal.held_here(r.id)]
            theirs = {r.id for r in unfinished if journal.held_elsewhere(r.id)}
            elsewhere = [r for r in unfinished if r.id in theirs]
            found = [r for r in unfinished if r.id not in theirs]

            def driven(r: FileRecord) -> bool:  # here, or by a run still going (its failures)
                return journal.held_here(r.id) or journal.held_elsewhere(r.id)

            failed = [r for r in journal.failed() if not driven(r)]
            titles = {}
            for r in found + failed + elsewhere:  # the gallery's title, else the one typed,
                if (r.dest, r.project) not in titles:  # else the name
                    kept = self.app.gallery.title(r.dest, r.project)
                    titles[(r.dest, r.project)] = r.title if kept == r.project and r.title else kept
            self.events.emit(FoundInterrupted(tuple(found), titles, tuple(failed),
                                              tuple(elsewhere), asked))  # fmt: skip

        self._do(find)

    def finish_deletions(self) -> None:
        """Finish deletions an earlier run left half done (its destination reachable)."""

        def finish() -> None:
            app = self.app
            if app.journal.deletions():
                for problem in finish_pending(app.journal, app.gallery, app.open_ident):
                    self.events.emit(Problem(f"A deletion is still unfinished: {problem}"))

        self._do(finish)

    def resume_interrupted(self) -> None:
        """Finish the journal's unfinished uploads, every destination side by side."""

        def resume() -> None:
            for problem in self.service.resume()[1]:
                self.events.emit(Problem(problem))

        self._do(resume)

    def pause(self, ids: Iterable[int] | None = None) -> None:
        self.service.pause(ids)

    def resume(self, ids: Iterable[int] | None = None) -> None:
        self.service.resume_tasks(ids)

    def cancel(self, ids: Iterable[int] | None = None) -> None:
        self.service.cancel(ids)

    def retry(self, ids: Iterable[int] | None = None) -> None:
        chosen = None if ids is None else list(ids)
        self._do(lambda: self.service.retry(chosen))

    def forget(self, ids: Iterable[int]) -> None:
        """Finished files leave the engines' memory (the window cleared them), and
        failed ones are let go: the next start does not show them again."""
        chosen = list(ids)
        self.service.forget(chosen)
        self._do(lambda: self.app.journal.dismiss(chosen))

    def settings_changed(self) -> None:
        """Saved settings: the bandwidth limit applies at once, the rest to the
        destinations opened from now on."""
        transfer = self.app.settings.transfer
        self.service.transfer = transfer
        self.service.set_bwlimit(transfer.bwlimit)

    def close(self, timeout: float = 30.0) -> None:
        """Stop uploading (the journal stays resumable) and end the session thread."""
        self._commands.put(None)
        self._thread.join(timeout)
        self.service.close(timeout)
