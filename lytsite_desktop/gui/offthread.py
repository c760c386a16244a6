"""Slow work (the keyring, the network, the disk) in a thread, its answer handed to
the GUI thread through a queued signal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class OffThread(QObject):
    """``run(name, work, done)``: ``work()`` runs in a thread; ``done(answer)`` then
    runs on the GUI thread, always: an unexpected exception becomes ``failed(exc)``'s
    answer, so a dialog never stays busy. ``post(fn, arg)`` calls ``fn(arg)`` on the
    GUI thread from any thread (progress)."""

    _call = Signal(object, object)

    def __init__(self, parent: QObject, failed: Callable[[Exception], Any] = lambda exc: exc):
        super().__init__(parent)
        self._failed = failed
        self._threads: list[threading.Thread] = []
        self._call.connect(self._deliver)

    @staticmethod
    def _deliver(fn: Callable[[Any], None], arg: object) -> None:
        fn(arg)

    def post(self, fn: Callable[[Any], None], arg: object) -> None:
        self._call.emit(fn, arg)

    def run(self, name: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def target() -> None:
            try:
                answer = work()
            except Exception as exc:
                log.exception("%s failed", name)
                answer = self._failed(exc)
            try:
                self._call.emit(done, answer)
            except RuntimeError:  # the owner was deleted meanwhile: nobody to tell
                log.info("%s finished after its window was gone", name)

        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the running work (before the owner goes away)."""
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
