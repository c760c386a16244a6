"""How fast bytes have lately reached the store, and whether the link failed lately:
what decides how big a file may go up in one PUT.

Below the settings' cutoff (32 MiB) a file always goes in one PUT; above it, in
parts, whose completion costs the store a step (some assemble the object by
copying it) and the link two more round trips, and whose gain is that an
interruption costs only the parts in flight. On a fast, clean link a bigger file
is sent whole as long as sending it again would take at most a few seconds at
the rate seen (``TransferSettings.one_put_seconds``): what an interruption can
cost is bounded in time, not in bytes (the 32 MiB cutoff costs 13 s at
20 Mbit/s, 0.3 s at 1 Gbit/s). A link that failed lately, an idle one and one
not yet measured keep the cutoff; so the big files that might go whole are
prepared after the small ones have measured the link (the scheduler asks
:meth:`LinkMeter.waits`). Where the platform cannot tell what the store's side
acknowledged (Windows: what counts is what the socket took, megabytes ahead of
the link), the cutoff always holds.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Algorithm
from lytsite_desktop.core.platform import sendqueue

#: A file sent whole is at most this many times the cutoff (256 MiB at 32 MiB).
ONE_PUT_GROWTH = 8
#: The rate is measured over the last this many seconds.
WINDOW = 5.0
#: Arrivals are summed over steps this long (a fast link hands over bytes
#: thousands of times a second).
STEP = 0.1
#: A rate is believed once bytes have been arriving for this long (what arrived
#: is what the store's side acknowledged: no socket buffer filling up counts).
MIN_SPAN = 0.25
#: After a transient failure (a reset, a 5xx, a timeout), the cutoff holds for
#: this long.
QUIET_AFTER_FAULT = 60.0
#: Parts in the air together carry at most what the link sends in this long (two
#: parts at least): parts sharing a slow link each crawl, and a crash loses every
#: part in the air (eight 16 MiB parts at 2 MB/s: none done in the first minute).
PARTS_SECONDS = 15.0
#: ... measured over the last this many seconds, once bytes have been arriving for
#: twice as long: the first bytes of a batch fill the buffers on the way (a
#: router's, a proxy's) faster than the link drains them.
PARTS_SPAN = 2.0
#: Files sent whole (most photos) in the air together are at most what the link
#: sends in this long (two at least): eight 2.5 MiB photos sharing a 2 MB/s link
#: each crawled at an eighth of it, none done for ten seconds, and a crash kept
#: none. A fast link has room for five or six 8 MB photos at 200 Mbit/s, which its
#: round trips need.
WHOLE_SECONDS = 2.0
#: ... at the rate seen less this many bytes: what the buffers on the way take
#: first (the test proxy's, 150 KB a connection) read as a link twice as fast as
#: a 1 MiB/s one in its first second, and let eight photos in; a fast link's
#: first quarter of a second carries megabytes.
BUFFERED = 1024 * 1024
#: A batch's last bytes are about to arrive when the link sends them in this long:
#: the manifest's next write then waits for their answers (the batch ends with one
#: write), where on a slow link it would hold what is already up for seconds.
ARRIVING_SOON = 0.5


class LinkMeter:
    """Bytes that reached the store, by time, and the cutoff they allow; the
    caller serialises the calls (the engine's lock).

    ``checksum``: the store's whole-object check. Only under SHA-256 does a big
    file go whole: its content id is that checksum, where an MD5 would take
    another read of the file. ``known``: whether what arrived is what the store
    acknowledged (the platform's say, by default)."""

    def __init__(
        self,
        settings: TransferSettings,
        checksum: Algorithm,
        clock: Callable[[], float] = time.monotonic,
        *,
        known: bool = sendqueue.KNOWN,
    ) -> None:
        self.cutoff = settings.multipart_threshold
        self._seconds = settings.one_put_seconds if known and checksum == "sha256" else 0.0
        self._clock = clock
        self._steps: deque[list[float]] = deque()  # [start, bytes]
        self._bytes = 0.0
        self._arrived = 0  # since the link was last idle for a window
        self._fault_at: float | None = None

    # -- what the link did ---------------------------------------------------------

    def arrived(self, n: int) -> None:
        now = self._clock()
        self._trim(now)
        if not self._steps:
            self._arrived = 0  # the link was idle: a new stretch of sending begins
        if self._steps and now - self._steps[-1][0] < STEP:
            self._steps[-1][1] += n
        else:
            self._steps.append([now, float(n)])
        self._bytes += n
        self._arrived += n

    def faulted(self) -> None:
        self._fault_at = self._clock()

    def rate(self, less: int = 0) -> float | None:
        """Bytes per second over the window (``less`` bytes not counted), or None
        without enough to go on (bytes arriving for less than :data:`MIN_SPAN`)."""
        now = self._clock()
        self._trim(now)
        if not self._steps:
            return None
        span = now - self._steps[0][0]
        return max(0.0, self._bytes - less) / span if span >= MIN_SPAN else None

    def recent_rate(self, span: float) -> float | None:
        """Bytes per second over the last ``span`` seconds, once bytes have been
        arriving for twice that (None before)."""
        now = self._clock()
        self._trim(now)
        if not self._steps or now - self._steps[0][0] < 2 * span:
            return None
        return sum(n for start, n in self._steps if start >= now - span) / span

    # -- what it allows ------------------------------------------------------------

    def limit(self) -> int:
        """Files below this size go up in one PUT: the cutoff unless the link is
        fast and clean, then what it sends in the settings' seconds (at most
        :data:`ONE_PUT_GROWTH` times the cutoff)."""
        if self._fault_at is not None and self._clock() - self._fault_at < QUIET_AFTER_FAULT:
            return self.cutoff
        rate = self.rate()
        if rate is None:
            return self.cutoff
        return int(min(self.cutoff * ONE_PUT_GROWTH, max(self.cutoff, rate * self._seconds)))

    def may_go_whole(self, size: int, *, under_way: bool) -> bool:
        """Could a file at or above the cutoff go up in one PUT on a fast link? Not
        one whose upload in parts is ``under_way`` (it carries on from its parts)."""
        return bool(self._seconds) and not under_way and size < self.cutoff * ONE_PUT_GROWTH

    def in_one_put(self, size: int, *, under_way: bool) -> bool:
        if size < self.cutoff:
            return True
        return self.may_go_whole(size, under_way=under_way) and size < self.limit()

    def parts_room(self, in_air: int, part: int) -> bool:
        """May a part of ``part`` bytes join the ``in_air`` bytes of parts being
        sent? Two parts' worth, once a part's worth has arrived (the first part goes
        alone, so on a slow link the first thing a crash keeps is there in one
        part's time, not two); more once the link is measured (over
        :data:`PARTS_SPAN`), up to :data:`PARTS_SECONDS` of it."""
        rate = self.recent_rate(PARTS_SPAN)
        least = part + min(part, self._arrived)
        room = max(least, rate * PARTS_SECONDS if rate is not None else 0.0)
        return in_air + part <= room

    def whole_room(self, in_air: int, size: int) -> bool:
        """May a file of ``size`` bytes, sent whole, join those of ``in_air`` bytes
        whose bytes are still arriving? (One whose bytes have all arrived waits only
        for its answer: the next starts meanwhile.) Two at any time, more as the
        link's rate, less :data:`BUFFERED`, allows: up to :data:`WHOLE_SECONDS` of it."""
        rate = self.rate(less=BUFFERED)
        room = max(2 * size, rate * WHOLE_SECONDS if rate is not None else 0.0)
        return in_air + size <= room

    def arriving_soon(self, left: int) -> bool:
        """Will ``left`` bytes still on their way have arrived in a moment
        (:data:`ARRIVING_SOON`)? Yes when the link is not measured."""
        rate = self.rate()
        return rate is None or left <= rate * ARRIVING_SOON

    def waits(self, size: int, *, under_way: bool) -> bool:
        """Should a big file wait for the link to be measured before it is
        prepared (while small files measure it)?"""
        return self.may_go_whole(size, under_way=under_way) and self.rate() is None

    def _trim(self, now: float) -> None:
        while self._steps and now - self._steps[0][0] > WINDOW:
            self._bytes -= self._steps.popleft()[1]
