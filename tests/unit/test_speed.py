"""What the terminal and the window say of a transfer: speeds and time left, measured
one way from bytes sent, over the last seconds, in binary units; and why a file waits."""

from __future__ import annotations

from rich.console import Console

from lytsite_desktop.cli.terminal import TerminalProgress
from lytsite_desktop.core.events import FileQueued, FileStateChanged, Progress
from lytsite_desktop.core.sizes import MiB, format_rate
from lytsite_desktop.core.speed import MIN_SPAN, WINDOW, SpeedMeter
from lytsite_desktop.core.states import FileState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def drawn(progress: TerminalProgress, console: Console, state: FileState, task: int = 1,
          name: str = "a.tif") -> str:  # fmt: skip
    """What the terminal shows once file ``task`` went into ``state``."""
    progress(FileStateChanged(task, "d", "p", name, state=state))
    progress._progress.refresh()
    return console.export_text(clear=True)


def send(progress: TerminalProgress, clock: Clock, names: list[str], steps: int) -> None:
    """Each file in ``names`` (task 1, 2 ...) sends 4 MiB/s side by side for
    ``steps`` x 50 ms, its progress reported at every step."""
    for i in range(1, steps + 1):
        clock.now += 0.05
        for task, name in enumerate(names, 1):
            progress(Progress(task, "d", "p", name, bytes_done=i * MiB // 5, size=64 * MiB,
                              sent=i * MiB // 5))  # fmt: skip


def test_a_steady_link_reads_as_its_rate():
    clock = Clock()
    meter = SpeedMeter(clock=clock)
    sent = 0
    for _ in range(200):  # 256 KiB steps at 15 MiB/s, as progress events arrive
        clock.now += 256 * 1024 / (15 * MiB)
        sent += 256 * 1024
        meter.update(sent)
    assert abs(meter.rate() - 15 * MiB) / (15 * MiB) < 0.01
    assert abs(meter.eta(30 * MiB) - 2.0) < 0.05


def test_no_speed_before_there_is_enough_to_measure_and_none_when_idle():
    clock = Clock()
    meter = SpeedMeter(clock=clock)
    meter.update(0)
    clock.now += MIN_SPAN / 2
    meter.update(4 * MiB)  # buffers filling in the first moment: not a speed yet
    assert meter.rate() == 0.0 and meter.eta(MiB) is None
    clock.now += WINDOW * 4  # nothing more sent: the speed falls away
    meter.update(4 * MiB)
    assert meter.rate() == 0.0 and meter.eta(MiB) is None


def test_a_link_that_went_dead_reads_no_speed_once_a_window_has_passed():
    """Seen in the window with the network cut: "waiting for network" beside
    "494.9 KiB/s, 13s left" long after the last byte. Nothing reports progress
    while nothing moves, so the meter must not wait for an update to forget."""
    clock = Clock()
    meter = SpeedMeter(clock=clock)
    for i in range(1, 101):  # 4 MiB/s for 5 s
        clock.now += 0.05
        meter.update(i * MiB // 5)
    assert abs(meter.rate() - 4 * MiB) / (4 * MiB) < 0.02
    clock.now += WINDOW / 2  # half a window without a byte: half the speed
    assert abs(meter.rate() - 2 * MiB) / (2 * MiB) < 0.05
    clock.now += WINDOW / 2 + 0.1
    assert meter.rate() == 0.0 and meter.eta(MiB) is None


def test_parts_already_in_the_store_are_no_speed():
    """A resumed file jumps from 0 to 60 % at once (its parts were there): progress,
    not speed. The meter counts bytes sent, which do not jump."""
    clock = Clock()
    meter = SpeedMeter(clock=clock)
    events = [Progress(1, "d", "p", "a.tif", bytes_done=0, size=100 * MiB, sent=0)]
    events.append(Progress(1, "d", "p", "a.tif", bytes_done=60 * MiB, size=100 * MiB, sent=0))
    for i in range(1, 41):
        events.append(
            Progress(1, "d", "p", "a.tif", bytes_done=60 * MiB + i * MiB // 4,
                     size=100 * MiB, sent=i * MiB // 4)
        )  # fmt: skip
    for event in events:
        meter.update(event.sent)
        clock.now += 0.05  # 256 KiB every 50 ms: 5 MiB/s
    assert abs(meter.rate() - 5 * MiB) / (5 * MiB) < 0.05


def test_the_terminal_speaks_mib_per_second_like_the_window():
    assert format_rate(15 * MiB) == "15.0 MiB/s"
    console = Console(record=True, force_terminal=True, width=160)
    progress = TerminalProgress(console)
    with progress:
        progress(FileQueued(1, "d", "p", "a.tif", path="/a.tif", size=64 * MiB))
        for i in range(1, 9):
            progress(Progress(1, "d", "p", "a.tif", bytes_done=i * MiB, size=64 * MiB,
                              sent=i * MiB))  # fmt: skip
        progress._progress.refresh()
    text = console.export_text()
    assert "8.0 MiB/64.0 MiB" in text
    assert "MB/s" not in text and " MB" not in text.replace("MiB", "")


def test_the_terminal_draws_no_speed_once_the_link_went_dead():
    """Nothing reports progress while the network is down: the bars are measured
    when drawn, not when the last byte left."""
    clock = Clock()
    console = Console(record=True, force_terminal=True, width=160)
    progress = TerminalProgress(console, clock=clock)
    with progress:
        progress(FileQueued(1, "d", "p", "a.tif", path="/a.tif", size=64 * MiB))
        progress(FileStateChanged(1, "d", "p", "a.tif", state=FileState.UPLOADING))
        send(progress, clock, ["a.tif"], 100)  # 4 MiB/s for 5 s
        progress._progress.refresh()
        moving = console.export_text(clear=True)
        clock.now += WINDOW + 0.1
        progress._progress.refresh()
        dead = console.export_text()
    assert "4.0 MiB/s" in moving
    assert "MiB/s" not in dead and "20.0 MiB/64.0 MiB" in dead


def test_the_terminal_draws_no_speed_for_a_file_that_waits():
    """Seen in a terminal with the network cut: "(waiting for network) ... 1.3 MiB/s
    5s", then "51.2 KiB/s 2m03s" from what each retry put into a dead connection."""
    clock = Clock()
    console = Console(record=True, force_terminal=True, width=160)
    progress = TerminalProgress(console, clock=clock)
    with progress:
        progress(FileQueued(1, "d", "p", "a.tif", path="/a.tif", size=64 * MiB))
        progress(FileStateChanged(1, "d", "p", "a.tif", state=FileState.UPLOADING))
        send(progress, clock, ["a.tif"], 100)  # 4 MiB/s for 5 s, the last second just now
        waiting = drawn(progress, console, FileState.WAITING_FOR_NETWORK)
        going = drawn(progress, console, FileState.UPLOADING)
    assert "(waiting for network)" in waiting and "/s" not in waiting
    assert "4.0 MiB/s" in going


def test_a_bar_drawn_first_while_its_file_waits_shows_no_speed():
    clock = Clock()
    console = Console(record=True, force_terminal=True, width=160)
    progress = TerminalProgress(console, clock=clock)
    with progress:
        progress(FileQueued(1, "d", "p", "a.tif", path="/a.tif", size=64 * MiB))
        progress(FileStateChanged(1, "d", "p", "a.tif", state=FileState.WAITING_FOR_NETWORK))
        for i in range(1, 101):  # what retries put into dead connections
            clock.now += 0.05
            progress(Progress(1, "d", "p", "a.tif", bytes_done=i * 1024, size=64 * MiB,
                              sent=i * MiB // 5))  # fmt: skip
        progress._progress.refresh()
        text = console.export_text()
    assert "a.tif" in text and "/s" not in text


def test_the_terminal_shows_a_speed_only_while_a_file_uploads_as_the_window_does():
    """The terminal's bars showed a speed fading over 5 s while their file was added
    to the gallery (nothing of it moves then); the window showed none."""
    clock = Clock()
    console = Console(record=True, force_terminal=True, width=160)
    progress = TerminalProgress(console, clock=clock)
    with progress:
        for task in (1, 2):
            progress(FileQueued(task, "d", "p", f"{task}.tif", path="/x", size=64 * MiB))
            progress(FileStateChanged(task, "d", "p", f"{task}.tif", state=FileState.UPLOADING))
        send(progress, clock, ["1.tif", "2.tif"], 50)  # 4 MiB/s each for 2.5 s
        one_listing = drawn(progress, console, FileState.LISTING, 1, "1.tif")
        both_listing = drawn(progress, console, FileState.LISTING, 2, "2.tif")
    listing, uploading = (
        [line for line in one_listing.splitlines() if name in line][-1]  # the last frame's
        for name in ("1.tif", "2.tif")
    )
    assert "adding to the gallery" in listing and "/s" not in listing
    assert "4.0 MiB/s" in uploading
    assert "/s" not in both_listing  # the whole too, once no file sends


def test_a_terminal_that_is_no_terminal_says_each_reason_for_retrying_once():
    """Piped to a log, the command said nothing while every file waited for space."""
    console = Console(record=True, force_terminal=False, width=160)
    progress = TerminalProgress(console)
    full = "the disk holding /mnt/lib is full; free some space to continue"
    with progress:
        for task in (1, 2, 1):
            progress(FileStateChanged(task, "d", "p", f"{task}.jpg", state=FileState.RETRYING,
                                      detail=full))  # fmt: skip
        progress(FileStateChanged(3, "d", "p", "3.jpg", state=FileState.WAITING_FOR_NETWORK,
                                  detail="cannot reach https://s3.example"))  # fmt: skip
    text = console.export_text()
    assert text.count(full) == 1 and "retrying" in text
    assert "cannot reach" not in text


def test_a_long_name_and_its_state_leave_the_figures_whole_on_80_columns():
    """On an 80-column terminal a long name beside "(adding to the gallery)" wrapped
    the bar's sizes over three lines ("10.0", "MiB/…", "MiB")."""
    console = Console(record=True, force_terminal=True, width=80)
    progress = TerminalProgress(console)
    long = "ceremony/IMG_0412-edited-final-version.jpg"
    with progress:
        for task, name in ((1, long), (2, "LEA_001.jpg")):
            progress(FileQueued(task, "d", "p", name, path="/x", size=64 * MiB))
            progress(FileStateChanged(task, "d", "p", name, state=FileState.UPLOADING))
            progress(Progress(task, "d", "p", name, bytes_done=10 * MiB, size=64 * MiB,
                              sent=10 * MiB))  # fmt: skip
        console.export_text(clear=True)
        frame = drawn(progress, console, FileState.LISTING, 1, long)
    last = frame.splitlines()[-3:]  # the whole, then the two files: one line each
    assert [line.split()[0] for line in last] == ["0/2", "…version.jpg", "LEA_001.jpg"], last
    assert "(adding to the gallery)" in last[1] and "10.0 MiB/64.0 MiB" in last[1]
    assert "20.0 MiB/128.0 MiB" in last[0] and all(len(line) <= 80 for line in last)


def test_the_wait_before_the_first_byte_is_no_part_of_the_speed():
    """Seen in the window: a big file's row said 1.5 MiB/s and 2m08s left while the
    status bar said 933 KiB/s and 3m36s. The status bar's meter is fed at every tick
    from before anything was sent, a row's from its file's first byte; the seconds of
    nothing (hashing, previews) before the first byte lowered the one, not the other."""
    clock = Clock()
    whole, row = SpeedMeter(clock=clock), SpeedMeter(clock=clock)
    for _ in range(40):  # ten seconds of ticks, nothing sent yet
        clock.now += 0.25
        whole.update(0)
    for i in range(1, 13):  # then 1 MiB/s for three seconds
        clock.now += 0.25
        whole.update(i * MiB // 4)
        row.update(i * MiB // 4)
    assert abs(whole.rate() - MiB) / MiB < 0.1
    assert abs(whole.rate() - row.rate()) / row.rate() < 0.1
    assert abs(whole.eta(120 * MiB) - row.eta(120 * MiB)) < 12  # of two minutes
