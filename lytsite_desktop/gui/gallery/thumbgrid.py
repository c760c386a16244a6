"""The gallery's thumbnail grid for big projects: virtualised (only the visible rows
are painted, and only their thumbnails requested), with folder sections."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from lytsite_desktop.gui.gallery.thumbcache import ThumbCache

CELL = 160
GAP = 6
#: How a file left out of the client's page is drawn for the photographer.
HIDDEN_OPACITY = 0.35
MARGIN = 12
HEADER = 34


@dataclass(frozen=True)
class Tile:
    name: str
    thumb: str | None  # a local file, or None (no preview: the tile names the file type)
    hidden: bool = False  # left out of the client's page: drawn dimmed
    video: bool = False  # its thumbnail is a poster frame: drawn with a play mark


@dataclass(frozen=True)
class _Row:
    top: int
    height: int
    title: str | None  # a section header row, else a row of tiles
    first: int = 0  # index of its first tile
    count: int = 0


class ThumbGrid(QAbstractScrollArea):
    activated = Signal(int)  # a tile's index: open it in the lightbox
    menu_requested = Signal(int, QPoint)  # a tile's index, where (global): its context menu

    def __init__(self, thumbs: ThumbCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        thumbs.loaded.connect(self._thumb_loaded)
        self.setAccessibleName("Thumbnails")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalScrollBar().setSingleStep(CELL // 3)
        self._tiles: list[Tile] = []
        self._sections: list[tuple[str, int]] = []  # (title, tile count)
        self._rows: list[_Row] = []
        self._tops: list[int] = []
        self._columns = 1
        self.current = -1
        #: Tiles chosen with Ctrl-click or Shift-click (what "Remove" or "Hide" acts on).
        self.selected: set[int] = set()
        self._pressed = -1  # the tile a plain left press went down on

    def _thumb_loaded(self, _path: str) -> None:
        self.viewport().update()

    def set_sections(self, sections: list[tuple[str, list[Tile]]]) -> None:
        self._tiles = [t for _, tiles in sections for t in tiles]
        self._sections = [(title, len(tiles)) for title, tiles in sections]
        self.current = 0 if self._tiles else -1
        self.selected = set()
        self._relayout()

    def _relayout(self) -> None:
        width = self.viewport().width() - 2 * MARGIN
        self._columns = max(1, (width + GAP) // (CELL + GAP))
        rows: list[_Row] = []
        y, first = MARGIN, 0
        for title, count in self._sections:
            if title:
                rows.append(_Row(y, HEADER, title))
                y += HEADER
            for start in range(0, count, self._columns):
                n = min(self._columns, count - start)
                rows.append(_Row(y, CELL + GAP, None, first + start, n))
                y += CELL + GAP
            first += count
        self._rows, self._tops = rows, [r.top for r in rows]
        bar = self.verticalScrollBar()
        bar.setPageStep(self.viewport().height())
        bar.setRange(0, max(0, y + MARGIN - self.viewport().height()))
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def sizeHint(self) -> QSize:
        return QSize(5 * (CELL + GAP) + 2 * MARGIN, 4 * (CELL + GAP))

    def visible_range(self) -> range:
        """Indexes of the tiles on screen now."""
        rows = self._visible_rows()
        tiles = [r for r in rows if r.title is None]
        if not tiles:
            return range(0)
        return range(tiles[0].first, tiles[-1].first + tiles[-1].count)

    def _visible_rows(self) -> list[_Row]:
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        i = max(0, bisect.bisect_right(self._tops, top) - 1)
        out = []
        while i < len(self._rows) and self._rows[i].top < bottom:
            out.append(self._rows[i])
            i += 1
        return out

    def _tile_rect(self, row: _Row, k: int) -> QRect:
        offset = self.verticalScrollBar().value()
        return QRect(MARGIN + k * (CELL + GAP), row.top - offset, CELL, CELL)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        palette = self.palette()
        offset = self.verticalScrollBar().value()
        for row in self._visible_rows():
            if row.title is not None:
                painter.setPen(palette.placeholderText().color())
                font = painter.font()
                font.setBold(True)
                painter.setFont(font)
                rect = QRect(MARGIN, row.top - offset, self.viewport().width(), HEADER)
                painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter, row.title)
                font.setBold(False)
                painter.setFont(font)
                continue
            for k in range(row.count):
                index = row.first + k
                self._paint_tile(painter, self._tile_rect(row, k), self._tiles[index], index)
        painter.end()

    def _paint_tile(self, painter: QPainter, rect: QRect, tile: Tile, index: int) -> None:
        palette = self.palette()
        image = self.thumbs.get(tile.thumb) if tile.thumb else None
        painter.setOpacity(HIDDEN_OPACITY if tile.hidden else 1.0)
        if image is not None:  # cover the square, centred
            side = min(image.width(), image.height())
            source = QRectF((image.width() - side) / 2, (image.height() - side) / 2, side, side)
            painter.drawImage(QRectF(rect), image, source)
        else:
            painter.fillRect(rect, palette.alternateBase())
            if tile.thumb is None:  # else its thumbnail is on its way
                draw_no_picture(painter, rect, tile.name, palette)
        painter.setOpacity(1.0)
        if tile.video and image is not None:
            mark_video(painter, rect)
        if tile.hidden:
            mark_hidden(painter, rect)
        if index in self.selected:
            mark_selected(painter, rect, palette.highlight().color())
        if index == self.current and self.hasFocus():
            pen = painter.pen()
            pen.setColor(palette.highlight().color())
            pen.setWidth(3)
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))

    def index_at(self, x: int, y: int) -> int:
        y += self.verticalScrollBar().value()
        i = bisect.bisect_right(self._tops, y) - 1
        if i < 0:
            return -1
        row = self._rows[i]
        k = (x - MARGIN) // (CELL + GAP)
        inside = row.title is None and 0 <= k < row.count and y < row.top + CELL
        return row.first + k if inside and (x - MARGIN) % (CELL + GAP) < CELL else -1

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(int(event.position().x()), int(event.position().y()))
        if index < 0:
            return
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.selected ^= {index}
        elif mods & Qt.KeyboardModifier.ShiftModifier and self.current >= 0:
            low, high = sorted((self.current, index))
            self.selected |= set(range(low, high + 1))
        elif event.button() == Qt.MouseButton.LeftButton:
            self.selected = set()
            self._pressed = index  # a plain click opens it, on release
        self.current = index
        self.viewport().update()

    def select(self, indexes: set[int], *, show: bool = False) -> None:
        """Exactly these tiles selected (``show``: the first made current, scrolled to)."""
        self.selected = set(indexes)
        if show and self.selected:
            self.current = min(self.selected)
            self.ensure_visible(self.current)
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, self._pressed = self._pressed, -1
        index = self.index_at(int(event.position().x()), int(event.position().y()))
        if pressed >= 0 and index == pressed and event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(index)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.index_at(event.pos().x(), event.pos().y())
        if index >= 0:
            if index not in self.selected:
                self.selected = set()
            self.current = index
            self.viewport().update()
            self.menu_requested.emit(index, event.globalPos())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """The first click opened it already."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, n = Qt.Key(event.key()), len(self._tiles)
        moves = {
            Qt.Key.Key_Right: self.current + 1,
            Qt.Key.Key_Left: self.current - 1,
            Qt.Key.Key_Down: self.current + self._columns,
            Qt.Key.Key_Up: self.current - self._columns,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: n - 1,
        }
        if key in moves and n:
            self.current = max(0, min(n - 1, moves[key]))
            self.ensure_visible(self.current)
            self.viewport().update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.current >= 0:
            self.activated.emit(self.current)
        else:
            super().keyPressEvent(event)

    def ensure_visible(self, index: int) -> None:
        for row in self._rows:
            if row.title is None and row.first <= index < row.first + row.count:
                bar = self.verticalScrollBar()
                if row.top < bar.value():
                    bar.setValue(row.top - MARGIN)
                elif row.top + CELL > bar.value() + self.viewport().height():
                    bar.setValue(row.top + CELL + MARGIN - self.viewport().height())
                return


