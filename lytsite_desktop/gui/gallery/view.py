"""The Gallery tab: the published projects, each shown as its client will see it,
from this computer's copies first (so it works offline), brought up to date from
the bucket when it can be reached."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.app import App
from lytsite_desktop.core.gallery.layout import Layout, layout_for, title_of
from lytsite_desktop.core.gallery.projects import (
    GalleryItem,
    ProjectRef,
    ref_of,
)
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.gui.background import Background, Batched
from lytsite_desktop.gui.gallery.curation import Curation
from lytsite_desktop.gui.gallery.downloads import OriginalDownloads
from lytsite_desktop.gui.gallery.expired import ExpiredOffer
from lytsite_desktop.gui.gallery.layouts import FlowView
from lytsite_desktop.gui.gallery.lightbox import Lightbox
from lytsite_desktop.gui.gallery.linkrow import LinkRow
from lytsite_desktop.gui.gallery.loading import (
    Outcome,
    Shown,
    describe,
    fetch_project,
    known_projects,
    shown_for,
)
from lytsite_desktop.gui.gallery.projectlist import ProjectList
from lytsite_desktop.gui.gallery.selection import SelectionDialog
from lytsite_desktop.gui.gallery.thumbcache import ThumbCache
from lytsite_desktop.gui.gallery.thumbgrid import ThumbGrid

EMPTY, FLOW, GRID, LIGHTBOX = range(4)


class GalleryView(QWidget):
    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.background = Background(self)
        #: Images arriving from the bucket reach the grid within a frame or two.
        self._fetching: Batched[tuple[int, tuple[int, int, list[str]]]] = Batched(
            self._progress, 0.03, self
        )
        self.downloads = OriginalDownloads(
            app, self.background, note=self._download_note, progress=self._download_progress,
            open_file=lambda path: self.open_file(path),
        )  # fmt: skip
        self.cache = ThumbCache(parent=self)
        self.shown: Shown | None = None
        self._asked: ProjectRef | None = None  # the project last opened (the list marks it)
        self.items: list[GalleryItem] = []
        self.layout_kind = Layout.EMPTY
        self.busy = False  # opening or rebuilding (tests, benchmarks)
        self._generation = 0
        self._stop = threading.Event()
        #: Hands a file to the desktop (its default app); tests record it instead.
        self.open_file: Callable[[Path], object] = lambda path: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(path))
        )

        self.side = side = ProjectList()
        side.chosen.connect(self.open_project)
        side.refresh_wanted.connect(lambda: self.refresh_projects(remote=True))
        self.projects = side.list

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
        self.link_row = LinkRow()
        self.link = self.link_row.link

        self.flow = FlowView(self.cache)
        self.flow.activated.connect(self.open_lightbox)
        self.grid = ThumbGrid(self.cache)
        self.grid.activated.connect(self.open_lightbox)
        self.lightbox = Lightbox(self.cache)
        self.lightbox.closed.connect(self.close_lightbox)
        self.lightbox.download.connect(self.download_original)
        self.lightbox.play.connect(self.play_video)
        self.flow.menu_requested.connect(self._menu)
        self.grid.menu_requested.connect(self._menu)
        self.curation = Curation(app, self.background, self)
        self.curation.changed.connect(self._show_manifest)
        self.curation.note.connect(self.status.setText)
        self.link_row.note.connect(self.status.setText)
        self.curation.selection_wanted.connect(self.paste_selection)
        self.expired = ExpiredOffer(app, self.background, self)
        self.expired.note.connect(self.status.setText)
        self.expired.changed.connect(lambda: self.refresh_projects(remote=False))
        self.selection_dialog: SelectionDialog | None = None
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
        main_layout.addWidget(self.curation.row)
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
        early = (lambda found: self.background.post(self._fill_projects, found)) if remote else None
        self.background.run(
            lambda: known_projects(self.app, early),
            done=self._fill_projects,
            failed=lambda exc: self.status.setText(
                "The projects could not be listed; the log has the details."
            ),
        )

    def _fill_projects(self, answer: list[tuple[ProjectRef, str]]) -> None:
        self.side.fill(answer, self.shown.ref if self.shown else self._asked)

    # -- opening one ----------------------------------------------------------------------

    def open_project(self, ref: ProjectRef) -> None:
        """Show the local copy at once (off the GUI thread), then bring it up to date
        from the bucket: the manifest, then the missing thumbnails and previews."""
        self._stop.set()  # a rebuild of the project shown before stops
        self._asked = ref
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
        self.title.setText(ref.title or ref.project)
        self.status.setText("Opening…")
        self.background.run(
            lambda: self._load(generation, ref, stop),
            done=lambda outcome: self._opened(generation, outcome),
            failed=lambda exc: self._open_failed(generation),
        )

    def _load(self, generation: int, ref: ProjectRef, stop: threading.Event) -> Outcome:
        """Off the GUI thread: what is shown, and its progress, go to the GUI thread."""
        return fetch_project(
            self.app, ref, stop,
            show=lambda shown: self.background.post(self._show, (generation, shown)),
            progress=lambda p: self.background.post(self._fetching.add, (generation, p)),
            urgent=self.cache.wanted,
        )  # fmt: skip

    def _show(self, answer: tuple[int, Shown]) -> None:
        generation, shown = answer
        if generation != self._generation:
            return
        self.shown = shown
        self.items = [i for _, items in shown.sections for i in items]
        self.layout_kind = layout_for(len(self.items))
        if self.layout_kind == Layout.THUMBS:
            self.grid.set_sections(shown.tiles)
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
        self.link_row.show_link(shown.link)
        self.title.setText(title_of(shown.manifest))
        known = ref_of(shown.ref.dest, shown.manifest)  # a bucket's was "in the bucket"
        self.side.redescribe(known, describe(self.app, known))
        self.curation.show_project(shown.ref, shown.manifest)
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

    def _progress(self, answers: list[tuple[int, tuple[int, int, list[str]]]]) -> None:
        current = [p for generation, p in answers if generation == self._generation]
        if not current:
            return
        done, total, _ = current[-1]
        arrived = [path for _, _, paths in current for path in paths]
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
        self._fetching.flush()  # what arrived last, before the words of the end
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
            what = "previews and thumbnails" if outcome.fetched > 1 else "preview or thumbnail"
            notes.append(f"Fetched {outcome.fetched} {what} from the bucket.")
        if gone := len(outcome.gone):
            notes.append(f"{gone} preview{'s are' if gone > 1 else ' is'} no longer in the bucket.")
        notes += [outcome.unkept] if outcome.unkept else []
        if notes:
            self.status.setText(" ".join(notes))

    # -- the photographer's changes ----------------------------------------------------------

    def selected_items(self) -> list[GalleryItem]:
        """The files chosen with Ctrl-click (or Shift-click in the thumbnail grid)."""
        chosen = self.grid.selected if self.layout_kind == Layout.THUMBS else self.flow.selected
        return [self.items[i] for i in sorted(chosen) if 0 <= i < len(self.items)]

    def select_ids(self, file_ids: list[str]) -> None:
        """Select these files (a client's selection), and show the first of them."""
        wanted = set(file_ids)
        chosen = {i for i, item in enumerate(self.items) if item.entry.fileId in wanted}
        (self.grid if self.layout_kind == Layout.THUMBS else self.flow).select(chosen, show=True)
        self.status.setText(f"{len(chosen)} of {len(self.items)} files selected: "
                            "right-click one of them for what to do with them.")  # fmt: skip

    def paste_selection(self) -> None:
        """The dialog where the photographer pastes the list a client sent."""
        if self.selection_dialog is None:
            self.selection_dialog = SelectionDialog([], self.select_ids, self)
        self.selection_dialog.entries = [item.entry for item in self.items]
        self.selection_dialog.show()
        self.selection_dialog.raise_()

    def _menu(self, index: int, where: QPoint) -> None:
        chosen = self.selected_items()
        clicked = self.items[index]
        self.curation.menu(chosen if clicked in chosen else [clicked], where)

    def _show_manifest(self, manifest: Manifest, said: str) -> None:
        """The project as just written to the bucket (a change of the photographer's),
        then what changed."""
        if self.shown is None:
            return
        ref, generation = self.shown.ref, self._generation

        def show(shown: Shown) -> None:
            self._show((generation, shown))
            if said:
                self.status.setText(said)
            self.refresh_projects()  # its title and count, in the list

        self.background.run(
            lambda: shown_for(self.app, ref, manifest),
            done=show,
            failed=lambda exc: self._open_failed(generation),
        )

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

    # -- originals ------------------------------------------------------------------------

    def download_original(self, index: int) -> None:
        """Open the original (see :class:`OriginalDownloads`); pressed again, it pauses."""
        if self.shown is not None:
            self.downloads.toggle(self.shown.ref, self.items[index].entry, index)

    def play_video(self, index: int) -> None:
        """A video's preview, in the system's player (it is an ordinary MP4)."""
        video = self.items[index].video
        if video is not None and video.is_file():
            self.open_file(video)
            self._download_note(index, "Playing in your video player.")
        else:
            self._download_note(index, "The video's preview is not on this computer yet.")

    def _download_progress(self, index: int, done: int, total: int) -> None:
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
        self.downloads.stop_all()
        self.background.shutdown()
        self.cache.close()
