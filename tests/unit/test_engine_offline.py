"""The engine without a network, in an order the test decides: every state move is
one the state machine has, a file is published only once its listing is durable,
pause and cancel cut parts in the air, the global slots cap parts across
destinations, and a drain finishes what is in the air. (The same behaviours
against a real S3 server over HTTP are in tests/integration.)"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.events import (
    FileCancelled,
    FileDone,
    FileEvent,
    FileQueued,
    FileStateChanged,
)
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.states import FileState, allowed
from lytsite_desktop.core.transfer.engine import TransferEngine
from lytsite_desktop.core.transfer.slots import PartSlots
from tests.conftest import sha256_file, write_random
from tests.support.engines import Recorder, journal, requests_for
from tests.support.gated import Gate, GatedDestination, HeldLister


def engine(root: Path, gate: Gate, **kw: object) -> TransferEngine:
    settings = TransferSettings(part_size=5 * MiB, multipart_threshold=6 * MiB, concurrency=2)
    lister = kw.pop("lister", None)
    slots = kw.pop("slots", None)
    for k, v in kw.items():
        setattr(settings, k, v)
    dest = GatedDestination(root, gate)
    return TransferEngine(dest, journal(), settings, lister=lister, slots=slots)  # type: ignore[arg-type]


def story(rec: Recorder, task: int) -> list[FileState]:
    """The states a file went through, as its events tell it."""
    moves: list[FileState] = []
    for e in rec.events:
        if getattr(e, "task", None) != task:
            continue
        if isinstance(e, FileQueued):
            moves.append(FileState.QUEUED)
        elif isinstance(e, FileStateChanged):
            moves.append(e.state)
        elif isinstance(e, FileDone):
            moves.append(FileState.PUBLISHED)
        elif isinstance(e, FileCancelled):
            moves.append(FileState.CANCELLED)
    return moves


def test_every_move_is_one_the_state_machine_has_and_every_event_says_where(tmp_path):
    for i in range(3):
        write_random(tmp_path / "in" / f"{i}.jpg", 50_000, seed=i)
    write_random(tmp_path / "in" / "big.tif", 12 * MiB, seed=9)
    gate = Gate()
    gate.open()
    rec = Recorder()
    with engine(tmp_path / "lib", gate) as eng:
        eng.subscribe(rec)
        summary = eng.run(requests_for(tmp_path / "in", "trip"))
    assert summary.published == 4 and not summary.interrupted
    for task in {e.task for e in rec.of(FileQueued)}:
        moves = story(rec, task)
        assert moves[-1] is FileState.PUBLISHED, moves
        for old, new in itertools.pairwise(moves):
            assert allowed(old, new), (old, new, moves)
    for event in rec.events:
        if isinstance(event, FileEvent):
            assert event.dest == f"file://{tmp_path / 'lib'}" and event.project == "trip"


def test_a_file_is_published_only_once_its_listing_is_durable(tmp_path):
    src = write_random(tmp_path / "in" / "a.jpg", 20_000, seed=1)
    gate, lister, rec = Gate(), HeldLister(), Recorder()
    gate.open()
    eng = engine(tmp_path / "lib", gate, lister=lister)
    eng.subscribe(rec)
    listing = threading.Event()
    rec.when(
        lambda e: isinstance(e, FileStateChanged) and e.state is FileState.LISTING,
        listing.set,
    )
    with eng:
        (task,) = eng.add(requests_for(tmp_path / "in"))
        assert listing.wait(10)
        assert not rec.of(FileDone) and journal().get(task).state == "uploading"
        assert lister.listed("shoot", "a.jpg").originalKey  # listed, not yet durable
        lister.make_durable()
        assert eng.wait(10)
    (done,) = rec.of(FileDone)
    assert journal().get(task).state == "published"
    assert sha256_file(next((tmp_path / "lib").rglob("files/*/a.jpg"))) == sha256_file(src)
    assert done.key == lister.listed("shoot", "a.jpg").originalKey


def test_pause_cuts_the_parts_in_the_air_and_resume_finishes(tmp_path):
    src = write_random(tmp_path / "in" / "big.tif", 16 * MiB, seed=3)
    gate, rec = Gate(), Recorder()
    with engine(tmp_path / "lib", gate) as eng:
        eng.subscribe(rec)
        (task,) = eng.add(requests_for(tmp_path / "in"))
        assert gate.wait_for_waiting(1)  # the first part at the gate (a first part goes alone)
        eng.pause([task])
        gate.open()  # the parts go on, find the file paused, and stop
        assert gate.wait_for_inside(0)
        assert story(rec, task)[-1] is FileState.PAUSED
        assert eng.tasks()[0].state is FileState.PAUSED
        eng.resume([task])
        assert eng.wait(20)
    assert story(rec, task)[-1] is FileState.PUBLISHED
    assert sha256_file(next((tmp_path / "lib").rglob("files/*/big.tif"))) == sha256_file(src)


def test_cancel_aborts_and_retry_publishes(tmp_path):
    write_random(tmp_path / "in" / "big.tif", 16 * MiB, seed=4)
    gate, rec = Gate(), Recorder()
    with engine(tmp_path / "lib", gate) as eng:
        eng.subscribe(rec)
        (task,) = eng.add(requests_for(tmp_path / "in"))
        assert gate.wait_for_waiting(1)
        eng.cancel([task])
        gate.open()
        assert eng.wait(10)
        assert eng.tasks()[0].state is FileState.CANCELLED
        assert eng.dest.aborted  # type: ignore[attr-defined]
        assert not list((tmp_path / "lib" / ".lytsite-uploads").iterdir())
        eng.retry([task])
        assert eng.wait(20)
    moves = story(rec, task)
    cancelled = moves.index(FileState.CANCELLED)
    assert moves[cancelled + 1] is FileState.QUEUED and moves[-1] is FileState.PUBLISHED
    assert all(allowed(a, b) for a, b in itertools.pairwise(moves)), moves
    assert eng.tasks()[0].state is FileState.PUBLISHED


def test_the_part_slots_cap_parts_in_flight_across_two_destinations(tmp_path):
    """Two slots for two destinations: at most those two, and one unit beyond them
    for the destination that would otherwise have nothing in flight."""
    for name in ("a", "b"):
        write_random(tmp_path / name / f"{name}.tif", 16 * MiB, seed=ord(name))
    gate = Gate()
    slots = PartSlots(2)
    one = engine(tmp_path / "lib-a", gate, slots=slots, concurrency=2)
    two = engine(tmp_path / "lib-b", gate, slots=slots, concurrency=2)
    with one, two:
        one.add(requests_for(tmp_path / "a"))
        two.add(requests_for(tmp_path / "b"))
        assert gate.wait_for_waiting(2)
        for _ in range(40):  # let them through one by one: never more than three at once
            gate.release()
        gate.open()
        assert one.wait(20) and two.wait(20)
    assert 2 <= slots.peak <= 3 and gate.peak <= 3


def test_drain_finishes_the_parts_in_the_air_and_starts_no_more(tmp_path):
    write_random(tmp_path / "in" / "big.tif", 26 * MiB, seed=5)
    gate = Gate()
    eng = engine(tmp_path / "lib", gate)
    eng.start()
    (task,) = eng.add(requests_for(tmp_path / "in"))
    assert gate.wait_for_waiting(1)  # a first part goes alone until its bytes are in
    assert eng.drain(0) is False  # from now on nothing new starts; one part is in the air
    gate.open()
    drained = eng.drain(10)
    eng.stop()
    assert drained is True
    parts = journal().parts(task)
    assert sorted(parts) == [1], "the part in the air was finished and recorded"
    assert len(eng.dest.parts_sent) == 1, "and nothing more was started"  # type: ignore[attr-defined]
    assert journal().get(task).state == "uploading"  # resumable
