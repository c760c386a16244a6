"""Painting a file's progress bar, and its state's words, in their table cells."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette, QTextLayout
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from lytsite_desktop.gui.upload.rows import WARNING, Role


class RowDelegate(QStyledItemDelegate):
    """A cell of a table chosen by rows: no frame of its own around the current
    cell (the selected row is highlighted whole). Drawn, the frame was a blank
    rounded box beside a portrait's thumbnail once the table took the focus."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        option.state &= ~QStyle.StateFlag.State_HasFocus
        super().paint(painter, option, index)


class ProgressDelegate(RowDelegate):
    """The platform's own progress bar, drawn (not a widget per row: 10,000 rows stay
    cheap); amber for a file published though its picture could not be read."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        bar_data = index.data(Role.BAR)  # one question: each is a call into Python
        if bar_data is None:
            super().paint(painter, option, index)
            return
        fraction, text, problem = bar_data
        bar = QStyleOptionProgressBar()
        rect = option.rect.adjusted(2, 3, -2, -3)
        height = min(rect.height(), max(18, option.fontMetrics.height() + 6))
        rect.setTop(rect.top() + (rect.height() - height) // 2)
        rect.setHeight(height)
        bar.rect = rect
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = round(1000 * max(0.0, min(1.0, float(fraction))))
        bar.text = text
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        if problem:
            bar.palette = QPalette(option.palette)
            bar.palette.setColor(QPalette.ColorRole.Highlight, WARNING)
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class StateDelegate(RowDelegate):
    """A file's state in as many whole lines as its cell holds, ending in "…" when
    there is more (its tooltip has it all): left to Qt, a long note ("published,
    but not a picture the app can read, though it is named .jpg") showed its third
    line cut in half."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option) + 1
        icon = option.decorationSize.width() + 2 * margin if not option.icon.isNull() else 0
        width = option.rect.width() - icon - 2 * margin - 4  # never wider than Qt's own
        option.text = fitted(option.text, option.font, width, option.rect.height() - 2)


def fitted(text: str, font: QFont, width: int, height: int) -> str:
    """``text`` as it is when its lines, ``width`` pixels wide, fit in ``height``;
    else its first words and "…", as many as the lines that fit whole hold."""
    if not text or width <= 0:
        return text
    room = max(1, height // QFontMetrics(font).lineSpacing())
    if _lines(text, font, width) <= room:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        shorter = " ".join(words).rstrip(",;:") + "…"
        if _lines(shorter, font, width) <= room:
            return shorter
    return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)


def _lines(text: str, font: QFont, width: int) -> int:
    """How many lines ``text`` takes, wrapped at ``width`` pixels."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    count = 0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        count += 1
    layout.endLayout()
    return count
