"""The link meter: how big a file may go up in one PUT (a clock of its own)."""

from __future__ import annotations

from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.linkrate import ONE_PUT_GROWTH, QUIET_AFTER_FAULT, LinkMeter

CUTOFF = 32 * MiB


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _flowing(meter: LinkMeter, clock: Clock, rate: float, seconds: float) -> None:
    """Bytes arriving at ``rate`` per second for ``seconds``, in 10 ms steps."""
    for _ in range(int(seconds * 100)):
        clock.now += 0.01
        meter.arrived(int(rate / 100))


def test_nothing_measured_keeps_the_cutoff():
    assert LinkMeter(Clock()).one_put_limit(CUTOFF, 2.0) == CUTOFF


def test_a_fast_link_sends_what_it_sends_in_the_seconds_given():
    clock = Clock()
    meter = LinkMeter(clock)
    _flowing(meter, clock, 50 * MiB, 2.0)  # 400 Mbit/s
    rate = meter.rate()
    assert rate is not None and 45 * MiB < rate < 55 * MiB
    assert 90 * MiB < meter.one_put_limit(CUTOFF, 2.0) < 110 * MiB
    assert meter.one_put_limit(CUTOFF, 0.0) == CUTOFF


def test_a_very_fast_link_is_capped():
    clock = Clock()
    meter = LinkMeter(clock)
    _flowing(meter, clock, 1000 * MiB, 1.0)
    assert meter.one_put_limit(CUTOFF, 2.0) == ONE_PUT_GROWTH * CUTOFF


def test_a_slow_link_keeps_the_cutoff():
    clock = Clock()
    meter = LinkMeter(clock)
    _flowing(meter, clock, 2.5 * MiB, 4.0)  # 20 Mbit/s: 10 MiB seen, under the cutoff
    assert meter.one_put_limit(CUTOFF, 2.0) == CUTOFF
    _flowing(meter, clock, 12 * MiB, 4.0)  # 100 Mbit/s: 24 MiB in two seconds
    assert meter.one_put_limit(CUTOFF, 2.0) == CUTOFF


def test_an_idle_link_is_measured_again():
    clock = Clock()
    meter = LinkMeter(clock)
    _flowing(meter, clock, 100 * MiB, 1.0)
    assert meter.one_put_limit(CUTOFF, 2.0) > CUTOFF
    clock.now += 2.0  # quiet: the rate over the window falls
    assert meter.rate() < 40 * MiB  # type: ignore[operator]
    clock.now += 10.0  # nothing left in the window
    assert meter.rate() is None
    assert meter.one_put_limit(CUTOFF, 2.0) == CUTOFF


def test_a_fault_keeps_the_cutoff_for_a_while():
    clock = Clock()
    meter = LinkMeter(clock)
    _flowing(meter, clock, 100 * MiB, 1.0)
    meter.faulted()
    _flowing(meter, clock, 100 * MiB, 1.0)
    assert meter.one_put_limit(CUTOFF, 2.0) == CUTOFF
    clock.now += QUIET_AFTER_FAULT
    _flowing(meter, clock, 100 * MiB, 1.0)
    assert meter.one_put_limit(CUTOFF, 2.0) > CUTOFF
