"""Where files are dropped: the empty state, the queue or the first-run welcome."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from lytsite_desktop.gui.upload.welcome import WelcomePage


class DropArea(QStackedWidget):
    """Shows the empty state, the queue or the first-run welcome; whichever it shows,
    it takes dropped files and folders."""

    EMPTY, QUEUE, WELCOME = 0, 1, 2
    dropped = Signal(list)

    def __init__(self, table: QWidget, welcome: WelcomePage, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        empty = QLabel(
            "<h2>Drop photo folders here</h2>"
            "<p>or use <b>Add Folder</b> / <b>Add Files</b>.</p>"
            "<p>Originals are kept byte-exact; a fast WebP preview is made of each photo.<br>"
            "They go to the destination chosen above: with no bucket set up, a library on "
            "this computer.</p>"
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
