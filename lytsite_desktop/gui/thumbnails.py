"""Loading queue thumbnails from the preview cache, off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

#: Thumbnail height in the queue, in device-independent pixels.
ROW_THUMB = 40


class _Loaded(QObject):
    done = Signal(int, QImage)


class _Load(QRunnable):
    def __init__(self, task: int, path: str, size: int, out: _Loaded) -> None:
        super().__init__()
        self.task, self.path, self.size, self.out = task, path, size, out

    def run(self) -> None:
        reader = QImageReader(self.path)
        full = reader.size()
        if full.isValid() and full.height() > self.size:
            reader.setScaledSize(full.scaled(10_000, self.size, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if not image.isNull():
            self.out.done.emit(self.task, image)


class ThumbnailLoader(QObject):
    """``load(task, path)``; ``loaded(task, QImage)`` arrives on the GUI thread."""

    loaded = Signal(int, QImage)

    def __init__(self, size: int = ROW_THUMB, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._out = _Loaded(self)
        self._out.done.connect(self.loaded)

    def load(self, task: int, path: str) -> None:
        self._pool.start(_Load(task, path, self.size, self._out))
