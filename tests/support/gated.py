"""Engines without a network, in an order the test decides.

:class:`GatedDestination` is the real local destination (a folder laid out like a
bucket), except that each part and each small PUT waits at a gate until the test
lets it through: a test can hold parts "in the air", pause or cancel them, and
count how many are in flight at once. :class:`HeldLister` lists files like the
manifest writer, but says an entry is durable only when the test says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from lytsite_desktop.core.destinations.base import NO_HEADERS, Body, Checksum, Headers
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.publish.entry import ManifestEntry


class Gate:
    """Calls wait here until let through, one ``release()`` each (or all, opened)."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._tickets = 0
        self._open = False
        self.waiting = 0
        self.inside = 0  # past the gate and not returned yet
        self.peak = 0

    def enter(self) -> None:
        with self._cv:
            self.waiting += 1
            self._cv.notify_all()
            self._cv.wait_for(lambda: self._open or self._tickets > 0, timeout=30)
            if not self._open:
                self._tickets -= 1
            self.waiting -= 1
            self.inside += 1
            self.peak = max(self.peak, self.inside)

    def leave(self) -> None:
        with self._cv:
            self.inside -= 1
            self._cv.notify_all()

    def release(self, n: int = 1) -> None:
        with self._cv:
            self._tickets += n
            self._cv.notify_all()

    def open(self) -> None:
        with self._cv:
            self._open = True
            self._cv.notify_all()

    def wait_for_waiting(self, n: int, timeout: float = 10) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: self.waiting >= n, timeout)

    def wait_for_inside(self, n: int, timeout: float = 10) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: self.inside == n, timeout)


class GatedDestination(LocalDestination):
    def __init__(self, root: Path, gate: Gate) -> None:
        super().__init__(root)
        self.gate = gate
        self.aborted: list[str] = []
        self.parts_sent: list[tuple[str, int]] = []

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, checksum: Checksum
    ) -> str:
        self.gate.enter()
        try:
            etag = super().upload_part(key, upload_id, number, body, size, checksum)
            self.parts_sent.append((key, number))
            return etag
        finally:
            self.gate.leave()

    def put_object(
        self, key: str, body: Body, size: int, checksum: Checksum, content_type: str,
        metadata: dict[str, str], headers: Headers = NO_HEADERS,
    ) -> str:  # fmt: skip
        self.gate.enter()
        try:
            return super().put_object(key, body, size, checksum, content_type, metadata, headers)
        finally:
            self.gate.leave()

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.aborted.append(key)
        super().abort_multipart(key, upload_id)


class HeldLister:
    """Keeps entries in memory; ``durable`` callbacks wait for :meth:`make_durable`."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], ManifestEntry] = {}
        self._held: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def listed(self, project: str, path: str) -> ManifestEntry | None:
        return self.entries.get((project, path))

    def put(
        self, project: str, entry: ManifestEntry, durable: Callable[[], None] | None = None
    ) -> None:
        with self._lock:
            old = self.entries.get((project, entry.path))
            self.entries[(project, entry.path)] = entry.over(old)
            if durable is not None:
                self._held.append(durable)

    def unlist(self, project: str, path: str, file_id: str) -> None:
        with self._lock:
            entry = self.entries.get((project, path))
            if entry and entry.fileId == file_id and entry.originalKey is None:
                del self.entries[(project, path)]

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def make_durable(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        for fn in held:
            fn()
