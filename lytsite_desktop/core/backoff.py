"""Waiting before asking again: exponential backoff with jitter, and one small
request (a manifest, the client's page, an asset) asked again a few times on
its own when a busy store refuses it (a 5xx, 429, SlowDown).

The files' own retries (``transfer/retry.py``) wait the same way, for longer.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from lytsite_desktop.core.errors import TransientError

T = TypeVar("T")

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.5
#: A small request is made this many times in all before its failure is the
#: caller's: one refusal among requests side by side (a page and its assets)
#: failed them all, and the caller's next try of the whole waited longer each time.
TRIES = 4
#: Seconds between a small request's tries, at most.
TRIES_CAP = 2.0


def backoff(attempt: int, cap: float) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (full jitter in the upper half)."""
    delay = min(cap, BACKOFF_BASE * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def tried(request: Callable[[], T], what: str, again: Callable[[], None] | None = None) -> T:
    """``request()``, made again when the store was busy, :data:`TRIES` times in
    all; the last one's failure is raised. A broken connection is asked again
    once (a kept connection the other side had closed), then raised: for a
    network that is down the caller waits its own way. ``what`` names it in the
    log; ``again()`` is called before each new try, after the pause (a key's
    pacing: R2 takes one write a second to one key)."""
    for attempt in range(1, TRIES):
        try:
            return request()
        except TransientError as exc:
            if exc.network and attempt > 1:
                raise
            log.info("%s asked again (%d): %s", what, attempt, exc)
            time.sleep(backoff(attempt, TRIES_CAP))
            if again is not None:
                again()
    return request()
