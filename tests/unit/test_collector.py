"""The garbage collector's full passes wait for the window to be idle (each one
holds Python's lock, and so the window, for as long as it walks the heap)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from lytsite_desktop.core.platform.collector import IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def restored() -> Iterator[None]:
    """The collector as it was: its thresholds, and nothing left frozen."""
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def garbage_in_the_old_generation() -> weakref.ref[Node]:
    node = Node()
    gc.collect(1)  # it survives the young passes, and is old now
    gone = weakref.ref(node)
    del node
    return gone


def test_full_passes_run_once_the_window_is_idle_not_while_it_uploads(restored):
    clock = Clock()
    collector = IdleCollector(idle_after=5, busy_every=600, clock=clock)
    collector.start()
    assert gc.get_threshold()[2] > 10**8 and gc.get_freeze_count() > 0
    garbage = garbage_in_the_old_generation()
    for _ in range(60):  # a minute of uploading, ticked every second
        clock.now += 1
        assert not collector.tick(busy=True)
        for _ in range(200):  # young passes go on; the old garbage stays
            [Node() for _ in range(10)]
    assert garbage() is not None
    clock.now += 4
    assert not collector.tick(busy=False)  # idle, but only just
    clock.now += 1
    assert collector.tick(busy=False) and garbage() is None
    clock.now += 60
    assert not collector.tick(busy=False)  # nothing has run since: no pass


def test_a_long_upload_still_gets_a_full_pass_every_so_often(restored):
    clock = Clock()
    collector = IdleCollector(idle_after=5, busy_every=600, clock=clock)
    collector.start()
    garbage = garbage_in_the_old_generation()
    passes = 0
    for second in range(1, 1201):  # twenty minutes of uploading
        clock.now = 1000 + second
        passes += collector.tick(busy=True)
    assert passes == 2 and garbage() is None