def draw_no_picture(painter: QPainter, rect: QRect, name: str, palette: QPalette) -> None:
    """A file with nothing to show (a ZIP, a damaged photo): its type in large
    letters and its name below, cut in the middle if it must be, as the client's
    page names such a file. A tile saying only "JPG" left the photographer to
    guess which file it was."""
    kind = name.rsplit(".", 1)[-1].upper() if "." in name else ""
    inner = rect.adjusted(8, 0, -8, 0)
    middle = inner.top() + inner.height() // 2
    font = painter.font()
    big = QFont(font)
    big.setPointSizeF(font.pointSizeF() * 1.4)
    big.setBold(True)
    painter.setFont(big)
    painter.setPen(palette.placeholderText().color())
    centre = Qt.AlignmentFlag.AlignHCenter
    above = QRect(inner.left(), inner.top(), inner.width(), middle - inner.top())
    painter.drawText(above, centre | Qt.AlignmentFlag.AlignBottom, kind)
    painter.setFont(font)
    painter.setPen(palette.text().color())
    shown = QFontMetrics(font).elidedText(name, Qt.TextElideMode.ElideMiddle, inner.width())
    below = QRect(inner.left(), middle + 4, inner.width(), inner.bottom() - middle - 4)
    painter.drawText(below, centre | Qt.AlignmentFlag.AlignTop, shown)


def mark_video(painter: QPainter, rect: QRect) -> None:
    """A play mark in the middle of a video's poster frame: a film, not a photo."""
    side = max(16, min(48, rect.height() // 3))
    centre = QRectF(rect).center()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 140))
    painter.drawEllipse(centre, side / 2, side / 2)
    painter.setBrush(Qt.GlobalColor.white)
    r = side / 5
    painter.drawPolygon(QPolygonF([QPointF(centre.x() - r * 0.8, centre.y() - r),
                                   QPointF(centre.x() - r * 0.8, centre.y() + r),
                                   QPointF(centre.x() + r * 1.2, centre.y())]))  # fmt: skip
    painter.restore()


def mark_hidden(painter: QPainter, rect: QRect) -> None:
    """A "Hidden" badge in the corner of a tile left out of the client's page."""
    badge = QRect(rect.left() + 6, rect.top() + 6, 58, 20)
    painter.fillRect(badge, Qt.GlobalColor.black)
    painter.setPen(Qt.GlobalColor.white)
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "Hidden")


def mark_selected(painter: QPainter, rect: QRect, color: QColor) -> None:
    fill = QColor(color)
    fill.setAlpha(70)
    painter.fillRect(rect, fill)
    pen = painter.pen()
    pen.setColor(color)
    pen.setWidth(4)
    painter.setPen(pen)
    painter.drawRect(rect.adjusted(2, 2, -2, -2))
