"""The previews and thumbnails of a published project that this computer lacks,
fetched from its bucket (a project published from another computer, opened here).

Several at a time (:data:`FETCHES`), so a first screen of thumbnails costs a few
round trips, not one each; what the window shows now first (``urgent``), then
the thumbnails, then the previews, each in the order the gallery shows them. The
first round goes out before the project's thousands of files are all looked at
(a tenth of a second): they are looked at between its answers.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import TransferError, disk_words
from lytsite_desktop.core.gallery.layout import page_sections
from lytsite_desktop.core.gallery.projects import GalleryStore
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Manifest

log = logging.getLogger(__name__)

#: Images fetched at once: on a link of 80 ms round trip, a first screen of twenty
#: thumbnails takes two round trips. Within the connections a destination keeps
#: (13 at the least); twenty at once made a 2-core computer's window wait longer
#: (its thread and twenty others taking turns) than the round trip saved.
FETCHES = 12
#: Files looked at between answers while the first rounds are out.
LOOK_STEP = 64


@dataclass
class FetchReport:
    """What a rebuild from the bucket did."""

    fetched: int = 0
    missing: list[str] = field(default_factory=list)  # keys the bucket did not have
    offline: str | None = None  # why the bucket could not be reached
    unkept: str | None = None  # why this computer could not keep what came


def fetch_missing(
    store: GalleryStore,
    destination: Destination,
    manifest: Manifest,
    progress: Callable[[int, int], None] = lambda done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
    arrived: Callable[[Path], None] = lambda path: None,
    urgent: Callable[[], list[str]] = list,
) -> FetchReport:
    """Download every preview and thumbnail ``store`` lacks for ``manifest``; those
    ``urgent`` names (where they go on this computer: what the window shows now,
    newest first) before the rest. ``progress(done, total)`` and ``arrived(path)``
    are called on the caller's thread."""
    return _Fetch(store, destination, manifest, urgent).run(progress, should_stop, arrived)


def unkept_words(exc: OSError) -> str:
    return (f"The previews could not be kept on this computer: {disk_words(exc)}. "
            "Free some space (or mend the folder), then open the project again.")  # fmt: skip


def shown_order(manifest: Manifest) -> list[ManifestEntry]:
    """The project's files in the order the gallery shows them."""
    entries = list(manifest.files.values())
    shown = [e for s in page_sections(entries, manifest.order) for e in s.entries]
    seen = {id(e) for e in shown}
    return shown + [e for e in entries if id(e) not in seen]


class _Fetch:
    def __init__(
        self,
        store: GalleryStore,
        destination: Destination,
        manifest: Manifest,
        urgent: Callable[[], list[str]],
    ) -> None:
        self.store, self.destination, self.urgent = store, destination, urgent
        self.dest, self.project = destination.ident, manifest.project
        self.found = self._lacking(shown_order(manifest))
        self.queue: deque[str] = deque()
        self.by_path: dict[str, str] = {}  # where each goes on this computer: its key
        self.asked: set[str] = set()

    def _lacking(self, order: list[ManifestEntry]) -> Iterator[str]:
        """The keys missing here: the thumbnails, then the previews (each file
        looked at once)."""
        previews = []
        for e in order:
            thumb, preview = self.store.renditions_of(self.dest, self.project, e)
            if thumb is None and e.thumb is not None:
                yield e.thumb.key
            if preview is None and e.preview is not None:
                previews.append(e.preview.key)
        yield from previews

    def look(self, count: int) -> bool:
        """Look for the next ``count`` missing; False once every file is seen."""
        seen = 0
        for key in itertools.islice(self.found, count):
            self.queue.append(key)
            self.by_path[str(self.store.mirror(self.dest, self.project, key))] = key
            seen += 1
        return seen == count

    def next_key(self) -> str | None:
        for path in self.urgent():
            key = self.by_path.get(path)
            if key is not None and key not in self.asked:
                return key
        while self.queue:
            key = self.queue.popleft()
            if key not in self.asked:
                return key
        return None

    def one(self, key: str) -> Path | None:
        data = self.destination.get_bytes(key)
        return None if data is None else self.store.keep(self.dest, self.project, key, data)

    def run(
        self,
        progress: Callable[[int, int], None],
        should_stop: Callable[[], bool],
        arrived: Callable[[Path], None],
    ) -> FetchReport:
        report = FetchReport()
        total, done = -1, 0  # the total once every file is looked at
        looking = self.look(FETCHES)
        with ThreadPoolExecutor(FETCHES, "lytsite-fetch") as pool:
            running: dict[Future[Path | None], str] = {}
            while True:
                stopped = report.offline or report.unkept or should_stop()
                while len(running) < FETCHES and not stopped:
                    key = self.next_key()
                    if key is None:
                        break
                    self.asked.add(key)
                    running[pool.submit(self.one, key)] = key
                if looking:  # a step of the looking between answers, not before them
                    looking = self.look(LOOK_STEP)
                    if not looking:
                        waiting = sum(1 for key in self.queue if key not in self.asked)
                        total = len(self.asked) + waiting
                        progress(done, total)
                    finished = wait(running, 0, FIRST_COMPLETED)[0] if running else set()
                elif running:
                    finished = wait(running, return_when=FIRST_COMPLETED)[0]
                else:
                    break
                for future in finished:
                    key = running.pop(future)
                    try:
                        path = future.result()
                    except TransferError as exc:
                        report.offline = report.offline or str(exc)
                        continue
                    except OSError as exc:  # this computer's disk: full, read-only...
                        log.info("a fetched image could not be kept: %s", exc)
                        report.unkept = report.unkept or unkept_words(exc)
                        continue
                    done += 1
                    if path is None:
                        report.missing.append(key)
                    else:
                        report.fetched += 1
                        arrived(path)
                    if 0 <= done < total:
                        progress(done, total)
        progress(total if not (report.offline or report.unkept) else report.fetched, total)
        return report
