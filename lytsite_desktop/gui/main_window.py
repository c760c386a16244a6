"""The main window: drop files, pick project and destination, publish, watch each file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QSystemTrayIcon,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop import __version__
from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.paths import resources_dir
from lytsite_desktop.core.events import Event, FileFailed, PreviewDone
from lytsite_desktop.core.ingest.scan import ScanItem
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.core.platform.keepawake import KeepAwake
from lytsite_desktop.core.session import FoundInterrupted, Scanned, Session, SessionProblem
from lytsite_desktop.core.sizes import format_duration, format_size
from lytsite_desktop.gui.bridge import EventBridge
from lytsite_desktop.gui.connect_dialog import ConnectDialog
from lytsite_desktop.gui.delegates import ProgressDelegate
from lytsite_desktop.gui.gallery_view import GalleryView
from lytsite_desktop.gui.queue_model import FailedOnly, QueueModel
from lytsite_desktop.gui.settings_dialog import SettingsDialog
from lytsite_desktop.gui.thumbnails import ROW_THUMB, ThumbnailLoader
from lytsite_desktop.gui.welcome import WelcomePage

#: How often the table and status bar refresh, in milliseconds.
REFRESH_MS = 250
#: Scanned files added to the table per event-loop turn.
ROWS_PER_SLICE = 500
LOCAL_LIBRARY = "Local library (this computer)"
ICONS = resources_dir() / "icons"


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def app_icon() -> QIcon:
    return icon("lytsite-desktop")


class DropArea(QStackedWidget):
    """Shows the empty state, the queue or the first-run welcome; whichever it shows,
    it takes dropped files and folders."""

    EMPTY, QUEUE, WELCOME = 0, 1, 2
    dropped = Signal(list)

    def __init__(
        self, table: QTableView, welcome: WelcomePage, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        empty = QLabel(
            "<h2>Drop photo folders here</h2>"
            "<p>or use <b>Add Folder</b> / <b>Add Files</b>.</p>"
            "<p>Originals are kept byte-exact; a fast WebP preview is made of each photo.<br>"
            "With no bucket set up yet, everything goes into a library on this computer.</p>"
        )
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        empty.setAccessibleName("Drop area")
        self.addWidget(empty)
        self.addWidget(table)
        self.addWidget(welcome)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:  # type: ignore[override]
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: Session,
        app: App,
        *,
        default_destination: str | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.app = app
        self.setWindowTitle("lytsite-desktop")
        self.resize(1000, 640)
        self.model = QueueModel(self)
        self.proxy = FailedOnly(self)
        self.proxy.setSourceModel(self.model)
        self.bridge = EventBridge(self)
        self.bridge.events.connect(self._on_events)
        self.thumbnails = ThumbnailLoader(parent=self)
        self.thumbnails.loaded.connect(self.model.set_thumb)
        session.subscribe(self.bridge)
        self._scanned: list[ScanItem] = []
        self._looked_remote = False  # the gallery asked the buckets for their projects

        self.table = self._make_table()
        self.welcome = WelcomePage(app.paths.default_library)
        self.welcome.connect_chosen.connect(self.connect_bucket)
        self.welcome.start_local.connect(self.welcome_answered)
        self.drop_area = DropArea(self.table, self.welcome)
        self.drop_area.dropped.connect(self.add_paths)
        first_run = not (app.settings.welcomed or app.settings.destinations or default_destination)
        if first_run:
            self.drop_area.setCurrentIndex(DropArea.WELCOME)

        self.project = QLineEdit()
        self.project.setPlaceholderText("project name (the dropped folder's name)")
        self.project.setAccessibleName("Project name")
        self.destination = QComboBox()
        self.destination.setAccessibleName("Destination")
        self._fill_destinations(default_destination or app.settings.default_destination)
        self.publish_button = QPushButton("Publish")
        self.publish_button.setDefault(True)
        self.publish_button.setEnabled(False)
        self.publish_button.clicked.connect(self.publish)

        header = QHBoxLayout()
        header.addWidget(QLabel("Project"))
        header.addWidget(self.project, 2)
        header.addWidget(QLabel("Destination"))
        header.addWidget(self.destination, 2)
        header.addWidget(self.publish_button)

        self.banner = QWidget()
        banner = QHBoxLayout(self.banner)
        banner.setContentsMargins(0, 0, 0, 0)
        self.banner_text = QLabel()
        self.resume_button = QPushButton("Resume them")
        self.resume_button.clicked.connect(self.resume_interrupted)
        banner.addWidget(self.banner_text, 1)
        banner.addWidget(self.resume_button)
        self.banner.hide()

        self.upload_page = QWidget()
        layout = QVBoxLayout(self.upload_page)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.drop_area, 1)
        self.gallery = GalleryView(app)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.upload_page, "Upload")
        self.tabs.addTab(self.gallery, "Gallery")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self._make_actions()
        self.status = QLabel("Ready")
        self.statusBar().addWidget(self.status, 1)

        self.setWindowIcon(app_icon())
        self.keep_awake = KeepAwake()
        #: Crash reports shown this session, newest last.
        self.crash_reports: list[Path] = []
        #: (title, text) of every notification shown, newest last.
        self.notifications: list[tuple[str, str]] = []
        self._was_uploading = False
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("lytsite-desktop")
            self.tray.activated.connect(lambda _: self.receive_paths([]))
            self.tray.show()

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()
        session.find_interrupted()

    # -- building -----------------------------------------------------------------------------

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setAccessibleName("Upload queue")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setItemDelegateForColumn(QueueModel.PROGRESS, ProgressDelegate(table))
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
        return table

    def _make_actions(self) -> None:
        bar = QToolBar("Queue")
        bar.setMovable(False)
        self.addToolBar(bar)

        def action(
            text: str,
            slot: Callable[..., object],
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        ) -> QAction:
            act = QAction(text, self)
            act.triggered.connect(slot)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            self.addAction(act)
            return act

        def queue_action(*args: Any) -> QAction:
            """Acts on the upload queue: its keys (Space, Delete) only work there, so the
            gallery keeps them for itself."""
            act = action(*args)
            self.removeAction(act)
            self.upload_page.addAction(act)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            return act

        keys = QKeySequence.StandardKey
        self.add_files_action = action("Add Files…", self.choose_files, keys.Open)
        self.add_folder_action = action("Add Folder…", self.choose_folder, "Ctrl+Shift+O")
        self.pause_action = queue_action("Pause", self.pause_selected)
        self.resume_action = queue_action("Resume", self.resume_selected)
        self.toggle_action = queue_action("Pause/Resume", self.toggle_selected, "Space")
        self.cancel_action = queue_action("Cancel", self.cancel_selected, keys.Delete)
        self.retry_action = queue_action("Retry", self.retry_selected, "Ctrl+R")
        self.failed_action = queue_action("Failed only", self.proxy.set_only_failed)
        self.failed_action.setCheckable(True)
        self.show_action = queue_action("Show in Folder", self.show_in_folder)
        self.settings_action = action("Settings…", self.open_settings, keys.Preferences)
        for act, name in (
            (self.add_files_action, "add-files"), (self.add_folder_action, "add-folder"),
            (self.pause_action, "pause"), (self.resume_action, "resume"),
            (self.cancel_action, "cancel"), (self.retry_action, "retry"),
            (self.failed_action, "failed"), (self.settings_action, "settings"),
        ):  # fmt: skip
            act.setIcon(icon(name))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(18, 18))
        for act in (self.add_files_action, self.add_folder_action):
            bar.addAction(act)
        bar.addSeparator()
        for act in (self.pause_action, self.resume_action, self.cancel_action, self.retry_action):
            bar.addAction(act)
        bar.addSeparator()
        bar.addAction(self.failed_action)
        bar.addSeparator()
        bar.addAction(self.settings_action)

        self.connect_action = action("Connect a Bucket…", self.connect_bucket)
        self.welcome_action = action("Getting Started", self.show_welcome)
        self.log_folder_action = action("Open Log Folder", self.open_log_folder)
        self.about_action = action("About lytsite-desktop", self.about)
        quit_action = action("Quit", self.close, keys.Quit)
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for act in (self.add_files_action, self.add_folder_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.connect_action)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        help_menu = menus.addMenu("&Help")
        for act in (self.welcome_action, self.log_folder_action, self.about_action):
            help_menu.addAction(act)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.gallery:
            self.gallery.refresh_projects(remote=not self._looked_remote)
            self._looked_remote = True

    def _fill_destinations(self, choose: str | None) -> None:
        """The saved destinations (and ``choose``, a name or URL, selected)."""
        self.destination.clear()
        self.destination.addItem(LOCAL_LIBRARY, None)
        for name in sorted(self.app.settings.destinations):
            self.destination.addItem(name, name)
        if choose:
            i = self.destination.findData(choose)
            if i < 0:
                self.destination.addItem(choose, choose)
                i = self.destination.count() - 1
            self.destination.setCurrentIndex(i)

    def open_settings(self) -> SettingsDialog:
        """The settings dialog (modal); what it saves applies to new uploads, and the
        bandwidth limit at once."""
        dialog = SettingsDialog(self.app, self)
        dialog.accepted.connect(self._settings_saved)
        dialog.finished.connect(lambda _: self._fill_destinations(self.destination.currentData()))
        dialog.open()
        return dialog

    # -- first run, help and diagnostics -------------------------------------------------------

    def show_welcome(self) -> None:
        """The welcome again (Help > Getting Started), on the Upload tab."""
        self.tabs.setCurrentWidget(self.upload_page)
        self.drop_area.setCurrentIndex(DropArea.WELCOME)

    def welcome_answered(self) -> None:
        """Leave the welcome for the queue (or its empty state); it is not shown again."""
        if self.drop_area.currentIndex() == DropArea.WELCOME:
            self.drop_area.setCurrentIndex(DropArea.QUEUE if self.model.rows else DropArea.EMPTY)
        if not self.app.settings.welcomed:
            self.app.settings.welcomed = True
            try:
                self.app.settings.save(self.app.paths.config_file)
            except OSError as exc:  # a full disk: the welcome comes back next time, no more
                self.statusBar().showMessage(f"Settings not saved: {exc}", 10_000)

    def connect_bucket(self) -> ConnectDialog:
        """The form that connects an R2 or S3 bucket; once saved, it is the destination."""
        dialog = ConnectDialog(self.app, self)
        dialog.saved.connect(self._bucket_connected)
        dialog.open()
        return dialog

    def _bucket_connected(self, name: str) -> None:
        self._fill_destinations(name)
        self.welcome_answered()
        self.statusBar().showMessage(f"Connected: new uploads go to {name}.", 10_000)

    def open_log_folder(self) -> None:
        folder = diagnostics.log_dir(self.app.paths)
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About lytsite-desktop",
            f"<h3>lytsite-desktop {__version__}</h3>"
            "<p>Publish photo folders to your own S3-compatible bucket: byte-exact "
            "originals, fast previews, resumable uploads.</p>"
            f"<p>Log: {diagnostics.log_dir(self.app.paths)}</p>",
        )

    def show_crash_report(self, report: Path) -> None:
        """Something broke inside the app: say so, and where the report is. Uploads in
        the journal are safe whatever happened."""
        self.crash_reports.append(report)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Something went wrong")
        box.setText(
            "lytsite-desktop hit an unexpected error. Your uploads are safe: anything "
            "unfinished continues where it stopped."
        )
        box.setInformativeText(
            f"A report was saved on this computer (nothing was sent):\n{report}\n"
            "Secret keys and signed links are removed from it."
        )
        open_button = box.addButton("Open Folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(report.parent)))
        )
        box.setModal(False)
        box.show()

    def _settings_saved(self) -> None:
        self.session.transfer = self.app.settings.transfer
        self.session.set_bwlimit(self.app.settings.transfer.bwlimit)

    # -- adding files ---------------------------------------------------------------------------

    def add_paths(self, paths: list[str]) -> None:
        """Files and folders as if dropped: scanned off the GUI thread, rows stream in."""
        self.session.scan(paths)

    def receive_paths(self, paths: list[str]) -> None:
        """Paths handed over by a second launch: queue them and come to the front."""
        if paths:
            self.add_paths(paths)
        self.showNormal()
        self.raise_()
        self.activateWindow()

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
        if not rows:
            return
        project = self.project.text().strip() or None
        self.session.publish([r.item() for r in rows], project, self.destination.currentData())
        for r in rows:
            r.state = "queued"
        self.publish_button.setEnabled(False)

    # -- controls -------------------------------------------------------------------------------

    def selected_tasks(self) -> list[int] | None:
        """Task ids of the selected rows; None (all) when nothing is selected."""
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return self.model.tasks(sorted(rows)) if rows else None

    def pause_selected(self) -> None:
        self.session.pause(self.selected_tasks())

    def resume_selected(self) -> None:
        self.session.resume(self.selected_tasks())

    def toggle_selected(self) -> None:
        ids = self.selected_tasks()
        rows = self.model.rows_of(ids or [])
        if rows and all(r.state == "paused" for r in rows):
            self.session.resume(ids)
        else:
            self.session.pause(ids)

    def cancel_selected(self) -> None:
        self.session.cancel(self.selected_tasks())

    def retry_selected(self) -> None:
        self.session.retry(self.selected_tasks())

    def show_in_folder(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            source = self.model.rows[self.proxy.mapToSource(index).row()].source
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(source)))

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for act in (
            self.pause_action, self.resume_action, self.cancel_action, self.retry_action,
            self.show_action,
        ):  # fmt: skip
            menu.addAction(act)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def resume_interrupted(self) -> None:
        self.session.resume_interrupted()
        self.banner.hide()

    # -- what the core says ---------------------------------------------------------------------

    def _on_events(self, events: list[Event]) -> None:
        self.model.apply(events)
        for event in events:
            if isinstance(event, Scanned):
                self._scanned.extend(event.items)
                if len(self._scanned) == len(event.items):
                    QTimer.singleShot(0, self._add_scanned)
            elif isinstance(event, FoundInterrupted) and event.records:
                if self.app.settings.auto_resume:
                    self.session.resume_interrupted()
                    continue
                n = len(event.records)
                self.banner_text.setText(
                    f"<b>{n} upload{'s' if n > 1 else ''} did not finish last time.</b> "
                    "Nothing is lost: they continue where they stopped."
                )
                self.banner.show()
            elif isinstance(event, FileFailed):
                self.notify("Upload failed", f"{event.rel_path}: {event.reason}")
            elif isinstance(event, PreviewDone) and event.thumb_path:
                self.thumbnails.load(event.task, event.thumb_path)
            elif isinstance(event, SessionProblem):
                self.statusBar().showMessage(event.message, 10_000)

    def _add_scanned(self) -> None:
        """Scanned rows join the table in slices, so a 10,000-file drop never holds
        the event loop for long."""
        batch, self._scanned = self._scanned[:ROWS_PER_SLICE], self._scanned[ROWS_PER_SLICE:]
        if batch and not self.model.rows:  # the first drop names the project (no stat here)
            self.project.setPlaceholderText(batch[0].project)
        self.model.add_scanned(batch)
        if self.drop_area.currentIndex() == DropArea.WELCOME:
            self.welcome_answered()  # files dropped on the welcome: it is answered
        self.drop_area.setCurrentIndex(DropArea.QUEUE)
        self.publish_button.setEnabled(True)
        if self._scanned:
            QTimer.singleShot(0, self._add_scanned)

    def notify(self, title: str, text: str) -> None:
        """A desktop notification (through the tray), else a status-bar message."""
        self.notifications.append((title, text))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, app_icon(), 8000)
        else:
            self.statusBar().showMessage(f"{title}: {text}", 10_000)

    def _batch_finished(self) -> None:
        self.session.flush_manifest()
        t = self.model.totals()
        published = int(t["done"] - t["failed"])
        project = self.project.text().strip() or self.project.placeholderText()
        text = f"{published} file{'s' if published != 1 else ''} published to {project}"
        if t["failed"]:
            text += f"; {int(t['failed'])} failed (see the list)"
        self.notify("Publishing finished", text)
        if self.tabs.currentWidget() is self.gallery:
            self.gallery.refresh_projects()

    def _refresh(self) -> None:
        self.model.tick()
        uploading = self.uploading
        self.keep_awake.hold(uploading)
        if self._was_uploading and not uploading:
            self._batch_finished()
        self._was_uploading = uploading
        t = self.model.totals()
        if self.tray is not None:
            share = t["bytes_done"] / t["bytes"] if t["bytes"] else 0
            self.tray.setToolTip(
                f"lytsite-desktop: {int(t['done'])} of {int(t['files'])} files ({share:.0%})"
            )
        if not t["files"]:
            ready = len(self.model.ready())
            self.status.setText(f"{ready} file(s) ready to publish" if ready else "Ready")
            return
        parts = [f"{int(t['done'])} of {int(t['files'])} files"]
        parts.append(f"{format_size(t['bytes_done'])} of {format_size(t['bytes'])}")
        if t["speed"] > 0:
            left = (t["bytes"] - t["bytes_done"]) / t["speed"]
            parts.append(f"{format_size(t['speed'])}/s, {format_duration(left)} left")
        if t["failed"]:
            parts.append(f"{int(t['failed'])} failed")
        self.status.setText(" · ".join(parts))

    @property
    def uploading(self) -> bool:
        return any(r.state not in ("ready",) and not r.finished for r in self.model.rows)

    #: Ask before closing while files are uploading (tests turn it off).
    ask_before_closing = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.ask_before_closing and self.uploading:
            answer = QMessageBox.question(
                self,
                "Uploads are running",
                "Stop uploading and quit? Nothing is lost: the next start offers to "
                "continue where it stopped.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self._timer.stop()
        self.gallery.shutdown()
        self.keep_awake.hold(False)
        if self.tray is not None:
            self.tray.hide()
        event.accept()
