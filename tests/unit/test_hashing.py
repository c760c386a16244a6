"""Files are read for their hashes a core at a time: the first ones are done first."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from types import SimpleNamespace
from typing import ClassVar

from lytsite_desktop.core.errors import Interrupted
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer import hashing
from tests.conftest import write_random


class _SlowSha256:
    """hashlib's SHA-256, 5 ms slower a chunk (a slow disk: the GIL is free), that
    notes when each file's reading began and ended."""

    spans: ClassVar[list[list[float]]] = []

    def __init__(self) -> None:
        self._real = hashlib.sha256()
        self._span: list[float] = []
        _SlowSha256.spans.append(self._span)

    def update(self, chunk: bytes) -> None:
        now = time.monotonic()
        if not self._span:
            self._span.append(now)
        time.sleep(0.005)
        self._real.update(chunk)
        self._span[1:] = [time.monotonic()]

    def hexdigest(self) -> str:
        return self._real.hexdigest()


def test_no_more_files_are_read_at_once_than_there_are_cores(tmp_path, monkeypatch):
    """More at once would only share the cores between files, and make every file's
    hash (and the preview and upload waiting for it) come later."""
    monkeypatch.setattr(hashing, "hashlib", SimpleNamespace(sha256=_SlowSha256))
    _SlowSha256.spans = []
    count = 3 * hashing.READERS
    files = [write_random(tmp_path / f"IMG_{i}.jpg", 4 * MiB, seed=i) for i in range(count)]
    sums: dict[int, str] = {}

    def read(i: int) -> None:
        path = str(files[i])
        sums[i] = hashing.read_hashes(path, os.stat(path), "sha256", [], lambda: False)[0]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(sums) == count
    assert sums[0] == hashlib.sha256(files[0].read_bytes()).hexdigest()
    spans = _SlowSha256.spans
    assert len(spans) == count and all(len(s) == 2 for s in spans)
    most = max(sum(1 for b, e in spans if b <= start < e) for start, _ in spans)
    assert most <= hashing.READERS


def test_reads_that_hang_hold_up_the_others_for_a_second_at_most(tmp_path):
    """One bad file never stops the others: every turn held (reads hanging on a card
    with bad sectors), a file is still read, once its wait is over."""
    path = write_random(tmp_path / "IMG_1.jpg", 100_000, seed=1)
    for _ in range(hashing.READERS):
        hashing._READERS.acquire()
    sums: list[str] = []
    try:
        started = time.monotonic()
        reader = threading.Thread(
            target=lambda: sums.append(
                hashing.read_hashes(str(path), os.stat(path), "sha256", [], lambda: False)[0]
            ),
            daemon=True,
        )
        reader.start()
        reader.join(10)
        assert sums == [hashlib.sha256(path.read_bytes()).hexdigest()]
        assert time.monotonic() - started >= hashing.TURN_WAIT * 0.9, "it did not wait its turn"
    finally:
        for _ in range(hashing.READERS):
            hashing._READERS.release()


def test_a_file_waiting_for_its_turn_stops_when_told(tmp_path):
    """A paused or cancelled file does not wait for the others' reads to finish."""
    path = write_random(tmp_path / "IMG_1.jpg", 100_000, seed=1)
    for _ in range(hashing.READERS):
        hashing._READERS.acquire()
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            hashing.read_hashes(str(path), os.stat(path), "sha256", [], lambda: True)
        except BaseException as exc:
            outcome.append(exc)

    try:
        waiting = threading.Thread(target=read, daemon=True)
        waiting.start()
        waiting.join(10)
        assert not waiting.is_alive(), "it waited for a turn it had been told to give up"
        assert len(outcome) == 1 and isinstance(outcome[0], Interrupted)
    finally:
        for _ in range(hashing.READERS):
            hashing._READERS.release()
    sha, _ = hashing.read_hashes(str(path), os.stat(path), "sha256", [], lambda: False)
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest(), "the turns were all given back"
