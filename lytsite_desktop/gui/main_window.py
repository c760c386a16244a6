"""The main window: the Upload and Gallery tabs, menus, notifications and the tray.

Core events reach it through one :class:`EventBridge` and go to the tab that
shows them; a finished batch is announced with its own counts and project.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSystemTrayIcon, QTabWidget

from lytsite_desktop import __version__
from lytsite_desktop.core.app import App
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.events import BatchDone, Event, FileFailed, Problem
from lytsite_desktop.core.gallery.projects import ProjectRef
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.core.platform.collector import IdleCollector
from lytsite_desktop.core.platform.keepawake import KeepAwake
from lytsite_desktop.core.session import Session
from lytsite_desktop.gui.bridge import EventBridge
from lytsite_desktop.gui.dialogs.connect import ConnectDialog
from lytsite_desktop.gui.dialogs.settings import SettingsDialog
from lytsite_desktop.gui.gallery.view import GalleryView
from lytsite_desktop.gui.images import app_icon, icon
from lytsite_desktop.gui.upload.drop_area import DropArea
from lytsite_desktop.gui.upload.page import UploadPage
from lytsite_desktop.gui.upload.status_line import listed

#: How often the queue and status bar refresh, in milliseconds.
REFRESH_MS = 250


class MainWindow(QMainWindow):
    def __init__(
        self, session: Session, app: App, *, default_destination: DestRef | None = None
    ) -> None:
        super().__init__()
        self.session, self.app = session, app
        self.setWindowTitle("lytsite-desktop")
        self.resize(1000, 640)
        self.bridge = EventBridge(self)
        self.bridge.events.connect(self._on_events)
        session.subscribe(self.bridge)
        self._looked_remote = False  # the gallery asked the buckets for their projects

        self.upload = UploadPage(session, app)
        self.upload.fill_destinations(default_destination or app.default_destination())
        self.upload.welcome.connect_chosen.connect(self.connect_bucket)
        self.upload.welcome.start_local.connect(self.welcome_answered)
        self.upload.welcome_done.connect(self.welcome_answered)
        self.upload.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.upload.published.note.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.upload.published.show_gallery.connect(self.show_project)
        first_run = not (app.settings.welcomed or app.settings.destinations or default_destination)
        if first_run:
            self.upload.drop_area.setCurrentIndex(DropArea.WELCOME)
        self.gallery = GalleryView(app)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.upload, "Upload")
        self.tabs.addTab(self.gallery, "Gallery")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self._make_menus()
        self.status = QLabel("Ready")
        self.statusBar().addWidget(self.status, 1)

        self.setWindowIcon(app_icon())
        self.keep_awake = KeepAwake()
        #: Crash reports shown this session, newest last.
        self.crash_reports: list[Path] = []
        #: (title, text) of every notification shown, newest last.
        self.notifications: list[tuple[str, str]] = []
        #: Why files failed, as told while publishing: each reason once (a bucket
        #: that refuses the keys fails every file alike), until the queue is idle.
        self._failures_told: set[str] = set()
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
        session.finish_deletions()
        self.gallery.expired.check()

    # -- building -----------------------------------------------------------------------------

    def _make_menus(self) -> None:
        def action(text: str, slot: object, shortcut: QKeySequence | None = None) -> QAction:
            act = QAction(text, self)
            act.triggered.connect(slot)
            if shortcut is not None:
                act.setShortcut(shortcut)
            self.addAction(act)
            return act

        keys = QKeySequence.StandardKey
        self.settings_action = action(
            "Settings…", self.open_settings, QKeySequence(keys.Preferences)
        )
        self.settings_action.setIcon(icon("settings"))
        self.upload.toolbar.addAction(self.settings_action)
        self.connect_action = action("Connect a Bucket…", self.connect_bucket)
        self.welcome_action = action("Getting Started", self.show_welcome)
        self.log_folder_action = action("Open Log Folder", self.open_log_folder)
        self.about_action = action("About lytsite-desktop", self.about)
        quit_action = action("Quit", self.close, QKeySequence(keys.Quit))
        file_menu = self.menuBar().addMenu("&File")
        for act in (self.upload.add_files_action, self.upload.add_folder_action):
            file_menu.addAction(act)
            self.addAction(act)  # Ctrl+O works on either tab
        file_menu.addSeparator()
        file_menu.addAction(self.connect_action)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        for act in (self.welcome_action, self.log_folder_action, self.about_action):
            help_menu.addAction(act)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.gallery:
            self.gallery.refresh_projects(remote=not self._looked_remote)
            self._looked_remote = True
        self._refresh()

    def open_settings(self) -> SettingsDialog:
        """The settings dialog (modal); what it saves applies to new uploads, and the
        bandwidth limit at once."""
        dialog = SettingsDialog(self.app, self)
        dialog.accepted.connect(self.session.settings_changed)
        default = self.app.default_destination()
        dialog.finished.connect(lambda _: self._settings_closed(default))
        dialog.open()
        return dialog

    def _settings_closed(self, default_before: DestRef) -> None:
        """The destinations as saved: a new default is the one the next publish
        goes to (the photographer just asked for it); otherwise the choice stays."""
        default = self.app.default_destination()
        self.upload.fill_destinations(default if default != default_before else None)

    # -- first run, help and diagnostics -------------------------------------------------------

    def show_welcome(self) -> None:
        """The welcome again (Help > Getting Started), on the Upload tab."""
        self.tabs.setCurrentWidget(self.upload)
        self.upload.drop_area.setCurrentIndex(DropArea.WELCOME)

    def welcome_answered(self) -> None:
        """Leave the welcome for the queue (or its empty state); it is not shown again."""
        area = self.upload.drop_area
        if area.currentIndex() == DropArea.WELCOME:
            area.setCurrentIndex(DropArea.QUEUE if self.upload.model.rows else DropArea.EMPTY)
        if not self.app.settings.welcomed:
            self.app.settings.welcomed = True
            try:
                self.app.settings.save(self.app.paths.config_file)
            except OSError:  # a full disk: the welcome comes back next time, no more
                self.statusBar().showMessage(
                    "Your settings could not be saved (is the disk full?).", 10_000
                )

    def connect_bucket(self) -> ConnectDialog:
        """The form that connects an R2 or S3 bucket; once saved, it is the destination."""
        dialog = ConnectDialog(self.app, self)
        dialog.saved.connect(self._bucket_connected)
        dialog.open()
        return dialog

    def _bucket_connected(self, name: str) -> None:
        self.upload.fill_destinations(DestRef(name))
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

    # -- files handed over -------------------------------------------------------------------

    def add_paths(self, paths: list[str]) -> None:
        self.upload.add_paths(paths)

    def receive_paths(self, paths: list[str]) -> None:
        """Paths handed over by a second launch: queue them and come to the front."""
        if paths:
            self.tabs.setCurrentWidget(self.upload)
            self.add_paths(paths)
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # -- what the core says ---------------------------------------------------------------------

    def _on_events(self, events: list[Event]) -> None:
        self.upload.apply(events)
        for event in events:
            if isinstance(event, FileFailed) and event.reason not in self._failures_told:
                self._failures_told.add(event.reason)
                self.notify("Upload failed", f"{event.rel_path}: {event.reason}")
            elif isinstance(event, BatchDone) and not event.interrupted:
                self._batch_finished(event)
            elif isinstance(event, Problem):
                self.statusBar().showMessage(event.message, 10_000)

    def notify(self, title: str, text: str) -> None:
        """A desktop notification (through the tray), else a status-bar message."""
        self.notifications.append((title, text))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, app_icon(), 8000)
        else:
            self.statusBar().showMessage(f"{title}: {text}", 10_000)

    def _batch_finished(self, done: BatchDone) -> None:
        title, text = finished_notice(done)
        self.notify(title, text)
        if done.published:  # the Upload tab keeps it, with the client's page
            links = self.app.gallery_links(done.dest, done.published_to)
            self.upload.published.tell(text, done.dest, done.published_to,
                                       links[0] if links else None)  # fmt: skip
        if not self.upload.uploading:
            self._failures_told.clear()
        if self.tabs.currentWidget() is self.gallery:
            self.gallery.refresh_projects()

    def show_project(self, dest: str, project: str) -> None:
        """The Gallery tab, showing this project."""
        self.tabs.setCurrentWidget(self.gallery)
        self.gallery.open_project(ProjectRef(dest, project, 0, ""))

    def _refresh(self) -> None:
        line = self.upload.tick()
        uploading = self.upload.uploading
        if self.tabs.currentWidget() is not self.upload:
            # The queue's line is the Upload tab's; elsewhere only a publish under way
            # is worth a word ("Ready", "3 files ready to publish" speak of that tab).
            line = f"Publishing: {line}" if uploading else ""
        self.status.setText(line)
        self.keep_awake.hold(uploading)
        if self.collector is not None:
            self.collector.tick(uploading)
        if self.tray is not None:
            t = self.upload.model.totals()
            share = t.bytes_done / t.bytes if t.bytes else 0
            self.tray.setToolTip(f"lytsite-desktop: {t.done} of {t.files} files ({share:.0%})")

    #: Ask before closing while files are uploading (tests turn it off).
    ask_before_closing = True
    #: When the garbage collector's full passes run (set by gui.app.run).
    collector: IdleCollector | None = None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.ask_before_closing and self.upload.uploading:
            answer = QMessageBox.question(
                self,
                "Uploads are running",
                "Stop uploading and quit? Nothing is lost: the next start offers to "
                "continue where it stopped.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the timers and the tabs' background work (the session is the caller's)."""
        self._timer.stop()
        self.gallery.shutdown()
        self.upload.shutdown()
        self.keep_awake.hold(False)
        if self.tray is not None:
            self.tray.hide()


