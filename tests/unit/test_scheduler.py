"""The scheduler's order, with no threads and no network: cancels, then previews,
then the parts and completions of files under way (oldest first), then the next
file to prepare; paused, cancelled and restarting files are never picked."""

from __future__ import annotations

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.states import FINAL, TRANSITIONS, FileState, Original, Preview, allowed
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.core.transfer.linkrate import LinkMeter
from lytsite_desktop.core.transfer.planning import PartPlan
from lytsite_desktop.core.transfer.scheduler import Kind, Scheduler
from lytsite_desktop.core.transfer.task import FileTask

MiB = 1024 * 1024


def task(n: int) -> FileTask:
    return FileTask(n, f"/src/{n}.jpg", f"{n}.jpg", "p", 20 * MiB)


def under_way(s: Scheduler, t: FileTask, parts: int) -> None:
    t.plan = PartPlan(parts * 5 * MiB, 5 * MiB)
    t.pending.extend(range(1, parts + 1))
    s.multipart_started(t)


def picks(s: Scheduler, n: int, previews_only: bool = False) -> list[tuple[int, Kind, int]]:
    out = []
    for _ in range(n):
        unit = s.pick(previews_only)
        if unit is None:
            break
        out.append((unit.task.id, unit.kind, unit.part))
    return out


def test_the_order_of_work():
    s = Scheduler()
    new1, new2, old, young, cancelled, preview = (task(i) for i in range(1, 7))
    for t in (new1, new2):
        s.add(t, previews=False)
    under_way(s, old, 2)
    under_way(s, young, 1)
    cancelled.cancel_requested = True
    s.cancel(cancelled)
    preview.preview = Preview.TO_MAKE
    s.preview_made(preview)
    assert picks(s, 10) == [
        (5, Kind.CANCEL, 0),
        (6, Kind.RENDITIONS, 0),
        (3, Kind.PART, 1), (3, Kind.PART, 2),  # the oldest file's parts first
        (4, Kind.PART, 1),
        (1, Kind.PREPARE, 0), (2, Kind.PREPARE, 0),
    ]  # fmt: skip
    assert new1.original is Original.PREPARING and preview.preview is Preview.SENDING


def test_files_big_enough_for_parts_are_prepared_before_the_others():
    """So that a big file's completion (slow on a store) is not the batch's last step."""
    s = Scheduler(big=32 * MiB)
    small1, big1, small2, big2 = (
        FileTask(n, f"/src/{n}", f"{n}", "p", size)
        for n, size in ((1, 8 * MiB), (2, 128 * MiB), (3, 8 * MiB), (4, 32 * MiB))
    )
    for t in (small1, big1, small2, big2):
        s.add(t, previews=False)
    assert [u[0] for u in picks(s, 4)] == [2, 4, 1, 3]  # each kind in the order it came
    # Interrupted while preparing (a pause, a stop): first again.
    s.add(FileTask(5, "/src/5", "5", "p", 64 * MiB), previews=False)
    assert s.unit_done(small2) is False
    assert s.unit_done(big2) is False
    assert [u[0] for u in picks(s, 3)] == [4, 5, 3]


def test_a_big_file_that_might_go_whole_waits_while_small_files_measure_the_link():
    """core/transfer/linkrate: on a fast link such a file goes in one PUT, which
    only a measured link can tell; the small files measure it."""
    clock = [0.0]
    meter = LinkMeter(TransferSettings(), "sha256", clock=lambda: clock[0], known=True)
    s = Scheduler(big=meter.cutoff, waits=meter.waits)
    small1, video, small2, film, resumed = (
        FileTask(n, f"/src/{n}", f"{n}", "p", size)
        for n, size in ((1, 8 * MiB), (2, 128 * MiB), (3, 8 * MiB), (4, 1024 * MiB),
                        (5, 64 * MiB))
    )  # fmt: skip
    resumed.record = FileRecord(
        5, "d", "p", "5", "/src/5", 64 * MiB, 0, "uploading", "ab" * 32, "f", "k", None,
        "upload-1", 16 * MiB, None, None, 0.0, 0.0, None, "crc32c",
    )  # fmt: skip
    for t in (small1, video, small2, film, resumed):
        s.add(t, previews=False)
    # Too big to go whole (1 GiB) and already under way in parts: first, as before;
    # the 128 MiB video after the small files while the link is not measured.
    assert [u[0] for u in picks(s, 3)] == [4, 5, 1]
    meter.arrived(8 * MiB)
    clock[0] += 0.3  # bytes have been arriving a while: the link is measured
    meter.arrived(8 * MiB)
    assert [u[0] for u in picks(s, 2)] == [2, 3]


