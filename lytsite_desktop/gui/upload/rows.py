"""A file's row in the upload queue, and what each of its cells shows (words,
colour, sign, the progress bar's values) for each role Qt asks about."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap

from lytsite_desktop.core.ingest.scan import ScanItem
from lytsite_desktop.core.sizes import format_duration, format_rate, format_size
from lytsite_desktop.core.speed import SpeedMeter
from lytsite_desktop.core.states import FileState

THUMB, NAME, SIZE, STATE, PROGRESS, SPEED, ETA = COLUMNS = tuple(range(7))
HEADERS = ("", "Name", "Size", "State", "Progress", "Speed", "Time left")
WARNING = QColor("#b76e00")
FAILED = QColor("#c92a2a")
# Qt's roles as plain numbers: painting asks for them thousands of times a second.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class Role(IntEnum):
    #: The progress delegate's bar, in one question: (0..1, its words, a problem?);
    #: None: no bar.
    BAR = Qt.ItemDataRole.UserRole + 1
    PROBLEM = Qt.ItemDataRole.UserRole + 3  # failed, or a picture that could not be read


@dataclass
class Row:
    source: str
    rel_path: str
    project: str
    size: int
    task: int | None = None
    state: FileState = FileState.READY
    #: Why: a failure's reason, "no preview: ..." for a published file, a retry's cause.
    detail: str = ""
    damaged: bool = False
    bytes_done: int = 0
    sent: int = 0
    speed: float = 0.0  # bytes per second, of what this row sends
    meter: SpeedMeter = field(default_factory=SpeedMeter)
    thumb: QImage | None = None  # the original's (thumbs.py), then the preview's; off-thread
    thumb_asked: bool = False  # a view has shown the row: its thumbnail is asked for
    title: str = ""  # its project's: typed, the dropped folder's name, or the gallery's
    size_known: bool = True  # False: gone before it could be read (listed again later)

    @property
    def finished(self) -> bool:
        return self.state.final

    @property
    def problem(self) -> bool:
        return self.state is FileState.FAILED or (
            self.state is FileState.PUBLISHED and self.damaged
        )

    def item(self) -> ScanItem:
        return ScanItem(self.source, self.rel_path, self.project, size=self.size, title=self.title)


def cell(
    row: Row, col: int, role: int, signs: dict[str, QPixmap], *, projects: bool = False
) -> Any:
    """What the cell ``col`` of ``row`` shows for ``role``, Qt's or :class:`Role`
    (None: nothing). ``signs``: the state column's small pictures, by name;
    ``projects``: the queue holds files of several projects, so a name says whose."""
    if role == _DISPLAY:
        return name(row, projects) if col == NAME else _text(row, col)
    if role == _DECORATION:
        if col == THUMB:
            return row.thumb
        return _sign(row, signs) if col == STATE else None
    if role == _FOREGROUND:
        if col == STATE and row.problem:
            return WARNING if row.state is FileState.PUBLISHED else FAILED
        return None
    if role == _ALIGNMENT:
        return _RIGHT if col in (SIZE, SPEED, ETA) else None
    if role == _TOOLTIP:
        return f"{name(row, projects)}\n{row.detail}" if row.detail else name(row, projects)
    if role == Role.BAR:
        if row.state in (FileState.FAILED, FileState.CANCELLED, FileState.READY):
            return None  # no bar: nothing has moved, or the state column says why
        share = row.bytes_done / row.size if row.size else (1.0 if row.finished else 0.0)
        return share, _text(row, PROGRESS), row.problem
    if role == Role.PROBLEM:
        return row.problem
    return None


def _sign(row: Row, signs: dict[str, QPixmap]) -> QPixmap | None:
    """A small sign (a pixmap: an icon would be drawn at the thumbnails' size)."""
    if row.state is FileState.FAILED:
        return signs["failed"]
    if row.state is FileState.PUBLISHED:
        return signs["warning" if row.damaged else "published"]
    return None


def name(row: Row, projects: bool) -> str:
    """The file's path in its folder; with its project's title after it when the
    queue holds several (after a Resume, two projects' "first-dance.mp4" looked
    alike). The name comes first: a narrow column cuts the project off first."""
    if not projects:
        return row.rel_path
    return f"{row.rel_path} \N{MIDDLE DOT} {row.title or row.project}"


def _text(row: Row, col: int) -> str:
    if col == SIZE:
        return format_size(row.size) if row.size_known else ""
    if col == STATE:
        return state_text(row)
    if col == PROGRESS:
        if row.state in (FileState.FAILED, FileState.CANCELLED, FileState.READY):
            return ""
        if not row.size:
            return ""
        return f"{100 * row.bytes_done / row.size:.0f}%"
    active = row.speed > 0 and not row.finished
    if col == SPEED:
        return format_rate(row.speed) if active else ""
    if col == ETA:
        left = row.meter.eta(row.size - row.bytes_done)
        return format_duration(left) if active and left is not None else ""
    return ""


def state_text(row: Row) -> str:
    why = row.detail.removeprefix("no preview: ")
    if row.state is FileState.PUBLISHED and row.damaged:
        return f"published, but {why}"
    if row.state is FileState.PUBLISHED and row.detail:
        return f"published without preview: {why}"
    if row.state in (FileState.FAILED, FileState.RETRYING) and row.detail:
        return f"{row.state.label}: {row.detail}"  # why: a full disk, a busy service
    return row.state.label
