"""Painting a file's progress bar in its table cell."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from lytsite_desktop.gui.upload.queue_model import WARNING, Role


class ProgressDelegate(QStyledItemDelegate):
    """The platform's own progress bar, drawn (not a widget per row: 10,000 rows stay
    cheap); amber for a file published though its picture could not be read."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        fraction = index.data(Role.PROGRESS)
        if fraction is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        rect = option.rect.adjusted(2, 3, -2, -3)
        height = min(rect.height(), max(18, option.fontMetrics.height() + 6))
        rect.setTop(rect.top() + (rect.height() - height) // 2)
        rect.setHeight(height)
        bar.rect = rect
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = round(1000 * max(0.0, min(1.0, float(fraction))))
        bar.text = index.data() or ""
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        if index.data(Role.PROBLEM):
            bar.palette = QPalette(option.palette)
            bar.palette.setColor(QPalette.ColorRole.Highlight, WARNING)
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
