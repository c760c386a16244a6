"""The gallery's small-project layouts, as widgets: one file as a single large
image, 2 to 6 in rows side by side at their own shapes (:class:`RowLayout`), 7 to
20 as a masonry (each file in the shortest column so far; a section of one or two
files as a row). Bigger projects use the virtualised ThumbGrid instead."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.gallery.layout import (
    MASONRY_COLUMNS,
    Layout,
    aspect_of,
    grid_rows,
    is_video,
    masonry_columns,
    row_height,
    section_layout,
)
from lytsite_desktop.core.gallery.projects import GalleryItem
from lytsite_desktop.gui.gallery.thumbcache import ThumbCache
from lytsite_desktop.gui.gallery.thumbgrid import (
    HIDDEN_OPACITY,
    draw_no_picture,
    mark_hidden,
    mark_selected,
    mark_video,
)

#: A row of the 2-6 layout is at most this share of the view's height.
ROW_SHARE = 0.8
SPACING = 8


class PhotoTile(QWidget):
    """One file: its whole image, or a tile naming its type."""

    activated = Signal(int)
    toggled = Signal(int)  # Ctrl-click: in or out of the selection
    extended = Signal(int)  # Shift-click: the selection grows to here
    menu_requested = Signal(int, QPoint)

    def __init__(
        self,
        item: GalleryItem,
        index: int,
        cache: ThumbCache,
        *,
        use_preview: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.item, self.index, self.cache = item, index, cache
        path = item.full if use_preview else (item.thumb or item.full)
        self.path = str(path) if path else None
        self.aspect = aspect_of(item.entry)
        self.max_height = 0  # 0: no limit (the single layout sets the viewport's height)
        self.selected = False
        cache.loaded.connect(self._loaded)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(item.entry.fileName)
        # Where it is, and why it has no preview (a damaged photo, a ZIP).
        note = item.entry.note
        self.setToolTip(f"{item.entry.path}\n{note}" if note else item.entry.path)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _loaded(self, path: str) -> None:
        if path == self.path:
            self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        height = int(width * self.aspect)
        return min(height, self.max_height) if self.max_height else height

    def sizeHint(self) -> QSize:
        return QSize(240, self.heightForWidth(240))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRectF(self.rect())
        image = self.cache.get(self.path) if self.path else None
        hidden = bool(self.item.entry.hidden)
        painter.setOpacity(HIDDEN_OPACITY if hidden else 1.0)
        if image is None:
            painter.fillRect(rect, self.palette().alternateBase())
            if self.path is None:  # else its picture is on its way
                draw_no_picture(painter, self.rect(), self.item.entry.fileName, self.palette())
        else:  # the whole image, centred
            size = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - size.width()) / 2
            painter.drawImage(QRectF(x, 0, size.width(), size.height()), image)
        painter.setOpacity(1.0)
        if image is not None and is_video(self.item.entry):
            mark_video(painter, self.rect())
        if hidden:
            mark_hidden(painter, self.rect())
        if self.selected:
            mark_selected(painter, self.rect(), self.palette().highlight().color())
        if self.hasFocus():
            pen = painter.pen()
            pen.setColor(self.palette().highlight().color())
            pen.setWidth(3)
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(1.5, 1.5, -1.5, -1.5))
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.toggled.emit(self.index)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.extended.emit(self.index)
        else:
            self.activated.emit(self.index)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.menu_requested.emit(self.index, event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.index)
        else:
            super().keyPressEvent(event)


def _masonry(tiles: list[PhotoTile]) -> QHBoxLayout:
    """Columns side by side, each tile in the shortest so far."""
    row = QHBoxLayout()
    row.setSpacing(SPACING)
    for picks in masonry_columns([t.aspect for t in tiles], MASONRY_COLUMNS):
        stack = QVBoxLayout()
        stack.setSpacing(SPACING)
        for i in picks:
            stack.addWidget(tiles[i])
        stack.addStretch(1)
        row.addLayout(stack, 1)
    return row


class FlowView(QScrollArea):
    """The single, grid and masonry layouts, section by section."""

    activated = Signal(int)
    menu_requested = Signal(int, QPoint)

    def __init__(self, cache: ThumbCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.tiles: list[PhotoTile] = []
        self.rows: list[RowLayout] = []  # the 2-6 layout's
        self.layout_kind = Layout.EMPTY
        #: Tiles chosen with Ctrl- or Shift-click (what "Remove" or "Hide" acts on).
        self.selected: set[int] = set()
        self._anchor = -1  # the last tile Ctrl-clicked: where a Shift-click range starts

    def select(self, indexes: set[int], *, show: bool = False) -> None:
        """Exactly these tiles selected (``show``: scrolled to the first)."""
        self.selected = set(indexes)
        for tile in self.tiles:
            if tile.selected != (tile.index in self.selected):
                tile.selected = not tile.selected
                tile.update()
        if show and self.selected:
            self.ensureWidgetVisible(self.tiles[min(self.selected)])

    def _toggle(self, index: int) -> None:
        self._anchor = index
        self.select(self.selected ^ {index})

    def _extend(self, index: int) -> None:
        low, high = sorted((self._anchor if self._anchor >= 0 else index, index))
        self.select(self.selected | set(range(low, high + 1)))

    def _menu(self, index: int, where: QPoint) -> None:
        if index not in self.selected:
            self.select(set())
        self.menu_requested.emit(index, where)

    def show_sections(self, layout: Layout, sections: list[tuple[str, list[GalleryItem]]]) -> None:
        self.layout_kind = layout
        self.tiles = []
        self.selected = set()
        self._anchor = -1
        content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(SPACING)
        self.rows = []
        index = 0
        for title, items in sections:
            if title:
                header = QLabel(title)
                header.setTextFormat(Qt.TextFormat.PlainText)  # a folder name is not markup
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                header.setAccessibleName(f"Section {title}")
                column.addWidget(header)
            kind = section_layout(layout, len(items))
            tiles = [self._tile(item, index + i, kind) for i, item in enumerate(items)]
            index += len(items)
            self.tiles.extend(tiles)
            if kind == Layout.GRID:
                start = 0
                for size in grid_rows(len(tiles)):
                    self.rows.append(RowLayout(tiles[start : start + size]))
                    column.addLayout(self.rows[-1])
                    start += size
            elif kind == Layout.MASONRY:
                column.addLayout(_masonry(tiles))
            else:
                for tile in tiles:
                    column.addWidget(tile)
        column.addStretch(1)
        old = self.takeWidget()
        self.setWidget(content)
        if old is not None:
            old.deleteLater()
        self._fit()

    def _tile(self, item: GalleryItem, index: int, layout: Layout) -> PhotoTile:
        tile = PhotoTile(
            item,
            index,
            self.cache,
            use_preview=layout in (Layout.SINGLE, Layout.GRID),
        )
        tile.activated.connect(self.activated)
        tile.toggled.connect(self._toggle)
        tile.extended.connect(self._extend)
        tile.menu_requested.connect(self._menu)
        return tile

    def _fit(self) -> None:
        """One file as tall as the view allows; a row of a few at most
        :data:`ROW_SHARE` of it."""
        height = self.viewport().height()
        if self.layout_kind == Layout.SINGLE:
            for tile in self.tiles:
                tile.max_height = max(200, height - 2 * SPACING)
                tile.updateGeometry()
        for row in self.rows:
            row.set_most(max(160, int(height * ROW_SHARE)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class RowLayout(QLayout):
    """Tiles side by side at their own shapes, all as high (:func:`row_height`):
    they fill the row's width unless that would make them taller than ``most``,
    then they stand centred at that height."""

    def __init__(self, tiles: list[PhotoTile]) -> None:
        super().__init__()
        self.setSpacing(SPACING)
        self.setContentsMargins(0, 0, 0, 0)
        self._items: list[QLayoutItem] = []
        self._widths: list[float] = []
        self._most = 10_000.0
        for tile in tiles:
            self.addWidget(tile)
            self._widths.append(1 / tile.aspect)

    def set_most(self, most: int) -> None:
        if most != self._most:
            self._most = float(most)
            self.invalidate()

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        del self._widths[index]
        return self._items.pop(index)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(row_height(self._widths, width, self.spacing(), self._most))

    def sizeHint(self) -> QSize:
        return QSize(int(sum(self._widths) * 200), 200)

    def minimumSize(self) -> QSize:
        return QSize(0, 0)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        height = row_height(self._widths, rect.width(), self.spacing(), self._most)
        used = sum(w * height for w in self._widths) + self.spacing() * (len(self._widths) - 1)
        x = rect.x() + max(0.0, (rect.width() - used) / 2)
        for item, share in zip(self._items, self._widths, strict=True):
            width = share * height
            item.setGeometry(QRect(round(x), rect.y(), round(width), round(height)))
            x += width + self.spacing()
