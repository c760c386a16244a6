"""The one limit on parts in flight, shared by every destination's engine.

Publishing to two buckets at once must not double the connections, the memory
or the load on a photographer's uplink: each unit that talks to a store (a part,
a small file, a completion, an abort) holds a slot while it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

#: How often a worker waiting for a slot looks whether it should give up.
POLL = 0.2


class PartSlots:
    def __init__(self, size: int) -> None:
        self.size = size
        self._sem = threading.Semaphore(size)
        self._lock = threading.Lock()
        self.in_use = 0
        self.peak = 0  # the most ever held at once

    def acquire(self, give_up: Callable[[], bool]) -> bool:
        """Wait for a free slot; False (and no slot) once ``give_up()`` says so."""
        while not self._sem.acquire(timeout=POLL):
            if give_up():
                return False
        with self._lock:
            self.in_use += 1
            self.peak = max(self.peak, self.in_use)
        return True

    def release(self) -> None:
        with self._lock:
            self.in_use -= 1
        self._sem.release()
