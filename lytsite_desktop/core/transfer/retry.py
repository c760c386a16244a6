"""Retrying transient failures: exponential backoff with jitter.

Network failures are retried for as long as it takes (the file shows "waiting for
network"), looking again at least every :data:`NETWORK_BACKOFF_CAP` seconds, and
at once when another file got through; so is a full disk (the file shows
"retrying" and why); a server's errors (5xx, SlowDown) up to
:data:`MAX_SERVER_RETRIES` times, backing off up to :data:`BACKOFF_CAP`; anything
else fails the file at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from lytsite_desktop.core.backoff import backoff
from lytsite_desktop.core.errors import Interrupted, PermanentError, TransientError
from lytsite_desktop.core.states import FileState

T = TypeVar("T")

log = logging.getLogger(__name__)

MAX_SERVER_RETRIES = 12
BACKOFF_CAP = 30.0
#: A dead network costs nothing to ask again: a file waiting for it looks this
#: often, so the upload goes on soon after the network is back.
NETWORK_BACKOFF_CAP = 8.0


def retrying(
    fn: Callable[[], T],
    *,
    should_stop: Callable[[], bool],
    set_state: Callable[[FileState, str], None],
    recovered: Callable[[], None],
    sleep: Callable[[float, bool], bool],
) -> T:
    """Run ``fn`` until it succeeds, retrying transient failures.

    ``should_stop()`` (a pause, a cancel, a stop) ends it with :class:`Interrupted`;
    ``set_state`` shows what it is doing, ``recovered()`` that it works again;
    ``sleep(seconds, patient)`` waits (a patient wait, for the network or for disk
    space, may end early, when another file got through) and returns True when
    interrupted meanwhile.
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
            log.info("attempt %d failed: %s (%r)", attempt, exc, exc.__cause__)
            if not (exc.network or exc.patient) and attempt > MAX_SERVER_RETRIES:
                raise PermanentError(
                    f"The storage service kept failing ({exc}); try again later."
                ) from exc
            waiting = exc.network and attempt >= 2
            set_state(FileState.WAITING_FOR_NETWORK if waiting else FileState.RETRYING, str(exc))
            patient = exc.network or exc.patient  # waited out; another file's luck ends it
            cap = NETWORK_BACKOFF_CAP if patient else BACKOFF_CAP
            if sleep(backoff(attempt, cap), patient):
                raise Interrupted() from exc
            continue
        if attempt:
            recovered()
        return result
