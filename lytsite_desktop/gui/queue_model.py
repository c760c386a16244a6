"""The upload queue as a table model: one row per file, fed by batches of core events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QImage

from lytsite_desktop.core.events import (
    Event,
    FileCancelled,
    FileDone,
    FileFailed,
    FileQueued,
    FileState,
    FileStateChanged,
    PreviewDone,
    Progress,
)
from lytsite_desktop.core.ingest.scan import ScanItem
from lytsite_desktop.core.sizes import format_duration, format_size

READY = "ready"  # scanned, not sent to the engine yet
FINISHED = {FileState.PUBLISHED.value, FileState.FAILED.value, FileState.CANCELLED.value}
STOPPED = {FileState.FAILED.value, FileState.CANCELLED.value}
ProgressRole = Qt.ItemDataRole.UserRole + 1  # 0..1 for the progress delegate
StateRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


@dataclass
class Row:
    source: str
    rel_path: str
    project: str
    size: int
    task: int | None = None
    state: str = READY
    #: Why: a failure's reason, "no preview: ..." for a published file, a retry's cause.
    detail: str = ""
    bytes_done: int = 0
    speed: float = 0.0  # bytes per second, smoothed
    thumb: QImage | None = None  # loaded from the preview cache, off the GUI thread
    _last: tuple[float, int] = field(default=(0.0, 0))

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def item(self) -> ScanItem:
        return ScanItem(self.source, self.rel_path, self.project, size=self.size)


class QueueModel(QAbstractTableModel):
    THUMB, NAME, SIZE, STATE, PROGRESS, SPEED, ETA = range(7)
    HEADERS = ("", "Name", "Size", "State", "Progress", "Speed", "Time left")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []
        self._by_source: dict[str, int] = {}
        self._by_task: dict[int, int] = {}
        self._dirty: set[int] = set()
        #: Rows whose speed may change (uploading now, or just stopped): a refresh
        #: looks at these only, not at 10,000 finished or waiting rows.
        self._live: set[int] = set()

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
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.DecorationRole and col == self.THUMB:
            return row.thumb
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.rel_path}\n{row.detail}" if row.detail else row.rel_path
        if role == ProgressRole:
            if row.state in STOPPED:  # no bar: the state column says why
                return None
            return row.bytes_done / row.size if row.size else (1.0 if row.finished else 0.0)
        if role == StateRole:
            return row.state
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.SIZE, self.SPEED, self.ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: Row, col: int) -> str:
        if col == self.NAME:
            return row.rel_path
        if col == self.SIZE:
            return format_size(row.size)
        if col == self.STATE:
            return state_text(row)
        if col == self.PROGRESS:
            if row.state in STOPPED or not row.size:
                return ""
            return f"{100 * row.bytes_done / row.size:.0f}%"
        active = row.state == FileState.UPLOADING.value and row.speed > 0
        if col == self.SPEED:
            return f"{format_size(row.speed)}/s" if active else ""
        if col == self.ETA:
            return format_duration((row.size - row.bytes_done) / row.speed) if active else ""
        return ""

    # -- feeding it -------------------------------------------------------------------------

    def add_scanned(self, items: list[ScanItem] | tuple[ScanItem, ...]) -> int:
        """Rows for dropped files (a file dropped twice stays one row)."""
        new = [i for i in items if i.source not in self._by_source]
        if not new:
            return 0
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for item in new:
            self._by_source[item.source] = len(self.rows)
            self.rows.append(Row(item.source, item.rel_path, item.project, item.size))
        self.endInsertRows()
        return len(new)

    def apply(self, events: list[Event]) -> None:
        """One batch of core events (from the bridge)."""
        queued = [e for e in events if isinstance(e, FileQueued)]
        self._insert_queued(queued)
        for event in events:
            task = getattr(event, "task", None)
            if task is None or task not in self._by_task:
                continue
            i = self._by_task[task]
            row = self.rows[i]
            self._dirty.add(i)
            if isinstance(event, FileQueued):
                row.state, row.detail, row.bytes_done, row.size = "queued", "", 0, event.size
            elif isinstance(event, Progress):
                row.bytes_done, row.size = event.bytes_done, event.size
                self._live.add(i)
            elif isinstance(event, FileStateChanged):
                if not row.finished:
                    row.state, row.detail = event.state, event.detail
                self._live.add(i)
            elif isinstance(event, FileDone):
                row.state, row.detail, row.bytes_done = (
                    FileState.PUBLISHED.value,
                    event.note,
                    row.size,
                )
            elif isinstance(event, FileFailed):
                row.state, row.detail = FileState.FAILED.value, event.reason
            elif isinstance(event, FileCancelled):
                row.state, row.detail = FileState.CANCELLED.value, ""
            elif isinstance(event, PreviewDone) and event.note and not row.finished:
                row.detail = event.note

    def set_thumb(self, task: int, image: QImage) -> None:
        i = self._by_task.get(task)
        if i is not None:
            self.rows[i].thumb = image
            index = self.index(i, self.THUMB)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _insert_queued(self, queued: list[FileQueued]) -> None:
        """Match queued files to their rows (by source path); add rows for files the
        window did not scan itself (a resume of interrupted uploads)."""
        new = []
        for event in queued:
            i = self._by_source.get(event.path)
            if i is None:
                new.append(event)
            else:
                self.rows[i].task = event.task
                self._by_task[event.task] = i
        if not new:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for event in new:
            self._by_source[event.path] = self._by_task[event.task] = len(self.rows)
            self.rows.append(Row(event.path, event.rel_path, event.project, event.size, event.task))
        self.endInsertRows()

    def tick(self, now: float | None = None) -> None:
        """Update speeds and tell the views what changed (called a few times a second)."""
        now = time.monotonic() if now is None else now
        for i in list(self._live):
            row = self.rows[i]
            last_t, last_b = row._last
            if row.state == FileState.UPLOADING.value:
                if last_t and now > last_t:
                    rate = max(0.0, (row.bytes_done - last_b) / (now - last_t))
                    row.speed = rate if not row.speed else 0.7 * row.speed + 0.3 * rate
                    self._dirty.add(i)
            else:
                self._live.discard(i)
                if row.speed:
                    row.speed = 0.0
                    self._dirty.add(i)
            row._last = (now, row.bytes_done)
        if self._dirty:
            top, bottom = min(self._dirty), max(self._dirty)
            self._dirty.clear()
            self.dataChanged.emit(self.index(top, 0), self.index(bottom, self.columnCount() - 1))

    # -- questions the window asks --------------------------------------------------------

    def ready(self) -> list[Row]:
        return [r for r in self.rows if r.state == READY]

    def rows_of(self, tasks: list[int]) -> list[Row]:
        return [self.rows[self._by_task[t]] for t in tasks if t in self._by_task]

    def tasks(self, rows: list[int]) -> list[int]:
        return [t for i in rows if (t := self.rows[i].task) is not None]

    def totals(self) -> dict[str, float]:
        queued = [r for r in self.rows if r.state != READY]
        return {
            "files": len(queued),
            "done": sum(1 for r in queued if r.finished),
            "failed": sum(1 for r in queued if r.state == FileState.FAILED.value),
            "bytes": sum(r.size for r in queued),
            "bytes_done": sum(r.bytes_done for r in queued),
            "speed": sum(r.speed for r in queued),
        }


def state_text(row: Row) -> str:
    if row.state == FileState.PUBLISHED.value and row.detail:
        return f"published without preview: {row.detail.removeprefix('no preview: ')}"
    if row.state == FileState.FAILED.value:
        return f"failed: {row.detail}" if row.detail else "failed"
    if row.state == READY:
        return "ready to publish"
    return row.state


class FailedOnly(QSortFilterProxyModel):
    """Shows every row, or only the failed ones."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.only_failed = False

    def set_only_failed(self, on: bool) -> None:
        self.only_failed = on
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if not self.only_failed:
            return True
        model = self.sourceModel()
        return model.index(source_row, 0, source_parent).data(StateRole) == FileState.FAILED.value
