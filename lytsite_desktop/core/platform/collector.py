"""Python's cyclic garbage collector: paused while lasting objects are made, and
kept from stopping the window."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collector passes while the block makes many objects that all live on
    (the app's modules loading, botocore's S3 model): each pass would walk them
    again. The collector is left as it was found, so pauses may nest."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


#: A full pass's threshold that is never reached: such passes are the caller's.
_NEVER = 1 << 30


def full_pass() -> None:
    """Collect every generation, then set aside (freeze) what survived."""
    gc.collect()
    gc.freeze()


class IdleCollector:
    """Full passes of the cyclic collector only when the window can spare them.

    A full pass walks every object made since the last one, holding Python's
    lock while the window's event loop waits for it: after a 1,000-file publish
    some 54,000 objects (rows, tasks, previews' results), 30-40 ms on the
    project's machine, a few times a publish. Young passes (hundreds
    of objects, a few ms) stay automatic; the full pass runs from :meth:`tick`:
    once nothing has been uploading for ``idle_after`` seconds, and otherwise
    every ``busy_every`` seconds, so cyclic garbage that outlives the young
    passes cannot pile up. What survives a pass is set aside (frozen):
    the next pass walks only what came after. The price: a cycle frozen while
    alive is not collected when it dies later (the start-up heap is kept that
    way too).
    """

    def __init__(
        self,
        idle_after: float = 5.0,
        busy_every: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        walk: Callable[[], None] = full_pass,
    ) -> None:
        self.idle_after = idle_after
        self.busy_every = busy_every
        self._clock = clock
        self._walk = walk
        self._last_pass = self._idle_since = clock()
        self._clean = True  # nothing has run since the last pass
        self.passes = 0

    def start(self) -> None:
        """Set aside what is alive now (Qt, botocore's models, the modules) and take
        full passes out of the collector's own hands."""
        self.collect()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _NEVER)

    def tick(self, busy: bool) -> bool:
        """Called every so often with whether work is under way; True if it collected."""
        now = self._clock()
        if busy:
            self._clean = False
            self._idle_since = now
        settled = not self._clean and now - self._idle_since >= self.idle_after
        due = settled or now - self._last_pass >= self.busy_every
        if due:
            self.collect()
        return due

    def collect(self) -> None:
        self._walk()
        self._last_pass = self._clock()
        self._clean = True
        self.passes += 1
