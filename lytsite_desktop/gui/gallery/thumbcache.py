"""The gallery's images: decoded off the GUI thread, most recently requested first,
kept in a memory cache with a byte budget."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from lytsite_desktop.gui.background import Background
from lytsite_desktop.gui.images import read_image

#: Decoded images kept in memory. A 480 px thumbnail is ~0.6 MiB as pixels, an
#: 1800 px preview ~8 MiB.
DEFAULT_BUDGET = 160 * 1024 * 1024
#: Requests waiting for a decoder beyond this are forgotten, oldest first: they
#: scrolled past long ago, and are asked for again if they come back on screen.
MAX_WAITING = 400
#: Decodes at once (the machine may have two cores; the window needs one).
DECODERS = 2
#: Images asked for that are not on this computer yet, newest kept (what is on
#: screen now: fetched from the bucket before the rest).
MAX_WANTED = 64


class _Mailbox(QObject):
    """Lives on the GUI thread: a decoder's emit arrives there, queued."""

    decoded = Signal(str, QImage)


class ThumbCache(QObject):
    """``get(path)`` answers from memory at once, or asks for a decode and returns
    None; ``loaded(path)`` says when it is there (or worth asking for again).
    Waiting requests form a stack: what is on screen now (asked last) is decoded
    before what scrolled past. Decodes run on a :class:`Background` pool of
    ``decoders`` threads, each taking the newest request until none is left."""

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
        self._renewed: set[str] = set()  # arrived again while being decoded (GUI thread)
        self.unreadable: set[str] = set()  # not asked for again
        self._wanted: OrderedDict[str, None] = OrderedDict()  # unreadable, newest last (guarded)
        self._closed = False
        self.requested: list[str] = []  # every decode asked for, in order (tests, benchmarks)
        self._mailbox = _Mailbox(self)
        self._mailbox.decoded.connect(self._decoded)
        self._decoders = decoders
        self._running = 0  # decode loops on the pool (guarded)
        self._pool = Background(self, workers=decoders)

    def get(self, path: str) -> QImage | None:
        image = self._images.get(path)
        if image is not None:
            self._images.move_to_end(path)
            return image
        start = False
        with self._cond:
            if path in self.unreadable:
                self._want(path)
            elif path in self._waiting:  # asked again: it goes back on top
                self._waiting.move_to_end(path)
            elif path not in self._asked:
                self._asked.add(path)
                self.requested.append(path)
                self._waiting[path] = None
                while len(self._waiting) > MAX_WAITING:
                    old, _ = self._waiting.popitem(last=False)
                    self._asked.discard(old)
                start = not self._closed and self._running < self._decoders
                if start:
                    self._running += 1
        if start:
            self._pool.submit(self._work)
        return None

    def _work(self) -> None:
        """One decode loop: the newest request, until none is waiting."""
        while True:
            with self._cond:
                if self._closed or not self._waiting:
                    self._running -= 1
                    return
                path, _ = self._waiting.popitem(last=True)  # the newest request
            image = self._decode(path, self.longest)
            try:
                self._mailbox.decoded.emit(path, image)
            except RuntimeError:  # the cache was deleted meanwhile
                return

    def _decoded(self, path: str, image: QImage) -> None:
        self._asked.discard(path)
        renewed = path in self._renewed
        self._renewed.discard(path)
        if image.isNull():
            if renewed:  # read before the file arrived: worth asking for again
                self.loaded.emit(path)
            else:
                self.unreadable.add(path)
                with self._cond:
                    self._want(path)
            return
        self._images[path] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self.budget and len(self._images) > 1:
            _, old = self._images.popitem(last=False)
            self._bytes -= old.sizeInBytes()
        self.loaded.emit(path)

    def _want(self, path: str) -> None:
        """(Lock held.) ``path`` was asked for and is not there: on screen now."""
        self._wanted[path] = None
        self._wanted.move_to_end(path)
        while len(self._wanted) > MAX_WANTED:
            self._wanted.popitem(last=False)

    def wanted(self) -> list[str]:
        """Images shown now that are not on this computer, the newest asked first
        (from any thread: a fetch from the bucket takes these before the rest)."""
        with self._cond:
            return list(reversed(self._wanted))

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
        with self._cond:
            for path in paths:
                self._wanted.pop(path, None)
        for path in paths:
            self.unreadable.discard(path)
            if path in self._asked:  # a decode of the old state may still answer
                self._renewed.add(path)
            self.loaded.emit(path)

    def forget(self) -> None:
        """Drop the waiting requests (another project is opened)."""
        with self._cond:
            self._wanted.clear()
            for path in self._waiting:
                self._asked.discard(path)
            self._waiting.clear()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._waiting.clear()
        self._pool.shutdown()
