"""A token bucket shared by every upload: the global bandwidth limit."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Hands out bytes at ``rate`` per second; ``rate=None`` (or 0) means unlimited.

    ``consume`` blocks the calling worker thread until its bytes are allowed. The
    rate can be changed while uploads run.
    """

    def __init__(self, rate: float | None, burst: float | None = None) -> None:
        self._lock = threading.Lock()
        self._rate = rate or None
        self._burst = burst
        self._tokens = self._capacity()
        self._stamp = time.monotonic()

    def _capacity(self) -> float:
        if self._rate is None:
            return 0.0
        return self._burst if self._burst is not None else max(self._rate / 4, 64 * 1024)

    @property
    def rate(self) -> float | None:
        return self._rate

    def set_rate(self, rate: float | None) -> None:
        with self._lock:
            self._rate = rate or None
            self._tokens = min(self._tokens, self._capacity())

    def consume(self, n: int, should_stop: object = None) -> None:
        """Block until ``n`` bytes may be sent. ``should_stop()`` is polled while waiting."""
        while True:
            with self._lock:
                if self._rate is None:
                    return
                now = time.monotonic()
                self._tokens = min(
                    self._capacity(), self._tokens + (now - self._stamp) * self._rate
                )
                self._stamp = now
                if self._tokens >= n or self._tokens >= self._capacity():
                    self._tokens -= n  # may go negative: big reads pay it back later
                    return
                wait = (min(n, self._capacity()) - self._tokens) / self._rate
            if callable(should_stop) and should_stop():
                return
            time.sleep(min(wait, 0.1))
