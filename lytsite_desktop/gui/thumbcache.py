"""The gallery's images: decoded off the GUI thread, most recently requested first,
kept in a memory cache with a byte budget."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

#: Decoded images kept in memory. A 480 px thumbnail is ~0.6 MiB as pixels, an
#: 1800 px preview ~8 MiB.
DEFAULT_BUDGET = 160 * 1024 * 1024
#: Requests waiting for a decoder beyond this are forgotten, oldest first: they
#: scrolled past long ago, and are asked for again if they come back on screen.
MAX_WAITING = 400
#: Decoder threads (the machine may have two cores; the window needs one).
DECODERS = 2


def read_image(path: str, longest: int) -> QImage:
    """Decode ``path``, scaled down (while decoding) to ``longest`` px on its long
    edge when larger; 0 keeps its size. A null image when unreadable."""
    reader = QImageReader(path)
    size = reader.size()
    if longest and size.isValid() and max(size.width(), size.height()) > longest:
        box = QSize(longest, longest)
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class _Mailbox(QObject):
    """Lives on the GUI thread: a decoder's emit arrives there, queued."""

    decoded = Signal(str, QImage)


class ThumbCache(QObject):
    """``get(path)`` answers from memory at once, or asks for a decode and returns
    None; ``loaded(path)`` says when it is there (or worth asking for again).
    Waiting requests form a stack: what is on screen now (asked last) is decoded
    before what scrolled past."""

    loaded = Signal(str)

    def __init__(
        self,
        budget: int = DEFAULT_BUDGET,
        *,
        longest: int = 0,
        decode: Callable[[str, int], QImage] = read_image,
        decoders: int = DECODERS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.budget, self.longest, self._decode = budget, longest, decode
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._cond = threading.Condition()
        self._waiting: OrderedDict[str, None] = OrderedDict()  # newest last (guarded)
        self._asked: set[str] = set()  # waiting or being decoded (GUI thread only)
        self.unreadable: set[str] = set()  # not asked for again
        self._closed = False
        self.requested: list[str] = []  # every decode asked for, in order (tests, benchmarks)
        self._mailbox = _Mailbox(self)
        self._mailbox.decoded.connect(self._decoded)
        self._decoders = decoders
        self._threads: list[threading.Thread] = []  # started by the first request

    def get(self, path: str) -> QImage | None:
        image = self._images.get(path)
        if image is not None:
            self._images.move_to_end(path)
            return image
        with self._cond:
            if path in self._waiting:  # asked again: it goes back on top
                self._waiting.move_to_end(path)
            elif path not in self._asked and path not in self.unreadable:
                self._asked.add(path)
                self.requested.append(path)
                self._waiting[path] = None
                if not self._threads:
                    self._start()
                while len(self._waiting) > MAX_WAITING:
                    old, _ = self._waiting.popitem(last=False)
                    self._asked.discard(old)
                self._cond.notify()
        return None

    def _start(self) -> None:
        self._threads = [
            threading.Thread(target=self._work, name=f"gallery-decode-{i}", daemon=True)
            for i in range(self._decoders)
        ]
        for t in self._threads:
            t.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                path, _ = self._waiting.popitem(last=True)  # the newest request
            self._mailbox.decoded.emit(path, self._decode(path, self.longest))

    def _decoded(self, path: str, image: QImage) -> None:
        self._asked.discard(path)
        if image.isNull():
            self.unreadable.add(path)
            return
        self._images[path] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self.budget and len(self._images) > 1:
            _, old = self._images.popitem(last=False)
            self._bytes -= old.sizeInBytes()
        self.loaded.emit(path)

    @property
    def used_bytes(self) -> int:
        return self._bytes

    @property
    def busy(self) -> bool:
        """Decodes asked for and not yet arrived (tests, benchmarks)."""
        return bool(self._asked)

    def retry(self, paths: list[str]) -> None:
        """These files have just arrived (a rebuild fetched them): ask again, and
        say so through ``loaded``, so what shows them repaints."""
        for path in paths:
            self.unreadable.discard(path)
            self.loaded.emit(path)

    def forget(self) -> None:
        """Drop the waiting requests (another project is opened)."""
        with self._cond:
            for path in self._waiting:
                self._asked.discard(path)
            self._waiting.clear()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._waiting.clear()
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout=10)