def test_files_sent_whole_wait_for_room_on_the_link():
    """core/transfer/linkrate: photos sent whole share a slow link a few at a time;
    a big file, in parts, is not held back by them."""
    clock = [0.0]
    meter = LinkMeter(TransferSettings(), "sha256", clock=lambda: clock[0], known=True)
    s = Scheduler(big=meter.cutoff, room=meter.parts_room, whole_room=meter.whole_room)
    photos = [FileTask(n, f"/src/{n}", f"{n}", "p", 4 * MiB) for n in range(1, 5)]
    film = FileTask(9, "/src/9", "9", "p", 1024 * MiB)
    for t in photos:
        s.add(t, previews=False)
    assert [u[0] for u in picks(s, 4)] == [1, 2]  # two at once, not measured yet
    assert s.room_full, "bytes arriving look again"
    s.add(film, previews=False)
    assert [u[0] for u in picks(s, 1)] == [9]  # prepared beside them
    photos[0].bytes_done = 2 * MiB
    assert picks(s, 1) == [], "its bytes are still arriving"
    photos[0].bytes_done = 4 * MiB  # all there, its answer awaited: the next begins
    assert [u[0] for u in picks(s, 2)] == [3]
    photos[0].original = Original.UP
    assert s.unit_done(photos[0]) is False
    assert picks(s, 1) == [], "two still arriving"
    photos[1].bytes_done = 4 * MiB
    assert [u[0] for u in picks(s, 2)] == [4]


def test_with_no_small_file_left_a_big_file_does_not_wait():
    meter = LinkMeter(TransferSettings(), "sha256", clock=lambda: 0.0, known=True)
    s = Scheduler(big=meter.cutoff, waits=meter.waits)
    video = FileTask(1, "/src/1", "1", "p", 128 * MiB)
    s.add(video, previews=False)
    assert [u[0] for u in picks(s, 1)] == [1]


def test_a_file_completes_once_its_last_part_is_back():
    s = Scheduler()
    t = task(1)
    under_way(s, t, 1)
    (unit,) = [s.pick()]
    assert unit is not None and unit.kind is Kind.PART
    assert s.pick() is None, "no completion while the part is in the air"
    t.done_parts[1] = object()  # type: ignore[assignment]
    s.unit_done(t)
    unit = s.pick()
    assert unit is not None and unit.kind is Kind.COMPLETE and t.original is Original.COMPLETING


def test_paused_cancelled_and_restarting_files_are_not_picked():
    s = Scheduler()
    paused, restarting, ok = task(1), task(2), task(3)
    for t in (paused, restarting, ok):
        s.add(t, previews=False)
    paused.paused = True
    restarting.restart_requested = True
    assert picks(s, 5) == [(3, Kind.PREPARE, 0)]
    paused.paused = False
    s.resumed(paused)
    assert picks(s, 5) == [(1, Kind.PREPARE, 0)]


def test_the_preview_sender_takes_only_previews():
    s = Scheduler()
    a, b = task(1), task(2)
    s.add(a, previews=True)
    b.preview = Preview.TO_MAKE
    s.preview_made(b)
    assert picks(s, 5, previews_only=True) == [(2, Kind.RENDITIONS, 0)]
    assert s.take_ingest() is a and s.take_ingest() is None


def test_an_interrupted_unit_goes_back_where_it_was():
    s = Scheduler()
    t = task(1)
    s.add(t, previews=False)
    unit = s.pick()
    assert unit is not None and unit.kind is Kind.PREPARE
    assert s.unit_done(t) is False and t.original is Original.NEW and s.new[0] is t
    under_way(s, u := task(2), 3)
    part = s.pick()
    assert part is not None and part.task is u
    s.give_back(part)
    s.unit_done(u)
    assert list(u.pending) == [1, 2, 3]
    u.restart_requested = True
    unit = s.pick()
    assert unit is not None and unit.task is t  # the restarting file waits
    u.busy = 1
    assert s.unit_done(u) is True, "the last unit of a restarting file asks to start over"


