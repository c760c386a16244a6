"""The Upload tab: drop files, pick project and destination, publish, watch each file.

It owns the queue (model, filter, table), its toolbar (whose keys only work on this
tab), the banners (what a crash interrupted, what another run publishes now; what a
finished publish published, and the client's page) and the files that failed last
time. It talks to the core through the session only.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.app import App
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.events import Event, PreviewDone
from lytsite_desktop.core.ingest.scan import ScanItem
from lytsite_desktop.core.session import FoundInterrupted, Scanned, Session
from lytsite_desktop.core.states import FileState
from lytsite_desktop.gui.images import icon
from lytsite_desktop.gui.upload.banner import InterruptedBanner
from lytsite_desktop.gui.upload.delegates import ProgressDelegate, RowDelegate, StateDelegate
from lytsite_desktop.gui.upload.drop_area import DropArea
from lytsite_desktop.gui.upload.problems import NO_PROBLEMS, ProblemsOnly, nothing_to_resume
from lytsite_desktop.gui.upload.published import PublishedBanner
from lytsite_desktop.gui.upload.queue_model import QueueModel
from lytsite_desktop.gui.upload.rows import Row
from lytsite_desktop.gui.upload.status_line import failed_note, status_line
from lytsite_desktop.gui.upload.thumbs import ROW_THUMB, RowThumbs
from lytsite_desktop.gui.upload.welcome import WelcomePage

#: Scanned files added to the table per event-loop turn.
ROWS_PER_SLICE = 500
LOCAL_LIBRARY = "Local library (this computer)"
HINT = "project name (the dropped folder's name)"  # the Project box's grey hint
HINT_SEVERAL = "project name (each folder's own, or one typed for all)"


class UploadPage(QWidget):
    """Emits ``welcome_done`` when files arrive on the welcome page and ``message``
    (text) for the window's status bar."""

    welcome_done = Signal()
    message = Signal(str)

    def __init__(self, session: Session, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.app = session, app
        self.model = QueueModel(self)
        self.proxy = ProblemsOnly(self)
        self.proxy.setSourceModel(self.model)
        self.thumbs = RowThumbs(self.model, self)
        self._scanned: list[ScanItem] = []
        self._hinted = ""  # the project the Project box's grey hint names

        self.table = self._make_table()
        self.proxy.serve(self.table, self.model, watch=self._enable_actions)
        self.welcome = WelcomePage(app.paths.default_library)
        self.drop_area = DropArea(self.table, self.welcome)
        self.drop_area.dropped.connect(self.add_paths)
        self.project = QLineEdit()
        self.project.setPlaceholderText(HINT)
        self.project.setAccessibleName("Project name")
        self.private = QCheckBox("Private link")
        self.private.setToolTip("An unguessable address for a new project (kept for its later "
                                "uploads); search engines are asked to stay away.")  # fmt: skip
        self.destination = QComboBox()
        self.destination.setAccessibleName("Destination")
        self.publish_button = QPushButton("Publish")
        self.publish_button.setDefault(True)
        self.publish_button.setEnabled(False)
        self.publish_button.clicked.connect(self.publish)
        header = QHBoxLayout()
        for widget, stretch in ((QLabel("Project"), 0), (self.project, 2), (self.private, 0),
                                (QLabel("Destination"), 0), (self.destination, 2),
                                (self.publish_button, 0)):  # fmt: skip
            header.addWidget(widget, stretch)

        self.banner = InterruptedBanner(self.resume_interrupted, self.session.find_interrupted,
                                        lambda: self.uploading)  # fmt: skip
        self.published = PublishedBanner()  # once a publish is finished: the client's page

        self.toolbar = self._make_toolbar()
        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.published)
        layout.addWidget(self.drop_area, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable_actions())
        for changed in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            changed.connect(self._filtered_changed)

    # -- building ---------------------------------------------------------------------------

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("Upload queue")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setItemDelegate(RowDelegate(table))
        table.setItemDelegateForColumn(QueueModel.PROGRESS, ProgressDelegate(table))
        table.setItemDelegateForColumn(QueueModel.STATE, StateDelegate(table))
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(ROW_THUMB + 8)
        table.setIconSize(QSize(ROW_THUMB * 3 // 2, ROW_THUMB))
        table.setColumnWidth(QueueModel.THUMB, ROW_THUMB * 3 // 2 + 12)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QueueModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(QueueModel.STATE, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(QueueModel.PROGRESS, 140)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        self.filter_note = QLabel(NO_PROBLEMS, table.viewport())
        self.filter_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.filter_note.setAccessibleName("Problems only: empty")
        self.filter_note.hide()
        return table

    def _make_toolbar(self) -> QToolBar:
        bar = QToolBar("Queue")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(18, 18))

        def action(
            text: str, slot: Callable[..., object], name: str = "", key: str = ""
        ) -> QAction:
            act = QAction(text, self)
            act.triggered.connect(slot)
            if name:
                act.setIcon(icon(name))
            if key:  # its keys work on this tab only: the gallery keeps Space for itself
                act.setShortcut(QKeySequence(key))
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(act)
            return act

        std = QKeySequence.StandardKey
        self.add_files_action = action("Add Files…", self.choose_files, "add-files")
        self.add_files_action.setShortcut(QKeySequence(std.Open))
        self.add_folder_action = action("Add Folder…", self.choose_folder, "add-folder")
        self.add_folder_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.pause_action = action("Pause", self.pause_selected, "pause")
        self.resume_action = action("Resume", self.resume_selected, "resume")
        self.toggle_action = action("Pause/Resume", self.toggle_selected, key="Space")
        self.cancel_action = action("Cancel", self.cancel_selected, "cancel", "Del")
        self.retry_action = action("Retry", self.retry_selected, "retry", "Ctrl+R")
        self.clear_action = action("Clear Finished", self.clear_finished, "clear")
        self.clear_action.setToolTip("Take published, failed and cancelled files off the list")
        self.problems_action = action("Problems only", self.proxy.show_only_problems, "failed")
        self.problems_action.setCheckable(True)
        self.problems_action.setToolTip("Show only failed files and photos that could not be read")
        self.show_action = action("Show in Folder", self.show_in_folder)
        for group in (
            (self.add_files_action, self.add_folder_action),
            (self.pause_action, self.resume_action, self.cancel_action, self.retry_action),
            (self.clear_action, self.problems_action),
        ):
            for act in group:
                bar.addAction(act)
            bar.addSeparator()
        return bar

    def fill_destinations(self, choose: DestRef | None) -> None:
        """The local library and the saved destinations; ``choose`` selected."""
        current = choose or self.chosen_destination()
        self.destination.clear()
        self.destination.addItem(LOCAL_LIBRARY, DestRef.local_library(self.app.paths))
        for name in sorted(self.app.settings.destinations):
            self.destination.addItem(name, DestRef(name))
        if current is not None:
            i = next(
                (i for i in range(self.destination.count())
                 if self.destination.itemData(i) == current), -1,
            )  # fmt: skip
            if i < 0:
                self.destination.addItem(current.label(), current)
                i = self.destination.count() - 1
            self.destination.setCurrentIndex(i)

    def chosen_destination(self) -> DestRef | None:
        data = self.destination.currentData()
        return data if isinstance(data, DestRef) else None

    # -- adding and publishing ----------------------------------------------------------------

    def add_paths(self, paths: list[str]) -> None:
        """Files and folders as if dropped: scanned off the GUI thread, rows stream in."""
        self.session.scan(paths)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add files")
        if files:
            self.add_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder")
        if folder:
            self.add_paths([folder])

    def publish(self) -> None:
        rows = self.model.ready()
        dest = self.chosen_destination()
        if not rows or dest is None:
            return
        typed = " ".join(self.project.text().split())
        self.model.send(rows, title=typed)
        self.session.publish([r.item() for r in rows], typed, dest,
                             private=self.private.isChecked())  # fmt: skip
        self.project.clear()  # the name was for these files: the next folder names its own,
        self.private.setChecked(False)  # and chooses its own address (a private one stays)
        self.project.setPlaceholderText(HINT)
        self.publish_button.setEnabled(False)
        self.published.hide()  # what the last publish said is history
        self.drop_area.setCurrentIndex(DropArea.QUEUE)

    def resume_interrupted(self) -> None:
        self.session.resume_interrupted()
        self.banner.resumed(self.session.looks)

    # -- controls ---------------------------------------------------------------------------------

    def _selection(self) -> list[int]:
        picked = self.table.selectionModel().selectedRows()
        return sorted({self.proxy.source_row(i) for i in picked})

    def selected_rows(self) -> list[Row]:
        """The selected rows; every row when nothing is selected."""
        chosen = self._selection()
        return [self.model.rows[i] for i in chosen] if chosen else list(self.model.rows)

    def selected_tasks(self) -> list[int] | None:
        """Task ids of the selected rows; None (all) when nothing is selected."""
        chosen = self._selection()
        return self.model.tasks(chosen) if chosen else None

    def pause_selected(self) -> None:
        rows = [r for r in self.selected_rows() if r.task is not None and not r.finished]
        if not rows:
            self.message.emit("Nothing to pause: the selected files are not uploading.")
            return
        self.session.pause([r.task for r in rows if r.task is not None])

    def resume_selected(self) -> None:
        """Paused files continue; selected failed and cancelled ones are tried again;
        for anything else, say why nothing happens."""
        rows = self.selected_rows()
        paused = [r.task for r in rows if r.state is FileState.PAUSED and r.task is not None]
        stopped = [  # tried again only when chosen: "Resume" alone continues what is paused
            r.task for r in rows
            if r.state in (FileState.FAILED, FileState.CANCELLED) and r.task is not None
        ] if self._selection() else []  # fmt: skip
        if paused:
            self.session.resume(paused)
        if stopped:
            self.session.retry(stopped)
        if not (paused or stopped):
            self.message.emit(nothing_to_resume(rows, chosen=bool(self._selection())))

    def toggle_selected(self) -> None:
        rows = self.selected_rows()
        if rows and all(r.state is FileState.PAUSED or r.finished for r in rows):
            self.resume_selected()
        else:
            self.pause_selected()

    def cancel_selected(self) -> None:
        self.session.cancel(self.selected_tasks())

    def retry_selected(self) -> None:
        self.session.retry(self.selected_tasks())

    def clear_finished(self) -> None:
        tasks = self.model.clear_finished()
        self.session.forget(tasks)
        if not self.model.rows:
            self.drop_area.setCurrentIndex(DropArea.EMPTY)

    def show_in_folder(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            source = self.model.rows[self.proxy.source_row(index)].source
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(source)))

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addActions([self.pause_action, self.resume_action, self.cancel_action,
                         self.retry_action, self.show_action])  # fmt: skip
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _enable_actions(self) -> None:
        """Controls that can do nothing for the selection are off."""
        rows = self.selected_rows()
        states = {r.state for r in rows}
        unfinished = any(not r.finished and r.task is not None for r in rows)
        self.pause_action.setEnabled(unfinished and states != {FileState.PAUSED})
        # As resume_selected: failed and cancelled files only when chosen.
        again = {FileState.FAILED, FileState.CANCELLED} if self._selection() else set()
        self.resume_action.setEnabled(bool(states & ({FileState.PAUSED} | again)))
        self.cancel_action.setEnabled(unfinished)
        self.retry_action.setEnabled(bool(states & {FileState.FAILED, FileState.CANCELLED}))
        self.clear_action.setEnabled(any(r.finished for r in self.model.rows))

    def _filtered_changed(self) -> None:
        empty = self.proxy.only_problems and self.proxy.rowCount() == 0
        self.filter_note.setVisible(empty)
        if empty:
            self.filter_note.resize(self.table.viewport().size())

    # -- what the core says -----------------------------------------------------------------------

    def apply(self, events: list[Event]) -> None:
        before = len(self.model.rows)
        self.model.apply(events)
        if len(self.model.rows) > before and self.drop_area.currentIndex() != DropArea.QUEUE:
            self._show_queue()  # rows that the window did not scan itself (a resume)
        for event in events:
            if isinstance(event, Scanned):
                self._scanned.extend(event.items)
                if len(self._scanned) == len(event.items):
                    QTimer.singleShot(0, self._add_scanned)
            elif isinstance(event, FoundInterrupted):
                self._found(event)
            elif isinstance(event, PreviewDone) and event.thumb_path:
                self.thumbs.from_preview(event.task, event.thumb_path)
        self._enable_actions()

    def _found(self, event: FoundInterrupted) -> None:
        """Failed files (rows again), uploads cut short (resumed at once if so set)
        and another run's files (the banner says them); asked again while idle."""
        self.model.titles.update(event.titles)  # for these rows and those a resume brings
        if self.model.add_failed(event.failed):
            self._show_queue()
            self.message.emit(failed_note(len(event.failed)))
        auto = self.app.settings.auto_resume and not self.banner.told  # as the window opens
        if event.records and auto:
            self.resume_interrupted()
        self.banner.tell(event, offer=not auto)

    def _show_queue(self) -> None:
        if self.drop_area.currentIndex() == DropArea.WELCOME:
            self.welcome_done.emit()  # files dropped on the welcome: it is answered
        self.drop_area.setCurrentIndex(DropArea.QUEUE)

    def _add_scanned(self) -> None:
        """Scanned rows join the table in slices (a 10,000-file drop never holds it long)."""
        batch, self._scanned = self._scanned[:ROWS_PER_SLICE], self._scanned[ROWS_PER_SLICE:]
        if batch and not self.model.ready():  # the first drop names the project (no stat here)
            self._hinted = batch[0].project
            self.project.setPlaceholderText(batch[0].title or batch[0].project)
        if any(item.project != self._hinted for item in batch):  # folders of their own
            self.project.setPlaceholderText(HINT_SEVERAL)
        self.model.add_scanned(batch)
        self._show_queue()
        self.publish_button.setEnabled(bool(self.model.ready()))
        if self._scanned:
            QTimer.singleShot(0, self._add_scanned)

    def tick(self) -> str:
        """Refresh speeds and actions; the status line for the window."""
        self.model.tick()
        t = self.model.totals()
        return status_line(t, 0 if t.files else len(self.model.ready()), self.banner.elsewhere)

    @property
    def uploading(self) -> bool:
        return any(r.state is not FileState.READY and not r.finished for r in self.model.rows)

    def shutdown(self) -> None:
        self.thumbs.shutdown()
