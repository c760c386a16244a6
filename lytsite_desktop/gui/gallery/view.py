"""The Gallery tab: the published projects, each shown as its client will see it,
from this computer's copies first (so it works offline), brought up to date from
the bucket when it can be reached."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.app import App, gallery_link
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.errors import ConfigError, Interrupted, TransferError
from lytsite_desktop.core.gallery.layout import Layout, layout_for
from lytsite_desktop.core.gallery.originals import download_original, local_original
from lytsite_desktop.core.gallery.projects import (
    GalleryItem,
    ProjectRef,
    list_projects,
    refresh_manifest,
    remote_projects,
)
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.gui.background import Background
from lytsite_desktop.gui.gallery.layouts import FlowView
from lytsite_desktop.gui.gallery.lightbox import Lightbox
from lytsite_desktop.gui.gallery.thumbcache import ThumbCache
from lytsite_desktop.gui.gallery.thumbgrid import ThumbGrid, Tile

#: At most this often, a rebuild's progress reaches the window (seconds).
PROGRESS_EVERY = 0.1

EMPTY, FLOW, GRID, LIGHTBOX = range(4)
_Pair = tuple[int, int]


@dataclass
class Shown:
    """A project as the gallery shows it (made off the GUI thread)."""

    ref: ProjectRef
    manifest: Manifest
    sections: list[tuple[str, list[GalleryItem]]]
    link: str | None
    missing: int  # files whose images are not on this computer yet


@dataclass
class Outcome:
    """How opening a project ended."""

    offline: str | None = None  # why the bucket was not reached
    had_copy: bool = True
    fetched: int = 0
    gone: list[str] = field(default_factory=list)  # keys the bucket no longer has


class _Throttle:
    """Calls ``fn`` at most every PROGRESS_EVERY seconds, and always for the last."""

    def __init__(self, fn: Callable[[object], None]) -> None:
        self.fn, self.last = fn, 0.0

    def __call__(self, value: object, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.fn(value)


class GalleryView(QWidget):
    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.background = Background(self)
        self.cache = ThumbCache(parent=self)
        self.shown: Shown | None = None
        self.items: list[GalleryItem] = []
        self.layout_kind = Layout.EMPTY
        self.busy = False  # opening or rebuilding (tests, benchmarks)
        self._generation = 0
        self._stop = threading.Event()
        self._downloads: dict[str, threading.Event] = {}  # by original key
        #: Hands a file to the desktop (its default app); tests record it instead.
        self.open_file: Callable[[Path], object] = lambda path: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(path))
        )

        self.projects = QListWidget()
        self.projects.setAccessibleName("Published projects")
        self.projects.setWordWrap(True)
        self.projects.setSpacing(2)
        self.projects.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.projects.itemActivated.connect(self._project_chosen)
        self.projects.currentItemChanged.connect(lambda item, _: self._project_chosen(item))
        refresh = QPushButton("Refresh")
        refresh.setToolTip("Look for projects in the bucket too (a new computer's view)")
        refresh.clicked.connect(lambda: self.refresh_projects(remote=True))
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("<b>Published projects</b>"))
        side_layout.addWidget(self.projects, 1)
        side_layout.addWidget(refresh)

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName("Gallery link")
        self.copy_button = QPushButton("Copy link")
        self.copy_button.clicked.connect(self.copy_link)
        self.open_button = QPushButton("Open in browser")
        self.open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl(self.link.text())) if self.link.text() else None
        )
        self.link_row = QWidget()
        link_row = QHBoxLayout(self.link_row)
        link_row.setContentsMargins(0, 0, 0, 0)
        link_row.addWidget(QLabel("Link"))
        link_row.addWidget(self.link, 1)
        link_row.addWidget(self.copy_button)
        link_row.addWidget(self.open_button)
        self.link_row.hide()

        self.flow = FlowView(self.cache)
        self.flow.activated.connect(self.open_lightbox)
        self.grid = ThumbGrid(self.cache)
        self.grid.activated.connect(self.open_lightbox)
        self.lightbox = Lightbox(self.cache)
        self.lightbox.closed.connect(self.close_lightbox)
        self.lightbox.download.connect(self.download_original)
        self.empty = QLabel(
            "<h3>No project open</h3><p>Published projects are listed on the left. "
            "Everything shown here is kept on this computer, so it works offline.</p>"
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget()
        for page in (self.empty, self.flow, self.grid, self.lightbox):
            self.pages.addWidget(page)
        self._back_to = FLOW

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.progress)
        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addLayout(head)
        main_layout.addWidget(self.status)
        main_layout.addWidget(self.link_row)
        main_layout.addWidget(self.pages, 1)

        splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(main)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 750])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # -- the projects ---------------------------------------------------------------------

    def refresh_projects(self, *, remote: bool = False) -> None:
        """The projects known here, then (``remote``) those the saved destinations list."""
        app = self.app

        def known() -> list[tuple[ProjectRef, str]]:
            refs = list_projects(app.journal, app.gallery)
            described = [(r, self._describe(r)) for r in refs]
            if remote:  # this computer's list first: a bucket may take its time, or be away
                self.background.post(self._fill_projects, described)
                more = self._remote_refs({(r.dest, r.project) for r in refs})
                described += [(r, self._describe(r)) for r in more]
            return described

        self.background.run(
            known,
            done=self._fill_projects,
            failed=lambda exc: self.status.setText(
                "The projects could not be listed; the log has the details."
            ),
        )

    def _remote_refs(self, have: set[tuple[str, str]]) -> list[ProjectRef]:
        out = []
        refs = [DestRef.local_library(self.app.paths)]
        refs += [DestRef(name) for name in sorted(self.app.settings.destinations)]
        for ref in refs:
            try:
                destination = self.app.open(ref)
            except (ConfigError, TransferError):
                continue  # the window's Settings say what is wrong with it
            try:
                names = remote_projects(destination)
            except TransferError:
                names = []
            finally:
                destination.close()
            out += [
                ProjectRef(destination.ident, n, 0, "")
                for n in names
                if (destination.ident, n) not in have
            ]
        return out

    def _describe(self, ref: ProjectRef) -> str:
        spec = self.app.journal.destination_spec(ref.dest)
        where = spec if spec and spec in self.app.settings.destinations else ref.dest
        if ref.dest.startswith("file://"):
            where = "this computer"
        files = f"{ref.files} file{'s' if ref.files != 1 else ''}" if ref.files else "in the bucket"
        when = ref.updated.replace("T", " ")[:16]
        return " · ".join(p for p in (files, when, where) if p)

    def _fill_projects(self, answer: list[tuple[ProjectRef, str]]) -> None:
        current = self.shown.ref if self.shown else None
        self.projects.blockSignals(True)
        self.projects.clear()
        for ref, description in answer:
            item = QListWidgetItem(f"{ref.project}\n{description}")
            item.setData(Qt.ItemDataRole.UserRole, ref)
            item.setToolTip(ref.dest)
            self.projects.addItem(item)
            if current and (ref.dest, ref.project) == (current.dest, current.project):
                self.projects.setCurrentItem(item)
        self.projects.blockSignals(False)

    def _project_chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.open_project(item.data(Qt.ItemDataRole.UserRole))

    # -- opening one ----------------------------------------------------------------------

    def open_project(self, ref: ProjectRef) -> None:
        """Show the local copy at once (off the GUI thread), then bring it up to date
        from the bucket: the manifest, then the missing thumbnails and previews."""
        self._stop.set()  # a rebuild of the project shown before stops
        if self.shown is None or (self.shown.ref.dest, self.shown.ref.project) != (
            ref.dest,
            ref.project,
        ):
            if self.pages.currentIndex() == LIGHTBOX:
                self.close_lightbox()
            self.shown, self.items = None, []
        self._stop = stop = threading.Event()
        self._generation += 1
        generation = self._generation
        self.cache.forget()
        self.busy = True
        self.title.setText(ref.project)
        self.status.setText("Opening…")
        self.background.run(
            lambda: self._load(generation, ref, stop),
            done=lambda outcome: self._opened(generation, outcome),
            failed=lambda exc: self._open_failed(generation),
        )

    def _shown(self, ref: ProjectRef, manifest: Manifest) -> Shown:
        store = self.app.gallery
        sections = store.items(ref.dest, manifest)
        missing = sum(1 for _, items in sections for i in items if not i.here)
        link = gallery_link(self.app.destination_config(ref.dest), ref.dest, ref.project)
        return Shown(ref, manifest, sections, link, missing)

    def _load(self, generation: int, ref: ProjectRef, stop: threading.Event) -> Outcome:
        """Off the GUI thread."""
        store = self.app.gallery
        local = store.manifest(ref.dest, ref.project)
        if local is not None:
            self.background.post(self._show, (generation, self._shown(ref, local)))
        try:
            destination = self.app.open_ident(ref.dest)
        except (ConfigError, TransferError) as exc:
            return Outcome(offline=str(exc), had_copy=local is not None)
        try:
            try:
                manifest = refresh_manifest(store, destination, ref.project)
            except TransferError as exc:
                return Outcome(offline=str(exc), had_copy=local is not None)
            shown = self._shown(ref, manifest)
            if manifest != local:
                self.background.post(self._show, (generation, shown))
            if not shown.missing:
                return Outcome()
            arrived: list[str] = []  # fetched since the last report

            def report_progress(value: object) -> None:
                batch = arrived[:]
                del arrived[: len(batch)]
                self.background.post(self._progress, (generation, (*value, batch)))  # type: ignore[misc]

            progress = _Throttle(report_progress)
            report = store.fetch(
                destination,
                manifest,
                lambda done, total: progress((done, total), final=done == total),
                stop.is_set,
                lambda path: arrived.append(str(path)),
            )
            if arrived:
                progress((report.fetched, report.fetched), final=True)
            return Outcome(offline=report.offline, fetched=report.fetched, gone=report.missing)
        finally:
            destination.close()

    def _show(self, answer: tuple[int, Shown]) -> None:
        generation, shown = answer
        if generation != self._generation:
            return
        self.shown = shown
        self.items = [i for _, items in shown.sections for i in items]
        self.layout_kind = layout_for(len(self.items))
        if self.layout_kind == Layout.THUMBS:
            tiles = [
                (title, [Tile(i.entry.fileName, str(i.thumb) if i.thumb else None) for i in items])
                for title, items in shown.sections
            ]
            self.grid.set_sections(tiles)
            self._back_to = GRID
        elif self.layout_kind == Layout.EMPTY:
            self.empty.setText("<h3>Nothing is published in this project yet</h3>")
            self._back_to = EMPTY
        else:
            self.flow.show_sections(self.layout_kind, shown.sections)
            self._back_to = FLOW
        if self.pages.currentIndex() == LIGHTBOX:
            self.lightbox.show_items(self.items, self.lightbox.index)
        else:
            self.pages.setCurrentIndex(self._back_to)
        self.link.setText(shown.link or "")
        self.link_row.setVisible(bool(shown.link))
        count = len(self.items)
        self.status.setText(
            f"{count} file{'s' if count != 1 else ''}, "
            f"{format_size(sum(i.entry.size for i in self.items))} of originals"
            + (
                ""
                if shown.link
                else ". Set the destination's public address in Settings to get a link to share."
            )
        )

    def _progress(self, answer: tuple[int, tuple[int, int, list[str]]]) -> None:
        generation, (done, total, arrived) = answer
        if generation != self._generation:
            return
        self.progress.setVisible(done < total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if done < total:
            self.status.setText(
                f"Fetching previews from the bucket: {done} of {total}. "
                "They are kept on this computer for next time."
            )
        self.cache.retry(arrived)

    def _open_failed(self, generation: int) -> None:
        if generation != self._generation:
            return
        self.busy = False
        self.progress.hide()
        self.status.setText("The gallery could not be opened; the log has the details.")

    def _opened(self, generation: int, outcome: Outcome) -> None:
        if generation != self._generation:
            return
        self.busy = False
        self.progress.hide()
        shown = self.shown
        if outcome.offline and not outcome.had_copy:
            self.pages.setCurrentIndex(EMPTY)
            self.empty.setText(
                "<h3>This gallery is not on this computer yet</h3>"
                "<p>and the bucket cannot be reached to fetch it. "
                "Connect to the network, then choose the project again.</p>"
            )
            self.status.setText(f"Offline: {outcome.offline}")
            return
        notes = []
        if outcome.offline:
            have = len(self.items) - (shown.missing if shown else 0)
            notes.append(
                f"Offline: showing the copy on this computer ({have} of {len(self.items)} "
                f"files with their previews). {outcome.offline}"
            )
        if outcome.fetched:
            notes.append(f"Fetched {outcome.fetched} previews and thumbnails from the bucket.")
        if outcome.gone:
            notes.append(f"{len(outcome.gone)} previews are no longer in the bucket.")
        if notes:
            self.status.setText(" ".join(notes))

    # -- lightbox -------------------------------------------------------------------------

    def open_lightbox(self, index: int) -> None:
        if not self.items:
            return
        self.lightbox.show_items(self.items, index)
        self.pages.setCurrentIndex(LIGHTBOX)
        self.lightbox.setFocus()

    def close_lightbox(self) -> None:
        index = self.lightbox.index
        self.pages.setCurrentIndex(self._back_to)
        if self._back_to == GRID:
            self.grid.current = index
            self.grid.ensure_visible(index)
            self.grid.setFocus()
        elif self._back_to == FLOW and 0 <= index < len(self.flow.tiles):
            self.flow.ensureWidgetVisible(self.flow.tiles[index])
            self.flow.tiles[index].setFocus()

    def copy_link(self) -> None:
        QGuiApplication.clipboard().setText(self.link.text())
        self.status.setText("The gallery's link is copied.")

    # -- originals ------------------------------------------------------------------------

    def download_original(self, index: int) -> None:
        """Open the original: the file on this computer when it is unchanged, else a
        download into the downloads folder (resumable; pressed again, it stops)."""
        if self.shown is None:
            return
        ref, entry = self.shown.ref, self.items[index].entry
        key = entry.originalKey or ""
        if key in self._downloads:
            self._downloads[key].set()
            return
        stop = self._downloads[key] = threading.Event()
        target = self.app.paths.downloads_dir / ref.project / entry.path
        self._download_note(index, "Looking for the original…")
        progress = _Throttle(
            lambda v: self.background.post(self._download_progress, (index, cast(_Pair, v)))
        )

        def work() -> tuple[str, object]:
            source = local_original(self.app.journal, ref.dest, ref.project, entry)
            if source is not None:
                return "open", source
            try:
                destination = self.app.open_ident(ref.dest)
                try:
                    path = download_original(
                        destination,
                        entry,
                        target,
                        lambda done, total: progress((done, total), final=done == total),
                        stop.is_set,
                    )
                finally:
                    destination.close()
            except Interrupted:
                return "note", "Download paused; press again to continue where it stopped."
            except (TransferError, ConfigError) as exc:
                return "note", f"Could not download it: {exc}. What arrived is kept."
            except OSError as exc:
                return "note", f"Could not save it in {target.parent}: {exc.strerror or exc}"
            return "saved", path

        def failed(exc: Exception) -> None:
            self._downloads.pop(key, None)
            self._download_note(index, "Could not download it; the log has the details.")

        def done(answer: tuple[str, object]) -> None:
            self._downloads.pop(key, None)
            what, value = answer
            if what == "open":
                self._download_note(index, "Opened from this computer (unchanged since upload).")
                self.open_file(Path(str(value)))
            elif what == "saved":
                self._download_note(index, f"Saved to {value}")
                self.open_file(Path(str(value)))
            else:
                self._download_note(index, str(value))

        self.background.run(work, done=done, failed=failed)

    def _download_progress(self, answer: tuple[int, tuple[int, int]]) -> None:
        index, (done, total) = answer
        if self.lightbox.index == index and done < total:
            self.lightbox.set_download_state(
                f"{format_size(done)} of {format_size(total)} (press again to pause)", done, total
            )

    def _download_note(self, index: int, note: str) -> None:
        if self.lightbox.index == index:
            self.lightbox.set_download_state(note)

    # -- closing --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the rebuild and the downloads, and wait for their threads."""
        self._stop.set()
        for stop in self._downloads.values():
            stop.set()
        self.background.shutdown()
        self.cache.close()
