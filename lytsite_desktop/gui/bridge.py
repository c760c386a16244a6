"""The one place where core events cross into the GUI thread.

Core subscribers are called on worker threads. The bridge only appends to a
list there, and asks (with a queued signal) for one flush on the GUI thread a
short while later: however many events arrive, the window handles them a few
times a second, in batches, never one by one.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from lytsite_desktop.core.events import Event

#: Longest wait between an event and the window showing it, in milliseconds.
FLUSH_MS = 200


class EventBridge(QObject):
    """Subscribe it to the core (``session.subscribe(bridge)``); connect to ``events``."""

    events = Signal(list)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: list[Event] = []
        self._scheduled = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)
        self._wake.connect(self._timer.start, Qt.ConnectionType.QueuedConnection)

    def __call__(self, event: Event) -> None:
        """Any thread: keep the event, schedule one flush."""
        with self._lock:
            self._pending.append(event)
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    def flush(self) -> None:
        """GUI thread: hand over everything that arrived, in order."""
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        if batch:
            self.events.emit(batch)
