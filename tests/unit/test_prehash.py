"""Big files read ahead (SHA-256 and their parts' checksums) while a command still
reaches the store, and handed to the engine instead of being read again."""

from __future__ import annotations

import hashlib
import os
import time
import zlib

import google_crc32c
import pytest

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Checksum, new_hash
from lytsite_desktop.core.errors import Interrupted
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.store.records import HashEntry
from lytsite_desktop.core.transfer import hashing
from lytsite_desktop.core.transfer.hashing import read_hashes
from lytsite_desktop.core.transfer.prehash import Prehasher
from tests.conftest import write_random

SETTINGS = TransferSettings(part_size=5 * MiB, multipart_threshold=8 * MiB)


@pytest.fixture
def journal(tmp_path):  # type: ignore[no-untyped-def]
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


@pytest.fixture
def pre(journal):  # type: ignore[no-untyped-def]
    """A prehasher for 5 MiB parts under CRC-32; stopped (its thread gone) before
    the journal closes."""
    p = Prehasher(SETTINGS, "crc32", journal)
    yield p
    p.stop()


def _until(condition, within: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return bool(condition())


def test_a_big_file_is_read_once_with_its_parts_checksums(tmp_path, pre):
    big = write_random(tmp_path / "clip.mov", 12 * MiB + 123, seed=1)
    small = write_random(tmp_path / "still.jpg", 100_000, seed=2)
    pre.start([str(big), str(small)])
    assert _until(lambda: str(big) in pre._read)
    sha, sums = pre.take(str(big), os.stat(big)) or ("", {})
    data = big.read_bytes()
    assert sha == hashlib.sha256(data).hexdigest()
    parts = [(0, 5 * MiB), (5 * MiB, 5 * MiB), (10 * MiB, len(data) - 10 * MiB)]
    assert sorted(sums) == parts
    for offset, length in parts:
        crc = zlib.crc32(data[offset : offset + length]).to_bytes(4, "big")
        assert sums[(offset, length)].algorithm == "crc32"
        assert sums[(offset, length)].digest == crc
    assert pre.take(str(small), os.stat(small)) is None, "a file for one PUT is not read ahead"
    assert pre.take(str(big), os.stat(big)) is None, "handed over once"


def test_the_engine_waits_for_the_file_being_read_and_reads_the_others_itself(tmp_path, pre):
    first = write_random(tmp_path / "a.mov", 160 * MiB, seed=3)
    second = write_random(tmp_path / "b.mov", 9 * MiB, seed=4)
    pre.start([str(first), str(second)])
    assert _until(lambda: pre._reading == str(first))
    # The engine takes the second file before it is reached: it reads it itself ...
    assert pre.take(str(second), os.stat(second)) is None
    # ... and waits for the first, being read now, rather than reading it twice.
    got = pre.take(str(first), os.stat(first))
    assert got is not None and got[0] == hashlib.sha256(first.read_bytes()).hexdigest()
    assert _until(lambda: pre._reading is None)
    assert str(second) not in pre._read, "a file the engine claimed was read anyway"


def test_a_file_paused_while_it_is_read_ahead_says_so_at_once(tmp_path, pre):
    big = write_random(tmp_path / "a.mov", 160 * MiB, seed=9)
    pre.start([str(big)])
    assert _until(lambda: pre._reading == str(big))
    with pytest.raises(Interrupted):  # the engine's pause, not the end of the read
        pre.take(str(big), os.stat(big), should_stop=lambda: True)


def test_changed_files_and_known_hashes_are_not_handed_over(tmp_path, journal, pre):
    changed = write_random(tmp_path / "a.mov", 9 * MiB, seed=5)
    known = write_random(tmp_path / "b.mov", 9 * MiB, seed=6)
    st = os.stat(known)
    journal.store_hash(HashEntry(str(known), st.st_size, st.st_mtime_ns, st.st_ino, "ab" * 32))
    pre.start([str(changed), str(known)])
    assert _until(lambda: str(changed) in pre._read)
    with changed.open("r+b") as fh:  # edited after it was read
        fh.write(b"new")
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert pre.take(str(changed), os.stat(changed)) is None
    assert _until(lambda: pre._reading is None)
    assert str(known) not in pre._read, "a file whose hash the journal keeps was read again"


def test_stop_gives_up_the_file_being_read_and_leaves_nothing_running(tmp_path, pre):
    """The command closes the journal right after: a thread still asking it for
    cached hashes printed a traceback on the photographer's terminal."""
    files = [write_random(tmp_path / f"{n}.mov", 48 * MiB, seed=10 + n) for n in range(3)]
    pre.start([str(p) for p in files])
    assert _until(lambda: pre._reading is not None)
    pre.stop()
    assert pre._thread is not None and not pre._thread.is_alive()
    assert pre._reading is None  # the journal may close now
    assert all(pre.take(str(p), os.stat(p)) is None for p in files)


@pytest.mark.parametrize("algorithm", ["crc32c", "crc32", "md5"])
def test_one_read_gives_the_sha256_and_each_spans_checksum(tmp_path, algorithm):
    """Spans that end inside a read (the read is 1 MiB) get their own bytes' checksum,
    whichever algorithm the parts carry (CRC-32C in the read itself, the slower ones
    on a second thread)."""
    path = write_random(tmp_path / "clip.mov", 3 * MiB + 5, seed=9)
    data = path.read_bytes()
    spans = [(0, MiB + MiB // 2), (MiB + MiB // 2, MiB + MiB // 2), (3 * MiB, 5)]
    sha, sums = read_hashes(str(path), os.stat(path), algorithm, spans, lambda: False)
    assert sha == hashlib.sha256(data).hexdigest()
    for offset, length in spans:
        span = data[offset : offset + length]
        expected = {
            "crc32c": google_crc32c.value(span).to_bytes(4, "big"),
            "crc32": zlib.crc32(span).to_bytes(4, "big"),
            "md5": hashlib.md5(span).digest(),
        }[algorithm]
        assert sums[(offset, length)] == Checksum(algorithm, expected)


def test_crc32c_is_castagnolis():
    """The check value of CRC-32C ("123456789" -> E3069283), as S3 and R2 compute it,
    and fed in pieces."""
    h = new_hash("crc32c")
    h.update(b"1234")
    h.update(memoryview(b"xx56789")[2:])
    assert h.digest() == bytes.fromhex("e3069283")


def test_a_read_inside_one_span_goes_to_its_checksum_uncopied(tmp_path, monkeypatch):
    """CRC-32C takes bytes only: a view of a read was copied first, every byte of a
    big file once more before its first part could go (0.1 s a GiB)."""
    path = write_random(tmp_path / "clip.mov", 3 * MiB, seed=11)
    given: list[type] = []

    class Recording:
        def __init__(self, algorithm: str) -> None:
            self._real = new_hash("crc32c")  # type: ignore[arg-type]

        def update(self, data: bytes | memoryview) -> None:
            given.append(type(data))
            self._real.update(data)

        def digest(self) -> bytes:
            return self._real.digest()

    monkeypatch.setattr(hashing, "new_hash", Recording)
    spans = [(0, 2 * MiB), (2 * MiB, MiB)]  # whole reads of 1 MiB
    _, sums = read_hashes(str(path), os.stat(path), "crc32c", spans, lambda: False)
    assert given == [bytes, bytes, bytes]
    tail = google_crc32c.value(path.read_bytes()[2 * MiB :]).to_bytes(4, "big")
    assert sums[(2 * MiB, MiB)] == Checksum("crc32c", tail)
