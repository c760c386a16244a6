"""The GUI's one way to do slow work (the keyring, the network, the disk, decoding
images) off its thread.

``run(work, done=..., failed=...)`` runs ``work()`` on a worker thread; then
exactly one of ``done(result)`` or ``failed(exception)`` runs on the GUI thread,
so a dialog never stays busy. ``post(fn, value)`` hands a value to the GUI thread
from a worker (progress). Core events are not this: they cross through
:class:`~lytsite_desktop.gui.bridge.EventBridge`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")

#: At most this often, a worker's progress reaches the window (seconds).
PROGRESS_EVERY = 0.1


class Throttle:
    """Calls ``fn`` at most every PROGRESS_EVERY seconds, and always for the last."""

    def __init__(self, fn: Callable[[object], None]) -> None:
        self.fn, self.last = fn, 0.0

    def __call__(self, value: object, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.fn(value)


class Batched(QObject, Generic[T]):
    """Values handed in on the GUI thread, passed on in lists: the first at once,
    those that follow within ``interval`` seconds together at its end. A stream of
    answers (images arriving) reaches the window without delay and without one
    repaint each."""

    def __init__(
        self,
        fn: Callable[[list[T]], None],
        interval: float = PROGRESS_EVERY,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fn = fn
        self._pending: list[T] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(round(interval * 1000))
        self._timer.timeout.connect(self.flush)

    def add(self, value: T) -> None:
        self._pending.append(value)
        if not self._timer.isActive():
            self.flush()
            self._timer.start()

    def flush(self) -> None:
        """Pass on what waits now (before an answer that must come after it)."""
        if self._pending:
            batch, self._pending = self._pending, []
            self._fn(batch)


class Background(QObject):
    """A small pool of worker threads owned by one widget; ``shutdown()`` waits for
    them (before the owner goes away)."""

    _call = Signal(object, object)

    def __init__(self, parent: QObject | None = None, *, workers: int = 4) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gui-work")
        self._futures: set[Future[None]] = set()
        self._closed = False
        self._dropped = False  # closed without waiting: late answers go nowhere
        self._call.connect(self._deliver)

    @staticmethod
    def _deliver(fn: Callable[[Any], None], value: object) -> None:
        fn(value)

    def post(self, fn: Callable[[T], None], value: T) -> None:
        """Call ``fn(value)`` on the GUI thread (from any thread)."""
        if self._dropped:
            return
        try:
            self._call.emit(fn, value)
        except RuntimeError:  # the owner was deleted meanwhile: nobody to tell
            log.info("an answer arrived after its window was gone")

    def run(
        self,
        work: Callable[[], T],
        *,
        done: Callable[[T], None],
        failed: Callable[[Exception], None],
        name: str = "",
    ) -> None:
        """``work()`` on a worker thread, then ``done(result)`` or ``failed(exc)`` on
        the GUI thread."""
        if self._closed:
            return

        def job() -> None:
            try:
                result = work()
            except Exception as exc:
                log.exception("%s failed", name or getattr(work, "__name__", "background work"))
                self.post(failed, exc)
                return
            self.post(done, result)

        future = self._pool.submit(job)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def submit(self, work: Callable[[], None]) -> None:
        """Plain work that reports by itself (through ``post``), or not at all."""
        if not self._closed:
            self._pool.submit(work)

    @property
    def busy(self) -> bool:
        return bool(self._futures)

    def shutdown(self, wait: bool = True) -> None:
        """Start nothing new; wait for what runs (``wait``), or let it finish alone
        (a closed dialog must not wait on the network: its answer is dropped)."""
        self._closed = True
        self._dropped = not wait
        self._pool.shutdown(wait=wait, cancel_futures=True)
