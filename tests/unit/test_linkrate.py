"""The link meter: how big a file may go up in one PUT (a clock of its own)."""

from __future__ import annotations

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.linkrate import (
    MIN_SPAN,
    ONE_PUT_GROWTH,
    QUIET_AFTER_FAULT,
    LinkMeter,
)

CUTOFF = 32 * MiB  # the settings' default


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def meter_for(clock: Clock, seconds: float = 2.0, checksum: str = "sha256") -> LinkMeter:
    settings = TransferSettings(one_put_seconds=seconds)
    return LinkMeter(settings, checksum, clock, known=True)  # type: ignore[arg-type]


def _flowing(meter: LinkMeter, clock: Clock, rate: float, seconds: float) -> None:
    """Bytes arriving at ``rate`` per second for ``seconds``, in 10 ms steps."""
    for _ in range(int(seconds * 100)):
        clock.now += 0.01
        meter.arrived(int(rate / 100))


def test_nothing_measured_keeps_the_cutoff():
    meter = meter_for(Clock())
    assert meter.cutoff == CUTOFF and meter.limit() == CUTOFF
    assert meter.in_one_put(CUTOFF - 1, under_way=False)
    assert not meter.in_one_put(CUTOFF, under_way=False)
    assert meter.waits(64 * MiB, under_way=False)  # it might go whole: measure first


def test_a_fast_link_sends_whole_what_it_sends_in_the_seconds_given():
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 50 * MiB, 2.0)  # 400 Mbit/s
    rate = meter.rate()
    assert rate is not None and 45 * MiB < rate < 55 * MiB
    assert 90 * MiB < meter.limit() < 110 * MiB
    assert meter.in_one_put(80 * MiB, under_way=False)
    assert not meter.in_one_put(120 * MiB, under_way=False)
    assert not meter.in_one_put(80 * MiB, under_way=True)  # it carries on from its parts
    assert not meter.waits(80 * MiB, under_way=False)


def test_turned_off_under_md5_or_not_knowing_what_arrived_the_cutoff_holds():
    blind = Clock()  # Windows: what a socket took, not what the store acknowledged
    unknowing = LinkMeter(TransferSettings(), "sha256", blind, known=False)
    for meter, clock in ((meter_for(c := Clock(), seconds=0), c),
                         (meter_for(c := Clock(), checksum="md5"), c),
                         (unknowing, blind)):  # fmt: skip
        _flowing(meter, clock, 1000 * MiB, 1.0)
        assert meter.limit() == CUTOFF
        assert not meter.in_one_put(40 * MiB, under_way=False)
        assert not meter.waits(40 * MiB, under_way=False)  # nothing to wait for


def test_a_rate_is_believed_once_bytes_have_flowed_a_while():
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 1000 * MiB, MIN_SPAN * 0.8)
    assert meter.rate() is None
    assert meter.limit() == CUTOFF
    _flowing(meter, clock, 1000 * MiB, MIN_SPAN * 0.4)
    assert meter.limit() > CUTOFF


def test_a_very_fast_link_is_capped():
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 1000 * MiB, 1.0)
    assert meter.limit() == ONE_PUT_GROWTH * CUTOFF
    big = ONE_PUT_GROWTH * CUTOFF
    assert not meter.in_one_put(big, under_way=False)
    assert not meter.waits(big, under_way=False)  # too big ever to go whole: no waiting


def test_a_slow_link_keeps_the_cutoff():
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 2.5 * MiB, 4.0)  # 20 Mbit/s: 5 MiB in two seconds
    assert meter.limit() == CUTOFF
    _flowing(meter, clock, 12 * MiB, 4.0)  # 100 Mbit/s: 24 MiB in two seconds
    assert meter.limit() == CUTOFF


def test_an_idle_link_is_measured_again():
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 100 * MiB, 1.0)
    assert meter.limit() > CUTOFF
    clock.now += 2.0  # quiet: the rate over the window falls
    assert meter.rate() < 40 * MiB  # type: ignore[operator]
    clock.now += 10.0  # nothing left in the window
    assert meter.rate() is None
    assert meter.limit() == CUTOFF


