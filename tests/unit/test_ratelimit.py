"""The shared bandwidth limit: a rate, changed while running, and "no limit"."""

from __future__ import annotations

import time

from lytsite_desktop.core.transfer.ratelimit import RateLimiter


def test_the_rate_is_kept_and_no_limit_never_waits():
    limiter = RateLimiter(1_000_000, burst=100_000)
    start = time.monotonic()
    for _ in range(4):
        limiter.consume(100_000)  # the burst, then three more at 1 MB/s
    assert 0.25 <= time.monotonic() - start < 1.0
    for off in (None, 0):  # 0 from a setting means no limit, never a division by zero
        limiter.set_rate(off)
        start = time.monotonic()
        limiter.consume(10**9)
        assert limiter.rate is None and time.monotonic() - start < 0.05
