"""The one publishing service: every run, from the window or the command line.

It opens every engine (:func:`~.runs.open_engine` assembles one): a
destination's engine gets the project manifests' writer as its lister (which
also keeps the offline copy and publishes the web page), the preview workers,
and the bandwidth limit and part slots that every destination shares, so
publishing to two buckets at once never doubles the load. Engines run side by
side, one per destination, for as long as the service lives. It owns resume
(per destination, as the journal remembers how to reach each), retrying what
failed in an earlier run, the orphan sweep, and batches (see :mod:`.batches`).

Methods may block on the disk or the network (opening a destination, reading the
journal); a window calls them through :class:`~lytsite_desktop.core.session.Session`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date

from lytsite_desktop.core.app import App
from lytsite_desktop.core.batches import Batch, Batches
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.curation import edits
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.events import BatchDone, Event, EventHub, Stopping, Subscriber
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.private import private_slug
from lytsite_desktop.core.runs import Run, open_engine
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.core.transfer import aborts
from lytsite_desktop.core.transfer.engine import TransferEngine
from lytsite_desktop.core.transfer.prehash import Prehasher
from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.slots import PartSlots
from lytsite_desktop.core.transfer.task import UploadRequest

log = logging.getLogger(__name__)

#: The first Ctrl-C lets the parts in the air finish for at most this long.
DRAIN_SECONDS = 30.0


def _queue_again(engine: TransferEngine, records: list[FileRecord]) -> list[int]:
    return engine.add(UploadRequest(r.source_path, r.rel_path, r.project) for r in records)


class PublishingService:
    """Publishing for one front end: engines by destination, batches, resume.

    Events of every engine, and :class:`BatchDone` per batch, go to subscribers.
    """

    def __init__(
        self, app: App, transfer: TransferSettings | None = None, *, previews: bool = True
    ) -> None:
        self.app = app
        self.transfer = transfer or app.settings.transfer
        self.transfer.validate()
        self.events = EventHub()
        self.limiter = RateLimiter(self.transfer.bwlimit)
        self.slots = PartSlots(self.transfer.concurrency)
        self._want_previews = previews and app.settings.previews.enabled
        self._previews: PreviewMaker | None = None
        #: Big files read ahead by the caller, handed to every engine opened after.
        self.prehasher: Prehasher | None = None
        self._runs: dict[str, Run] = {}  # by destination ident
        self._opened: dict[tuple[str, str], str] = {}  # how a ref was opened: its ident
        self._lock = threading.RLock()
        self.batches = Batches(self._summarise, self.events.emit)
        self.results: list[BatchDone] = []
        self.events.subscribe(self._keep_result)

    def subscribe(self, fn: Subscriber) -> None:
        self.events.subscribe(fn)

    def _forward(self, event: Event) -> None:
        """An engine's event: to every subscriber, then to the batches (so a batch's
        end is told after its last file's)."""
        self.events.emit(event)
        self.batches(event)

    def _keep_result(self, event: Event) -> None:
        if isinstance(event, BatchDone):
            self.results.append(event)
            run = self._runs.get(event.dest)
            if run is not None and run.writer is not None:
                run.writer.publish_pages()  # the web page, once a batch is complete

    # -- engines -------------------------------------------------------------------------

    def run_for(self, ref: DestRef, *, start: bool = True) -> Run:
        """The engine publishing to ``ref``, opened on first use. ``start=False``
        leaves its workers unstarted for now: a caller with a request to make first
        (the manifest's read, the orphan check) sends it without them competing for
        the CPU; the publish that follows starts them."""
        # A saved destination edited since is opened again (it may lead elsewhere).
        how = (ref.spec, repr(self.app.settings.destinations.get(ref.spec)))
        with self._lock:
            run = self._runs.get(self._opened.get(how, ""))
        if run is None:
            run = self._open(ref, how)
        if start:
            run.engine.start()  # preview workers start with the first file that wants one
        return run

    def _open(self, ref: DestRef, how: tuple[str, str]) -> Run:
        dest = self.app.open(ref, self.transfer)
        with self._lock:
            self._opened[how] = dest.ident
            run = self._runs.get(dest.ident)
            if run is not None:
                dest.close()
                return run
            run = open_engine(
                dest, self.app.journal, self.transfer, previews=self._preview_maker(),
                gallery=self.app.gallery, limiter=self.limiter, slots=self.slots,
            )  # fmt: skip
            run.engine.subscribe(self._forward)
            run.engine.files.prehashed = self.prehasher
            self._runs[dest.ident] = run
            return run

    def _preview_maker(self) -> PreviewMaker | None:
        if self._want_previews and self._previews is None:
            try:
                settings = self.app.settings
                self._previews = PreviewMaker(settings.previews, self.app.paths.cache_dir,
                                              settings.watermark)  # fmt: skip
            except ValueError as exc:
                raise ConfigError(f"preview settings: {exc}") from exc
        return self._previews

    def engines(self) -> list[TransferEngine]:
        with self._lock:
            return [r.engine for r in self._runs.values()]

    # -- publishing ----------------------------------------------------------------------

    def publish(
        self,
        requests: Iterable[UploadRequest],
        ref: DestRef,
        *,
        project: str = "",
        titles: Mapping[str, str] | None = None,
        title: str | None = None,
        private: bool = False,
        expires: date | None = None,
    ) -> Batch:
        """Queue files for ``ref``; ``project`` is the name as typed, for messages.
        ``titles`` (by project) are set with the first file listed if a project has
        none yet; ``title`` replaces the title of every project in the batch, even
        when every file is already published. ``private`` publishes each project at
        its unguessable address (made at the first such publish, kept after);
        ``expires`` sets the last day the client's page is open."""
        reqs = list(requests)
        run = self.run_for(ref)
        engine = run.engine
        if private:
            slugs = {p: private_slug(engine.dest, p) for p in {r.project for r in reqs}}
            reqs = [replace(r, project=slugs[r.project]) for r in reqs]
            titles = {slugs.get(p, p): t for p, t in (titles or {}).items()}
        projects = {r.project for r in reqs}
        self._ahead(run, projects)
        if run.writer is not None:
            settings = self.app.settings
            for slug in sorted(projects):
                if settings.studio or settings.email:
                    run.writer.submit(slug, edits.set_studio(settings.studio, settings.email),
                                      soon=False)  # fmt: skip
                if private:
                    run.writer.submit(slug, edits.set_private(), soon=False)
                if expires is not None:
                    run.writer.submit(slug, edits.set_expiry(expires), soon=False)
                if title is not None:
                    run.writer.submit(slug, edits.set_title(title))
                elif titles and titles.get(slug):
                    run.writer.submit(slug, edits.default_title(titles[slug]), soon=False)
        batch = self._start(engine.dest.ident, projects, titles, name=project)
        self._join(batch, engine, engine.add(reqs))
        return batch

    def prefetch(self, ref: DestRef, projects: Iterable[str]) -> None:
        """Start what a publish of these projects to ``ref`` asks first (it comes next)."""
        self._ahead(self.run_for(ref, start=False), set(projects))

    def _ahead(self, run: Run, projects: set[str]) -> None:
        """Read the projects' manifests and put the page's assets of those never
        published from here (WebPages.ahead), on threads; asked twice, nothing twice."""
        if run.writer is not None and run.web is not None:
            run.writer.prefetch(projects)
            ident = run.engine.dest.ident
            run.web.ahead(p for p in projects if not self.app.gallery.has_manifest(ident, p))

    def resume(self) -> tuple[list[Batch], list[str]]:
        """Finish the journal's unfinished files, one batch per destination. Returns
        the batches and the problems (a destination it no longer knows how to reach)."""
        return self._from_journal(self.app.journal.unfinished(), lambda e, _: e.add_unfinished())

    def _from_journal(
        self, records: Iterable[FileRecord],
        queue: Callable[[TransferEngine, list[FileRecord]], list[int]],
    ) -> tuple[list[Batch], list[str]]:  # fmt: skip
        """A batch per destination of the journal's ``records``, ``queue`` gives them."""
        by_dest: dict[str, list[FileRecord]] = defaultdict(list)
        for rec in records:
            by_dest[rec.dest].append(rec)
        batches, problems = [], []
        for ident, recs in by_dest.items():
            spec = self.app.journal.destination_spec(ident)
            if spec is None:
                problems.append(f"this computer no longer knows {ident}; publish again")
                continue
            run = self.run_for(DestRef.of(spec, self.app.paths))
            titles = {r.project: r.title for r in recs if r.title}
            for slug, title in titles.items():  # for a manifest that has none yet
                if run.writer is not None:
                    run.writer.submit(slug, edits.default_title(title), soon=False)
            batch = self._start(run.engine.dest.ident, {r.project for r in recs}, titles)
            self._join(batch, run.engine, queue(run.engine, recs))
            batches.append(batch)
        return batches, problems

    def _start(
        self, dest: str, projects: set[str], titles: Mapping[str, str] | None = None, name: str = ""
    ) -> Batch:
        """A batch named for its one project (``name``, else its title: given, kept
        here, or its address) or for the titles of the several it spans."""
        named = sorted({(titles or {}).get(p) or self.app.gallery.title(dest, p) for p in projects})
        if len(named) == 1:
            return self.batches.start(dest, name or named[0])
        return self.batches.start(dest, name, tuple(named))

    def _join(self, batch: Batch, engine: TransferEngine, tasks: list[int]) -> None:
        ended: dict[int, bool] = {}

        def final(task: int) -> bool:  # one look at the engine, after the batch joined
            if not ended:
                ended.update((t.id, t.state.final) for t in engine.tasks())
            return ended.get(task, False)

        self.batches.join(batch, tasks, final)

    def _summarise(self, batch: Batch) -> BatchDone:
        run = self._runs.get(batch.dest)
        if run is None:
            return BatchDone(0, 0, 0, 0, False)
        return run.engine.summary(batch.tasks)

    # -- controls (by task id, whichever engine holds it) ---------------------------------

    def pause(self, ids: Iterable[int] | None = None) -> list[int]:
        return self._each("pause", ids)

    def resume_tasks(self, ids: Iterable[int] | None = None) -> list[int]:
        return self._each("resume", ids)

    def cancel(self, ids: Iterable[int] | None = None) -> list[int]:
        return self._each("cancel", ids)

    def forget(self, ids: Iterable[int]) -> list[int]:
        return self._each("forget", ids)

    def _each(self, action: str, ids: Iterable[int] | None) -> list[int]:
        chosen = None if ids is None else list(ids)
        done: list[int] = []
        for engine in self.engines():
            done += getattr(engine, action)(chosen)
        return done

    def retry(self, ids: Iterable[int] | None = None) -> list[Batch]:
        """Queue failed or cancelled files again, a batch per destination; files
        that failed in an earlier run come from the journal."""
        chosen = None if ids is None else list(ids)
        batches, held = [], set()
        for ident, run in list(self._runs.items()):
            held |= {t.id for t in run.engine.tasks()}
            again = [t for t in run.engine.tasks() if (chosen is None or t.id in chosen)
                     and t.state in (FileState.FAILED, FileState.CANCELLED)]  # fmt: skip
            if not again:
                continue
            batch = self._start(ident, {t.project for t in again})
            self._join(batch, run.engine, run.engine.retry(t.id for t in again))
            batches.append(batch)
        journal = self.app.journal  # a run still going elsewhere keeps its failures
        earlier = [r for r in journal.failed() if r.id not in held and (chosen is None or
                   r.id in chosen) and not journal.held_elsewhere(r.id)]  # fmt: skip
        more, problems = self._from_journal(earlier, _queue_again)
        if problems:  # told as the session tells a destination it cannot open
            raise ConfigError(problems[0])
        return batches + more

    def set_bwlimit(self, rate: int | None) -> None:
        """Change the upload rate limit now, for every destination."""
        self.transfer.bwlimit = rate
        self.limiter.set_rate(rate)

    # -- orphans -------------------------------------------------------------------------

    def orphans(self, ref: DestRef) -> list[tuple[str, str]]:
        """Unfinished multipart uploads under projects/ that no journal here owns."""
        dest = self.run_for(ref, start=False).engine.dest
        return aborts.orphaned_uploads(dest, self.app.journal)

    def abort_orphans(self, ref: DestRef, uploads: list[tuple[str, str]]) -> int:
        return aborts.abort_uploads(self.run_for(ref, start=False).engine.dest, uploads)

    # -- waiting and stopping -----------------------------------------------------------

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every batch has ended; False on timeout."""
        return self.batches.wait(timeout)

    def drain(self, seconds: float = DRAIN_SECONDS) -> bool:
        """Ctrl-C: start nothing new, let the parts in the air finish (for at most
        ``seconds``), then stop. True when they all finished. A KeyboardInterrupt
        meanwhile (a second Ctrl-C) leaves it to :meth:`close` to stop at once."""
        engines = self.engines()
        if self.prehasher is not None:
            self.prehasher.stop()
        self.events.emit(Stopping(self.slots.in_use, seconds))
        for engine in engines:
            engine.drain(0)
        deadline = time.monotonic() + seconds
        finished = all([engine.drain(max(0.0, deadline - time.monotonic())) for engine in engines])
        log.info("stopping: the parts in the air %s", "finished" if finished else "were cut")
        return finished

    def close(self, timeout: float = 30.0) -> None:
        """Stop every engine (the journal stays resumable), write what is listed,
        and end the batches still running (interrupted)."""
        with self._lock:
            runs = list(self._runs.values())
        left = sum(r.engine.unfinished for r in runs)
        if left:
            log.info("stopping with %d file(s) unfinished: the journal keeps them for resume", left)
        if self.prehasher is not None:
            self.prehasher.stop()
        for run in runs:
            run.engine.stop(timeout)
        self.batches.end_unfinished()  # summaries still find their engines here
        with self._lock:
            self._runs = {}
        for run in runs:
            run.engine.dest.close()
        if self._previews is not None:
            self._previews.close()
            self._previews = None