def finished_notice(done: BatchDone) -> tuple[str, str]:
    """('Publishing finished', '7 files published to Client Shoot; 1 failed (see the
    list)'), or ('Publishing cancelled', ...) when every file was cancelled, or
    ('Publishing failed', 'Nothing published to ... 49 files failed: the reason') when
    every file failed for one reason."""
    named = done.project or listed(list(done.projects))  # a batch of several: their titles
    where = f" to {named}" if named else ""
    if done.cancelled and not (done.published or done.failed):
        files = f"{done.cancelled} file{'s' if done.cancelled != 1 else ''}"
        return "Publishing cancelled", f"{files} cancelled; nothing published{where}"
    text = f"{done.published} file{'s' if done.published != 1 else ''} published{where}"
    if done.damaged:
        text += f"; {done.damaged} could not be read (published without a preview)"
    if done.failed and len(done.failures) == 1:  # every failure for one reason: say it
        if not (done.published or done.cancelled):
            files = f"{done.failed} file{'s' if done.failed != 1 else ''}"
            return (
                "Publishing failed",
                f"Nothing published{where}. {files} failed: {done.failures[0][0]}",
            )
        text += f"; {done.failed} failed: {done.failures[0][0]}"
    elif done.failed:
        text += f"; {done.failed} failed (see the list)"
    if done.cancelled:
        text += f"; {done.cancelled} cancelled"
    return "Publishing finished", text
