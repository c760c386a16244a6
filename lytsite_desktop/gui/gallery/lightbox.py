"""The gallery's lightbox: one file's preview over the whole gallery, with its
caption and its original to download.

Keys: Left/Right the previous/next file, Home/End the first/last, F fit to the
window, 1 the preview at 100 %, Esc back to the gallery.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from lytsite_desktop.core.gallery.layout import camera_summary, download_label
from lytsite_desktop.core.gallery.projects import GalleryItem
from lytsite_desktop.gui.gallery.thumbcache import ThumbCache

#: What the lightbox says of a preview not fetched yet.
AWAY = "This preview is not on this computer yet"


class _Canvas(QWidget):
    """The image: scaled to fit, or at its own size (scrolled)."""

    def __init__(self, lightbox: Lightbox) -> None:
        super().__init__()
        self.lightbox = lightbox

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        image = self.lightbox.image()
        stand_in = self.lightbox.stand_in() if image is None else None
        item = self.lightbox.item
        if image is None and stand_in is None:
            painter.setPen(self.palette().placeholderText().color())
            if item is not None and item.full is None:
                text = "No preview of this file"
            elif item is not None and str(item.full) in self.lightbox.cache.unreadable:
                text = f"{AWAY} (it comes with the network)"
            else:
                text = "Loading…"
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
        elif image is not None:
            size = image.size()
            if self.lightbox.fit:
                size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
                if size.width() > image.width():  # never enlarged past the preview
                    size = image.size()
            self._draw(painter, image, size)
        elif stand_in is not None and item is not None:
            # The thumbnail, enlarged to the preview's size, while the preview is away.
            rendition = item.entry.preview
            size = stand_in.size()
            if rendition is not None:
                size = size.scaled(
                    rendition.width, rendition.height, Qt.AspectRatioMode.KeepAspectRatio
                )
            size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio).boundedTo(size)
            self._draw(painter, stand_in, size)
            painter.setPen(self.palette().placeholderText().color())
            note = QRectF(0, self.height() - 24, self.width(), 24)
            painter.drawText(note, Qt.AlignmentFlag.AlignCenter, f"{AWAY}: its thumbnail, enlarged")
        painter.end()

    def _draw(self, painter: QPainter, image: QImage, size: QSize) -> None:
        x = max(0, (self.width() - size.width()) / 2)
        y = max(0, (self.height() - size.height()) / 2)
        painter.drawImage(QRectF(x, y, size.width(), size.height()), image)


class Lightbox(QWidget):
    closed = Signal()
    #: The original of the file at this index is asked for.
    download = Signal(int)
    #: The video at this index is to be played.
    play = Signal(int)
    #: The file shown changed (its index).
    moved = Signal(int)

    def __init__(self, cache: ThumbCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cache = cache
        cache.loaded.connect(self._loaded)
        self.items: list[GalleryItem] = []
        self.index = -1
        self.fit = True
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Photo viewer")

        self.canvas = _Canvas(self)
        self.viewer = QScrollArea()
        self.viewer.setFrameShape(QScrollArea.Shape.NoFrame)
        self.viewer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.viewer.setWidget(self.canvas)
        self.viewer.setWidgetResizable(True)
        self.viewer.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.name = QLabel()
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.camera = QLabel()
        self.camera.setTextFormat(Qt.TextFormat.PlainText)
        self.counter = QLabel()
        self.download_button = self._button("Download original", self._download)
        self.play_button = self._button("▶ Play video", self._play)
        self.play_button.hide()
        self.download_note = QLabel()
        self.download_note.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        self.prev_button = self._button("‹ Previous", lambda: self.go(self.index - 1))
        self.next_button = self._button("Next ›", lambda: self.go(self.index + 1))
        self.fit_button = self._button("100 %", lambda: self.set_fit(not self.fit))
        close = self._button("Close", self.close_box)
        close.setToolTip("Back to the gallery (Esc)")

        top = QHBoxLayout()
        top.addWidget(self.prev_button)
        top.addWidget(self.counter)
        top.addWidget(self.next_button)
        top.addStretch(1)
        top.addWidget(self.fit_button)
        top.addWidget(close)
        caption = QHBoxLayout()
        text = QVBoxLayout()
        text.addWidget(self.name)
        text.addWidget(self.camera)
        caption.addLayout(text, 1)
        caption.addWidget(self.download_note)
        caption.addWidget(self.progress)
        caption.addWidget(self.play_button)
        caption.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.viewer, 1)
        layout.addLayout(caption)

    def _button(self, text: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrows stay with the lightbox
        button.clicked.connect(slot)
        return button

    @property
    def item(self) -> GalleryItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def image(self) -> QImage | None:
        item = self.item
        return self.cache.get(str(item.full)) if item and item.full else None

    def stand_in(self) -> QImage | None:
        """The thumbnail, while the preview is not on this computer (on its way)."""
        item = self.item
        if item is None or item.full is None or item.thumb is None or item.thumb == item.full:
            return None
        if str(item.full) not in self.cache.unreadable:
            return None  # being decoded: a moment, not worth a blurred one
        return self.cache.get(str(item.thumb))

    def show_items(self, items: list[GalleryItem], index: int) -> None:
        self.items = items
        self.index = -1
        self.go(index)

    def go(self, index: int) -> None:
        if not self.items:
            return
        index = max(0, min(len(self.items) - 1, index))
        if index == self.index:
            return
        self.index = index
        entry = self.items[index].entry
        self.name.setText(entry.path)
        self.camera.setText(camera_summary(entry))
        self.counter.setText(f"{index + 1} / {len(self.items)}")
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self.items) - 1)
        self.play_button.setVisible(self.items[index].video is not None)
        self.download_button.setText(download_label(entry))
        self.download_button.setEnabled(bool(entry.originalKey))
        self.set_download_state("" if entry.originalKey else "The original is still uploading.")
        for near in (index - 1, index + 1):  # asked first, so decoded after this one
            if 0 <= near < len(self.items) and self.items[near].full is not None:
                self.cache.get(str(self.items[near].full))
        self._sync_canvas()
        self.moved.emit(index)

    def set_download_state(self, note: str, done: int = 0, total: int = 0) -> None:
        """What the download of the shown file is doing (the view reports it)."""
        self.download_note.setText(note)
        self.progress.setVisible(total > 0)
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))

    def set_fit(self, fit: bool) -> None:
        self.fit = fit
        self.fit_button.setText("100 %" if fit else "Fit")
        self._sync_canvas()

    def _sync_canvas(self) -> None:
        image = self.image()
        self.viewer.setWidgetResizable(self.fit or image is None)
        if not self.fit and image is not None:
            self.canvas.resize(image.size())
        self.canvas.update()

    def _loaded(self, path: str) -> None:
        item = self.item
        if item is not None and path in (str(item.full), str(item.thumb)):
            self._sync_canvas()

    def _download(self) -> None:
        if self.item is not None:
            self.download.emit(self.index)

    def _play(self) -> None:
        if self.item is not None and self.item.video is not None:
            self.play.emit(self.index)

    def close_box(self) -> None:
        self.closed.emit()

    def sizeHint(self) -> QSize:
        return QSize(900, 640)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        moves = {
            Qt.Key.Key_Left: self.index - 1,
            Qt.Key.Key_Right: self.index + 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: len(self.items) - 1,
        }
        if key in moves:
            self.go(moves[Qt.Key(key)])
        elif key == Qt.Key.Key_Escape:
            self.close_box()
        elif key == Qt.Key.Key_F:
            self.set_fit(True)
        elif key == Qt.Key.Key_1:
            self.set_fit(False)
        else:
            super().keyPressEvent(event)