def test_the_state_machine():
    assert TRANSITIONS[FileState.READY] == {FileState.QUEUED}
    for final in FINAL:
        assert TRANSITIONS[final] == {FileState.QUEUED}, "a final state only leaves to retry"
    for state in FileState:
        if state not in FINAL and state is not FileState.READY:
            assert FINAL.issubset(TRANSITIONS[state]), f"{state} can always end"
    assert allowed(FileState.UPLOADING, FileState.PAUSED)
    assert allowed(FileState.PAUSED, FileState.UPLOADING)
    assert not allowed(FileState.PUBLISHED, FileState.UPLOADING)
    assert not allowed(FileState.READY, FileState.UPLOADING)
    assert not allowed(FileState.FAILED, FileState.PUBLISHED)


def test_winding_down_means_only_the_air_is_left():
    """The manifest writer waits for a batch's last completions only then: every
    byte of the files in the air on its way, nothing left to start."""
    s = Scheduler()
    a, b = task(1), task(2)
    assert not s.winding_down(), "nothing in the air"
    for t in (a, b):
        s.add(t, previews=False)
    first = s.pick()
    a.bytes_handed = a.size
    assert first is not None and not s.winding_down(), "another file waits to start"
    second = s.pick()
    assert second is not None and not s.winding_down(), "b's bytes are still going out"
    b.bytes_handed = b.size  # handed to the connection, not yet acknowledged
    assert s.winding_down()
    under_way(s, c := task(3), 2)
    assert not s.winding_down(), "parts left to send"
    assert [u[1] for u in picks(s, 2)] == [Kind.PART, Kind.PART]
    c.bytes_handed = c.size
    assert s.winding_down()
    a.original = b.original = Original.UP  # their single PUTs came back
    c.done_parts.update({1: object(), 2: object()})  # type: ignore[dict-item]
    for t in (a, b, c, c):
        s.unit_done(t)
    assert s.running == 0 and not s.winding_down()
    paused = task(4)
    s.add(paused, previews=False)
    paused.paused = True
    unit = s.pick()
    assert unit is not None and unit.kind is Kind.COMPLETE  # c's last parts are back
    assert s.winding_down(), "a paused file is not waiting to start"


def test_on_a_slow_link_winding_down_waits_until_the_last_bytes_are_about_to_arrive():
    """Twelve photos at 2 MB/s: the socket took the last three's bytes at once and
    the manifest's write held the one already up for 2 s, waiting for answers
    seconds away. Now only once what is left arrives in half a second."""
    clock = [0.0]
    meter = LinkMeter(TransferSettings(), "sha256", clock=lambda: clock[0], known=True)
    s = Scheduler(big=meter.cutoff, soon=meter.arriving_soon)
    a = FileTask(1, "/src/1", "1", "p", 4 * MiB)
    s.add(a, previews=False)
    assert s.pick() is not None
    a.bytes_handed = a.size  # all in the socket
    assert s.winding_down(), "the link not measured: as before"
    for _ in range(20):  # 2 MB/s for two seconds
        clock[0] += 0.1
        meter.arrived(200_000)
    a.bytes_done = 2 * MiB
    assert not s.winding_down(), "a second's bytes still to arrive"
    a.bytes_done = a.size - 500_000
    assert s.winding_down()


def test_drained_means_nothing_in_the_air_and_nothing_to_start():
    """The manifest writer's next write then ends the batch: its page goes beside it."""
    s = Scheduler()
    assert s.drained()
    a, b = task(1), task(2)
    for t in (a, b):
        s.add(t, previews=False)
    assert not s.drained(), "files wait to start"
    first = s.pick()
    assert first is not None and not s.drained()
    b.paused = True
    a.bytes_done = a.size
    assert not s.drained(), "a's answer is still in the air"
    a.original = Original.UP
    s.unit_done(a)
    assert s.drained(), "a paused file is not waiting to start"
    b.paused = False
    assert not s.drained()
