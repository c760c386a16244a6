"""The Gallery tab's side panel: the published projects, and a button that looks
in the bucket too."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.gallery.projects import ProjectRef


class ProjectList(QWidget):
    """``chosen(ref)`` when the photographer picks a project; ``refresh_wanted``
    when they ask to look in the bucket too."""

    chosen = Signal(object)
    refresh_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Published projects")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(self._picked)
        self.list.currentItemChanged.connect(lambda item, _: self._picked(item))
        refresh = QPushButton("Refresh")
        refresh.setToolTip("Look for projects in the bucket too (a new computer's view)")
        refresh.clicked.connect(self.refresh_wanted.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Published projects</b>"))
        layout.addWidget(self.list, 1)
        layout.addWidget(refresh)

    def fill(self, answer: list[tuple[ProjectRef, str]], current: ProjectRef | None) -> None:
        """The projects and what each holds; ``current`` stays selected (quietly)."""
        self.list.blockSignals(True)
        self.list.clear()
        for ref, description in answer:
            item = QListWidgetItem(f"{ref.title or ref.project}\n{description}")
            item.setData(Qt.ItemDataRole.UserRole, ref)
            item.setToolTip(ref.dest)
            self.list.addItem(item)
            if current and (ref.dest, ref.project) == (current.dest, current.project):
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def redescribe(self, ref: ProjectRef, description: str) -> None:
        """The project as its manifest says once it is read: its title (changed since
        it was listed, perhaps) and how many files it has (a project listed from a
        bucket is "in the bucket" until then)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            known: ProjectRef = item.data(Qt.ItemDataRole.UserRole)
            if (known.dest, known.project) == (ref.dest, ref.project):
                item.setText(f"{ref.title or ref.project}\n{description}")
                item.setData(Qt.ItemDataRole.UserRole, ref)

    def _picked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))
