"""The Gallery tab's link row: the page's address, Copy link, Open in browser."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


class LinkRow(QWidget):
    #: A sentence for the status line.
    note = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName("Gallery link")
        self.copy_button = QPushButton("Copy link")
        self.copy_button.clicked.connect(self.copy_link)
        self.open_button = QPushButton("Open in browser")
        self.open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl(self.link.text())) if self.link.text() else None
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Link"))
        row.addWidget(self.link, 1)
        row.addWidget(self.copy_button)
        row.addWidget(self.open_button)
        self.hide()

    def show_link(self, url: str | None) -> None:
        self.link.setText(url or "")
        self.setVisible(bool(url))

    def copy_link(self) -> None:
        QGuiApplication.clipboard().setText(self.link.text())
        self.note.emit("The gallery's link is copied.")