def test_a_fault_keeps_the_cutoff_for_a_while():
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 100 * MiB, 1.0)
    meter.faulted()
    _flowing(meter, clock, 100 * MiB, 1.0)
    assert meter.limit() == CUTOFF
    clock.now += QUIET_AFTER_FAULT
    _flowing(meter, clock, 100 * MiB, 1.0)
    assert meter.limit() > CUTOFF


def test_parts_in_the_air_carry_what_the_link_sends_in_seconds_once_measured_a_while():
    """Two parts always; more only once bytes have arrived for a couple of seconds:
    a batch's first bytes fill the buffers on the way faster than the link drains
    them (a burst at 20 MB/s for half a second made room for eight parts of 16 MiB
    on a 2 MB/s link, none of which finished in the first minute)."""
    from lytsite_desktop.core.transfer.linkrate import PARTS_SECONDS, WINDOW

    clock = Clock()
    meter = meter_for(clock)
    part = 16 * MiB
    assert meter.parts_room(0, part) and not meter.parts_room(part, part)  # the first alone
    _flowing(meter, clock, 2e6, 4.0)  # ... until a part's worth has arrived (8.4 s at 2 MB/s)
    assert not meter.parts_room(part, part)
    _flowing(meter, clock, 2e6, 4.5)
    assert meter.parts_room(part, part) and not meter.parts_room(2 * part, part)
    clock.now += WINDOW + 1  # idle: the next batch's first part goes alone again
    meter.arrived(64 * 1024)
    assert meter.parts_room(0, part) and not meter.parts_room(part, part)
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 20e6, 0.5)  # the buffers on the way filling
    assert meter.rate() is not None and meter.rate() * PARTS_SECONDS > 8 * part
    assert not meter.parts_room(2 * part, part)  # not measured for long enough
    _flowing(meter, clock, 2e6, 4.0)  # what the link really takes
    rate = meter.recent_rate(2.0)
    assert rate is not None and 1.9e6 < rate < 2.1e6
    assert not meter.parts_room(2 * part, part)  # a 2 MB/s link: two parts of 16 MiB
    _flowing(meter, clock, 25e6, 5.0)  # 200 Mbit/s: the eight slots are the limit
    assert meter.parts_room(8 * part, part)


def test_files_sent_whole_carry_what_the_link_sends_in_two_seconds_two_at_least():
    """Eight 2.5 MiB photos shared a 2 MB/s link: none done for ten seconds. Two
    always, more only as the rate allows, less what the buffers on the way took
    first: on a 200 Mbit/s link five 8 MiB photos within a third of a second."""
    from lytsite_desktop.core.transfer.linkrate import WHOLE_SECONDS

    clock = Clock()
    meter = meter_for(clock)
    photo = int(2.5 * MiB)
    assert meter.whole_room(0, photo) and meter.whole_room(photo, photo)  # two at once
    assert not meter.whole_room(2 * photo, photo)  # not measured: no third
    _flowing(meter, clock, 30e6, 0.05)  # the buffers on the way filling
    _flowing(meter, clock, 1e6, 0.3)  # then a 1 MB/s link
    assert meter.rate() is not None and meter.rate() * WHOLE_SECONDS > 3 * photo
    assert not meter.whole_room(2 * photo, photo), "the buffers' burst made room"
    _flowing(meter, clock, 2e6, 3.0)
    assert not meter.whole_room(2 * photo, photo)  # 2 MB/s: two at a time
    clock = Clock()
    meter = meter_for(clock)
    _flowing(meter, clock, 25e6, 0.3)  # 200 Mbit/s
    assert meter.whole_room(4 * 8 * MiB, 8 * MiB)
    assert not meter.whole_room(6 * 8 * MiB, 8 * MiB)
