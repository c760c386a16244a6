"""Retrying transient failures: exponential backoff with jitter.

Network failures are retried for as long as it takes (the file shows "waiting for
network"); a server's errors (5xx, SlowDown) up to :data:`MAX_SERVER_RETRIES`
times; anything else fails the file at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from lytsite_desktop.core.errors import Interrupted, PermanentError, TransientError
from lytsite_desktop.core.states import FileState

T = TypeVar("T")

MAX_SERVER_RETRIES = 12
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (full jitter in the upper half)."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def retrying(
    fn: Callable[[], T],
    *,
    should_stop: Callable[[], bool],
    set_state: Callable[[FileState, str], None],
    recovered: Callable[[], None],
    sleep: Callable[[float], bool],
) -> T:
    """Run ``fn`` until it succeeds, retrying transient failures.

    ``should_stop()`` (a pause, a cancel, a stop) ends it with :class:`Interrupted`;
    ``set_state`` shows what it is doing, ``recovered()`` that it works again;
    ``sleep(seconds)`` waits and returns True when interrupted meanwhile.
    """
    attempt = 0
    while True:
        if should_stop():
            raise Interrupted()
        try:
            result = fn()
        except TransientError as exc:
            if should_stop():
                raise Interrupted() from exc  # a pause or cancel cut it: not a failure
            attempt += 1
            if not exc.network and attempt > MAX_SERVER_RETRIES:
                raise PermanentError(
                    f"The storage service kept failing ({exc}); try again later."
                ) from exc
            waiting = exc.network and attempt >= 2
            set_state(FileState.WAITING_FOR_NETWORK if waiting else FileState.RETRYING, str(exc))
            if sleep(backoff(attempt)):
                raise Interrupted() from exc
            continue
        if attempt:
            recovered()
        return result
