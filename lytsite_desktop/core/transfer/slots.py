"""The one limit on parts in flight, shared by every destination's engine.

Publishing to two buckets at once must not double the connections, the memory
or the load on a photographer's uplink: each unit that talks to a store (a part,
a small file, a completion, an abort) holds a slot while it runs.

Slots are handed out in the order they were asked for. A worker that ends a unit
asks again at the back of the line: with a plain semaphore it took its own slot
straight back before a waiting one woke, so one bucket's slow batch kept every
slot to itself, file after file, and another bucket's batch waited for all of it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

#: How often a worker waiting for a slot looks whether it should give up.
POLL = 0.2


class PartSlots:
    def __init__(self, size: int) -> None:
        self.size = size
        self._turns = threading.Condition()
        self._line: deque[object] = deque()  # who waits, the first to ask first
        self.in_use = 0
        self.peak = 0  # the most ever held at once

    def acquire(self, give_up: Callable[[], bool]) -> bool:
        """Wait for a free slot, in turn; False (and no slot) once ``give_up()`` says so."""
        me = object()
        with self._turns:
            self._line.append(me)
            try:
                while self.in_use >= self.size or self._line[0] is not me:
                    self._turns.wait(POLL)
                    if give_up():
                        return False
                self.in_use += 1
                self.peak = max(self.peak, self.in_use)
                return True
            finally:
                self._line.remove(me)
                self._turns.notify_all()  # the next in line may go (or look again)

    def release(self) -> None:
        with self._turns:
            self.in_use -= 1
            self._turns.notify_all()
