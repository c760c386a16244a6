"""The upload queue as a table model: one row per file, fed by batches of core events.

A row is a dropped file (READY) until it is published; then it follows its
engine task (by id) to a final state. Rows in the window only show what the
core says: the states are :class:`~lytsite_desktop.core.states.FileState`, the
speeds come from :class:`~lytsite_desktop.core.speed.SpeedMeter` over bytes
*sent* (so a resumed file's parts already in the store are no speed).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QImage

from lytsite_desktop.core.events import (
    Event,
    FileCancelled,
    FileDone,
    FileFailed,
    FileQueued,
    FileStateChanged,
    NotQueued,
    PreviewDone,
    Progress,
)
from lytsite_desktop.core.ingest.scan import ScanItem
from lytsite_desktop.core.speed import SpeedMeter
from lytsite_desktop.core.states import SHOWS_SPEED, FileState
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.gui.images import icon
from lytsite_desktop.gui.upload.rows import COLUMNS, HEADERS, Row, cell
from lytsite_desktop.gui.upload.status_line import Totals

_Index = QModelIndex | QPersistentModelIndex
#: Rows told changed in one signal at most. Told of more than about 200 cells at
#: once, Qt's table repaints all it shows rather than work out where they are: a
#: batch of 48 files published far below the visible rows repainted every one of
#: them (measured: 40 rows of 5 columns did, 33 did not).
SIGNAL_ROWS = 32
STATE_ICON = 18


class QueueModel(QAbstractTableModel):
    #: The columns (:mod:`.rows` says what each shows), named for the views.
    THUMB, NAME, SIZE, STATE, PROGRESS, SPEED, ETA = COLUMNS
    HEADERS = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self._by_task: dict[int, int] = {}
        self._ready: dict[str, int] = {}  # READY rows by source: a file dropped twice is one
        #: Rows sent to the engine and not numbered yet, by source, oldest first.
        self._awaiting: dict[str, deque[int]] = {}
        self._dirty: set[int] = set()
        #: Rows whose speed may change (sending now, or just stopped).
        self._live: set[int] = set()
        self._meter = SpeedMeter()
        self._sent = 0
        self._projects = False  # rows of more than one project: names say whose
        #: Projects' titles by (destination, project), for rows the window did not
        #: scan itself (a resume): what the Gallery tab calls them.
        self.titles: dict[tuple[str, str], str] = {}
        #: Asked once for a row's thumbnail, when a view first shows it without one.
        self.thumb_wanted: Callable[[Row], None] | None = None
        self._signs = {
            name: icon(f"state-{name}").pixmap(STATE_ICON, STATE_ICON)
            for name in ("published", "warning", "failed")
        }

    # -- Qt's model interface -----------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self._row_at(index)
        if row is None:
            return None
        if index.column() == self.THUMB and not row.thumb_asked:
            self._first_look(row)
        return cell(row, index.column(), role, self._signs, projects=self._projects)

    def multiData(self, index: _Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role Qt asks of a cell, in one call: painting a cell asks seven, and
        each call from Qt into Python waits for the interpreter's lock, which the
        uploads' threads hold much of the time (the window's longest stalls were
        repaints of the table: 2,400 such calls each)."""
        row = self._row_at(index)
        col = index.column()
        if col == self.THUMB and row is not None and not row.thumb_asked:
            self._first_look(row)
        wanted = [roleDataSpan] if isinstance(roleDataSpan, QModelRoleData) else roleDataSpan
        signs, several = self._signs, self._projects
        for item in cast(Any, wanted):
            value = None if row is None else cell(row, col, item.role(), signs, projects=several)
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _first_look(self, row: Row) -> None:
        row.thumb_asked = True
        if row.thumb is None and self.thumb_wanted is not None:
            self.thumb_wanted(row)

    def _row_at(self, index: _Index) -> Row | None:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        return self.rows[index.row()]

    # -- feeding it -------------------------------------------------------------------------

    def add_scanned(self, items: list[ScanItem] | tuple[ScanItem, ...]) -> int:
        """Rows for dropped files (a file dropped twice and not published yet stays
        one row; one published before gets a new row)."""
        new = [i for i in items if i.source not in self._ready]
        if not new:
            return 0
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for item in new:
            self._ready[item.source] = len(self.rows)
            self.rows.append(
                Row(item.source, item.rel_path, item.project, item.size, title=item.title)
            )
        self.endInsertRows()
        self._count_projects()
        return len(new)

    def send(self, rows: list[Row], title: str = "") -> None:
        """These READY rows go to the engine: QUEUED until it numbers them
        (``title``: the project's, as typed for them)."""
        for row in rows:
            i = self._ready.pop(row.source)
            row.state = FileState.QUEUED
            row.title = title or row.title
            self._awaiting.setdefault(row.source, deque()).append(i)
            self._dirty.add(i)

    def apply(self, events: list[Event]) -> None:
        """One batch of core events (from the bridge)."""
        self._insert_queued([e for e in events if isinstance(e, FileQueued)])
        for event in events:
            if isinstance(event, NotQueued):
                self._not_queued(event)
                continue
            task = getattr(event, "task", None)
            if task is None or task not in self._by_task:
                continue
            i = self._by_task[task]
            row = self.rows[i]
            self._dirty.add(i)
            if isinstance(event, FileQueued):
                if row.finished:  # published again, retried
                    row.state, row.detail, row.damaged = FileState.QUEUED, "", False
                    row.bytes_done, row.size = 0, event.size or row.size
                    row.size_known = row.size_known or bool(event.size)
            elif isinstance(event, Progress):
                row.bytes_done, row.size = event.bytes_done, event.size
                row.size_known = True
                self._sent += max(0, event.sent - row.sent)
                row.sent = max(row.sent, event.sent)
                row.meter.update(row.sent)
                self._meter.update(self._sent)  # as a row's: from the first report on
                self._live.add(i)
            elif isinstance(event, FileStateChanged):
                if not row.finished:
                    row.state, row.detail = event.state, event.detail
            elif isinstance(event, PreviewDone):
                if not row.finished and event.note:
                    row.detail, row.damaged = event.note, event.damaged
            elif isinstance(event, FileDone):
                row.state, row.detail, row.damaged = FileState.PUBLISHED, event.note, event.damaged
                row.bytes_done = row.size
            elif isinstance(event, FileFailed):
                row.state, row.detail = FileState.FAILED, event.reason
            elif isinstance(event, FileCancelled):
                row.state, row.detail = FileState.CANCELLED, ""

    def _insert_queued(self, queued: list[FileQueued]) -> None:
        """Number the rows the window sent (in the order it sent them); a file the
        engine already had drops its duplicate row; rows for files the window did
        not send itself (a resume of interrupted uploads) are added."""
        new: dict[int, FileQueued] = {}
        duplicates = []
        renamed = []  # rows sent to a project typed for them, not their folder's
        for event in queued:
            waiting = self._awaiting.get(event.path)
            if event.task in self._by_task:
                if waiting:
                    duplicates.append(waiting.popleft())
                continue
            if waiting:
                i = waiting.popleft()
                self.rows[i].task = event.task
                self._by_task[event.task] = i
                if self.rows[i].project != event.project:  # a name typed for it (send's title)
                    self.rows[i].project = event.project
                    renamed.append(i)
            elif event.task not in new:
                new[event.task] = event
        if duplicates:
            self.remove_rows(duplicates)
        if renamed and not self._count_projects() and self._projects:
            for i in renamed:
                self.dataChanged.emit(self.index(i, self.NAME), self.index(i, self.NAME))
        if new:
            self._append([
                (Row(e.path, e.rel_path, e.project, e.size, e.task, FileState.QUEUED), e.dest)
                for e in new.values()
            ])  # fmt: skip

    def add_failed(self, records: Iterable[FileRecord]) -> int:
        """Rows for files that failed in an earlier run (the journal keeps them
        until the window clears them), with their reason; Retry sends them again."""
        rows = [
            (Row(r.source_path, r.rel_path, r.project, r.size, r.id, FileState.FAILED,
                 r.error or "", size_known=bool(r.mtime_ns)), r.dest)
            for r in records if r.id not in self._by_task
        ]  # fmt: skip
        if rows:
            self._append(rows)
        return len(rows)

    def _append(self, rows: list[tuple[Row, str]]) -> None:
        """Rows of engine tasks the window did not send itself (with their
        destinations, for their projects' titles)."""
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        for row, dest in rows:
            assert row.task is not None
            self._by_task[row.task] = len(self.rows)
            row.title = self.titles.get((dest, row.project), "")
            self.rows.append(row)
        self.endInsertRows()
        self._count_projects()

    def _not_queued(self, event: NotQueued) -> None:
        """The engine could not take them (the destination could not be opened)."""
        for path in event.paths:
            waiting = self._awaiting.get(path)
            if waiting:
                i = waiting.popleft()
                self.rows[i].state, self.rows[i].detail = FileState.FAILED, event.reason
                self._dirty.add(i)

    def remove_rows(self, indexes: list[int]) -> None:
        """Take rows out of the table (a duplicate, Clear finished), a run of
        neighbours at a time."""
        runs: list[list[int]] = []
        for i in sorted(set(indexes), reverse=True):
            if runs and runs[-1][0] == i + 1:
                runs[-1][0] = i
            else:
                runs.append([i, i])
        for first, last in runs:  # from the bottom up: indexes above stay valid
            self.beginRemoveRows(QModelIndex(), first, last)
            del self.rows[first : last + 1]
            self.endRemoveRows()
        self._reindex()

    def _reindex(self) -> None:
        self._by_task.clear()
        self._ready.clear()
        awaiting_rows = {id(self.rows[i]) for q in self._awaiting.values() for i in q
                         if i < len(self.rows)}  # fmt: skip
        self._awaiting.clear()
        for i, row in enumerate(self.rows):
            if row.task is not None:
                self._by_task[row.task] = i
            elif row.state is FileState.READY:
                self._ready[row.source] = i
            elif id(row) in awaiting_rows:
                self._awaiting.setdefault(row.source, deque()).append(i)
        self._dirty.clear()
        self._live.clear()
        self._count_projects()

    def _count_projects(self) -> bool:
        """Names say their project while the rows hold more than one: every name
        is told when that changes (returns whether it did)."""
        first = self.rows[0].project if self.rows else ""
        several = any(r.project != first for r in self.rows)
        if several == self._projects:
            return False
        self._projects = several
        if self.rows:
            top, bottom = self.index(0, self.NAME), self.index(len(self.rows) - 1, self.NAME)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])
        return True

    def clear_finished(self) -> list[int]:
        """Remove every finished row; returns their tasks (the engines forget them)."""
        gone = [i for i, r in enumerate(self.rows) if r.finished]
        tasks = [t for i in gone if (t := self.rows[i].task) is not None]
        self.remove_rows(gone)
        return tasks

    def set_thumb(self, task: int, image: QImage) -> None:
        self._thumb_at(self._by_task.get(task), image)

    def set_row_thumb(self, row: Row, image: QImage) -> None:
        """``row``'s thumbnail, if it is still in the list."""
        self._thumb_at(next((i for i, r in enumerate(self.rows) if r is row), None), image)

    def _thumb_at(self, i: int | None, image: QImage) -> None:
        if i is not None:
            self.rows[i].thumb = image
            index = self.index(i, self.THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def tick(self, now: float | None = None) -> None:
        """Update speeds and tell the views what changed (called a few times a second)."""
        now = time.monotonic() if now is None else now
        for i in list(self._live):
            row = self.rows[i]
            speed = row.meter.rate(now) if row.state in SHOWS_SPEED else 0.0
            if speed != row.speed:
                row.speed = speed
                self._dirty.add(i)
            if not speed and (row.finished or row.state not in SHOWS_SPEED):
                self._live.discard(i)
        if self._dirty:
            # Only the cells a file's progress changes (its name never does; its
            # thumbnail says so itself), of the runs of rows that changed: the view
            # repaints the rectangle each signal spans, and one span from the first
            # changed row to the last repainted every row between them.
            for top, bottom in _runs(sorted(self._dirty), most=SIGNAL_ROWS):
                self.dataChanged.emit(self.index(top, self.SIZE), self.index(bottom, self.ETA))
            self._dirty.clear()

    # -- questions the window asks --------------------------------------------------------

    def ready(self) -> list[Row]:
        return [r for r in self.rows if r.state is FileState.READY]

    def rows_of(self, tasks: list[int]) -> list[Row]:
        return [self.rows[self._by_task[t]] for t in tasks if t in self._by_task]

    def tasks(self, rows: list[int]) -> list[int]:
        return [t for i in rows if (t := self.rows[i].task) is not None]

    def totals(self, now: float | None = None) -> Totals:
        """The rows handed to the engine (READY rows are not counted), in numbers."""
        queued = [r for r in self.rows if r.state is not FileState.READY]
        return Totals.of(queued, self._meter, now)


def _runs(rows: list[int], gap: int = 4, most: int = SIGNAL_ROWS) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of at most ``most`` rows; rows
    fewer than ``gap`` apart share a run (a few rows repainted for nothing rather
    than a signal each)."""
    runs: list[tuple[int, int]] = []
    for i in rows:
        if runs and i - runs[-1][1] <= gap and i - runs[-1][0] < most:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
