"""The one limit on parts in flight, shared by every destination's engine.

Publishing to two buckets at once must not double the connections, the memory
or the load on a photographer's uplink: each unit that talks to a store (a part,
a small file, a completion, an abort) holds a slot while it runs.

Slots are handed out in the order they were asked for. A worker that ends a unit
asks again at the back of the line: with a plain semaphore it took its own slot
straight back before a waiting one woke, so one bucket's slow batch kept every
slot to itself, file after file, and another bucket's batch waited for all of it.
And a destination with nothing in flight always gets one unit going, beyond the
limit if it must: otherwise a second bucket waits until one of the first's units
ends, and on a slow link a part or a photo takes a minute.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Hashable

#: How often a worker waiting for a slot looks whether it should give up.
POLL = 0.2


class PartSlots:
    def __init__(self, size: int) -> None:
        self.size = size
        self._turns = threading.Condition()
        self._line: deque[object] = deque()  # who waits, the first to ask first
        self._held: Counter[Hashable] = Counter()  # by destination
        self.in_use = 0
        self.peak = 0  # the most ever held at once

    def acquire(self, give_up: Callable[[], bool], owner: Hashable = None) -> bool:
        """Wait for a slot for ``owner`` (a destination), in turn; False (and no slot)
        once ``give_up()`` says so."""
        me = object()
        with self._turns:
            self._line.append(me)
            try:
                while not self._may_go(me, owner):
                    self._turns.wait(POLL)
                    if give_up():
                        return False
                self.in_use += 1
                self._held[owner] += 1
                self.peak = max(self.peak, self.in_use)
                return True
            finally:
                self._line.remove(me)
                self._turns.notify_all()  # the next in line may go (or look again)

    def _may_go(self, me: object, owner: Hashable) -> bool:
        if not self._held[owner]:
            return True  # every destination keeps one unit going
        return self.in_use < self.size and self._line[0] is me

    def release(self, owner: Hashable = None) -> None:
        with self._turns:
            self.in_use -= 1
            self._held[owner] -= 1
            if not self._held[owner]:
                del self._held[owner]  # a closed engine is not kept alive here
            self._turns.notify_all()
