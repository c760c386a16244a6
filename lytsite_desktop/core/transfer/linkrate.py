"""How fast bytes have lately reached the store, and whether the link failed lately.

It decides how big a file may go up in one PUT. Below the settings' cutoff
(32 MiB) a file always does; above it, a file goes up in parts, whose
completion costs the store a step (some assemble the object by copying it) and
the link two more round trips, and whose gain is that an interruption costs
only the parts in flight. On a fast, clean link a bigger file is sent whole as
long as sending it again would take at most a few seconds at the rate seen
(``TransferSettings.one_put_seconds``): what an interruption can cost is bounded
in time, not in bytes (the 32 MiB cutoff costs 13 s at 20 Mbit/s, 0.3 s at
1 Gbit/s). A link that failed lately, an idle one and one not yet measured keep
the cutoff.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

#: A file sent whole is at most this many times the cutoff (256 MiB at 32 MiB).
ONE_PUT_GROWTH = 8
#: The rate is measured over the last this many seconds.
WINDOW = 5.0
#: Arrivals are summed over steps this long (a fast link hands over bytes
#: thousands of times a second).
STEP = 0.1
#: After a transient failure (a reset, a 5xx, a timeout), the cutoff holds for
#: this long.
QUIET_AFTER_FAULT = 60.0


class LinkMeter:
    """Bytes that reached the store, by time; the caller serialises the calls (the
    engine's lock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._steps: deque[list[float]] = deque()  # [start, bytes]
        self._bytes = 0.0
        self._fault_at: float | None = None

    def arrived(self, n: int) -> None:
        now = self._clock()
        if self._steps and now - self._steps[-1][0] < STEP:
            self._steps[-1][1] += n
        else:
            self._steps.append([now, float(n)])
        self._bytes += n
        self._trim(now)

    def faulted(self) -> None:
        self._fault_at = self._clock()

    def rate(self) -> float | None:
        """Bytes per second over the window, or None without enough to go on (less
        than a step's worth of time)."""
        now = self._clock()
        self._trim(now)
        if not self._steps:
            return None
        span = now - self._steps[0][0]
        return self._bytes / span if span >= STEP else None

    def one_put_limit(self, cutoff: int, seconds: float) -> int:
        """Files below this size go up in one PUT: ``cutoff`` unless the link is
        fast and clean, then what it sends in ``seconds`` (at most
        :data:`ONE_PUT_GROWTH` times ``cutoff``). It takes at least ``cutoff``
        bytes seen in the window to be believed."""
        now = self._clock()
        if self._fault_at is not None and now - self._fault_at < QUIET_AFTER_FAULT:
            return cutoff
        rate = self.rate()
        if rate is None or self._bytes < cutoff:
            return cutoff
        return int(min(cutoff * ONE_PUT_GROWTH, max(cutoff, rate * seconds)))

    def _trim(self, now: float) -> None:
        while self._steps and now - self._steps[0][0] > WINDOW:
            self._bytes -= self._steps.popleft()[1]
