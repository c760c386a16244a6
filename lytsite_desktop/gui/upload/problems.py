"""What needs a photographer's look in the queue: the filter that shows only
failed files and photos that could not be read, and why a control did nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    QSortFilterProxyModel,
)
from PySide6.QtWidgets import QTableView

from lytsite_desktop.core.states import FileState
from lytsite_desktop.gui.upload.rows import STATE, Role, Row

NO_PROBLEMS = "<h3>Nothing needs a look</h3><p>No file failed, and every photo could be read.</p>"


class ProblemsOnly(QSortFilterProxyModel):
    """Shows every row, or only those that need a look: failed, or published though
    the picture could not be read."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.only_problems = False
        # Qt's own filter on the queue's "problem" role: while every row is shown it
        # asks nothing (a filter written in Python was a call into Python for each
        # row added or changed, each a wait for the interpreter's lock).
        self.setFilterRole(Role.PROBLEM)
        self.setFilterKeyColumn(STATE)

    def set_only_problems(self, on: bool) -> None:
        self.only_problems = on
        self.setFilterRegularExpression("^true$" if on else "")

    def serve(
        self, table: QTableView, queue: QAbstractItemModel, watch: Callable[[], None]
    ) -> None:
        """Stand between ``queue`` and ``table`` when asked to filter; ``watch`` runs
        whenever the table's selection changes."""
        self._table, self._queue, self._watch = table, queue, watch

    def show_only_problems(self, on: bool) -> None:
        """Filter (``on``) or not, and have the table show this filter only while it
        filters: showing every row, the table asks the queue itself (through a
        filter each painted cell costs three calls into Python instead of one,
        each a wait for the interpreter's lock while uploads run)."""
        self.set_only_problems(on)
        old = self._table.selectionModel()
        self._table.setModel(self if on else self._queue)
        old.deleteLater()  # the table made a new one; the old one is not its any more
        self._table.selectionModel().selectionChanged.connect(lambda *_: self._watch())
        self._watch()  # a new selection, empty

    def source_row(self, index: QModelIndex | QPersistentModelIndex) -> int:
        """The queue's row shown at a table's ``index`` (of this filter or not)."""
        return self.mapToSource(index).row() if index.model() is self else index.row()

    def multiData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        roleDataSpan: QModelRoleDataSpan | QModelRoleData,
    ) -> None:
        """The queue's answer to all of a cell's roles in one call (Qt's proxy would
        ask the queue one role at a time)."""
        self.sourceModel().multiData(self.mapToSource(index), roleDataSpan)


def nothing_to_resume(rows: list[Row], *, chosen: bool = True) -> str:
    """Why Resume did nothing for ``rows`` (the ``chosen`` ones, or the whole list)."""
    if not rows:
        return "Nothing to resume: the list is empty."
    stopped = {FileState.FAILED, FileState.CANCELLED}
    if not chosen and any(r.state in stopped for r in rows):
        return "Nothing is paused. Retry sends the cancelled and failed files again."
    if all(r.state is FileState.PUBLISHED for r in rows):
        return "Nothing to resume: the selected files are published."
    if all(r.state is FileState.READY for r in rows):
        return "Nothing to resume yet: press Publish to send the selected files."
    return "Nothing to resume: the selected files are not paused, failed or cancelled."
