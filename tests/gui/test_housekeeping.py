"""Python's own housekeeping (the garbage collector's full passes, the turns
threads take at the interpreter's lock) kept from stopping the window."""

from __future__ import annotations

import gc
import sys

from lytsite_desktop.core.platform.collector import IdleCollector
from lytsite_desktop.gui.app import keep_responsive
from tests.conftest import write_random
from tests.gui.conftest import drop


class ToldCollector(IdleCollector):
    """Keeps what the window tells it, and whether a file was uploading at each pass."""

    def __init__(self, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__(idle_after=0.3, walk=lambda: self.passes_while.append(window.uploading))
        self.told: list[bool] = []
        self.passes_while: list[bool] = []

    def tick(self, busy: bool) -> bool:
        self.told.append(busy)
        return super().tick(busy)


def test_the_window_leaves_full_collections_for_when_nothing_uploads(tmp_path, window_for, qtbot):
    folder = tmp_path / "Shoot"
    for i in range(3):
        write_random(folder / f"{i}.bin", 300_000, seed=i)
    window = window_for()
    collector = window.collector = ToldCollector(window.upload)
    drop(window.upload.drop_area, [folder])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 3, timeout=10_000)
    window.upload.publish()
    qtbot.waitUntil(
        lambda: [r.state for r in window.upload.model.rows] == ["published"] * 3, timeout=30_000
    )
    qtbot.waitUntil(lambda: bool(collector.passes_while), timeout=5_000)
    # told of the upload, and a pass only once it was over
    assert True in collector.told and collector.passes_while == [False]


def test_the_app_keeps_python_s_housekeeping_from_stopping_the_window():
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    try:
        collector = keep_responsive()
        # the lock handed over within 1 ms; full passes only when the window asks
        assert sys.getswitchinterval() <= 0.001 and gc.get_threshold()[2] > 10**8
        assert collector.passes == 1 and gc.get_freeze_count() > 0
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)
        gc.unfreeze()
