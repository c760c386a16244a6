"""Speed and time left: one way of measuring them, for the terminal and the window.

A speed is measured from the bytes *sent* (what crossed the wire in this run,
as :class:`~lytsite_desktop.core.events.Progress` ``sent`` counts it), never from
how much of a file is in the store: a resumed file whose parts were already
there jumps from 0 to 60 % at once, and that is no speed at all. It is the
average over the last few seconds, so it follows a change of pace quickly and
a bandwidth limit reads as that limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

#: Seconds of history a speed is measured over.
WINDOW = 5.0
#: Below this much history a speed is not worth showing yet (the first moments of
#: a transfer fill buffers, and read faster than anything leaves).
MIN_SPAN = 2.0


class SpeedMeter:
    """Feed it a counter that only grows (bytes sent); ask for bytes per second."""

    def __init__(self, window: float = WINDOW, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()  # the terminal draws on a thread of its own

    def update(self, sent: int, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        with self._lock:
            if self._samples and (sent < self._samples[-1][1] or sent == self._samples[0][1]):
                # A new counter (the run started again), or nothing sent in all the
                # history kept: the speed is measured from now. Seconds of waiting
                # before a first byte (or after a stall had read as none) would
                # otherwise count as a slow link.
                self._samples.clear()
            self._samples.append((now, sent))
            while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
                self._samples.popleft()

    def rate(self, now: float | None = None) -> float:
        """Bytes per second over the last window; 0 when unknown or idle. What was
        sent before the window counts for nothing: a link that went dead reads 0
        once a window has passed, whether or not anything asks in between."""
        now = self._clock() if now is None else now
        with self._lock:
            if not self._samples:
                return 0.0
            first_t, last = self._samples[0][0], self._samples[-1][1]
            if now - first_t < MIN_SPAN:
                return 0.0
            start = now - self.window
            before = self._samples[0][1]  # bytes sent by the window's start
            for t, sent in self._samples:
                if t > start:
                    break
                before = sent
        span = min(self.window, now - first_t)
        return max(0.0, (last - before) / span)

    def eta(self, remaining: int, now: float | None = None) -> float | None:
        """Seconds left for ``remaining`` bytes at the current speed (None: unknown)."""
        speed = self.rate(now)
        if remaining <= 0:
            return 0.0
        return remaining / speed if speed > 0 else None

    def reset(self) -> None:
        with self._lock:
            self._samples.clear()
