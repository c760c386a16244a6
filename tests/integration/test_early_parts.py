"""A big file new at its path leaves before its SHA-256 is known (transfer/early.py):
real HTTP to moto; the file's read through SHA-256 held back by a gate, so what
leaves meanwhile is seen at the store."""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager

import pytest

from lytsite_desktop.core.events import FileDone
from lytsite_desktop.core.keys import file_id
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer import hashing
from tests.conftest import object_sha256, sha256_file, write_random
from tests.support.engines import Recorder, engine, requests_for
from tests.support.netproxy import TcpProxy


@pytest.fixture
def hash_gate(monkeypatch):  # type: ignore[no-untyped-def]
    """Every read of a file through SHA-256 waits until the gate is opened."""
    gate = threading.Event()
    real = hashing.read_hashes

    def gated(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert gate.wait(60), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(hashing, "read_hashes", gated)
    yield gate
    gate.set()


def _parts_in_store(s3, bucket: str) -> int:  # type: ignore[no-untyped-def]
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return sum(
        len(s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", []))
        for u in uploads
    )


@contextmanager
def _publishing(eng, folder, gate):  # type: ignore[no-untyped-def]
    """The folder published on a thread; on the way out the gate opens and the run ends."""
    running = threading.Thread(target=eng.run, args=(requests_for(folder),))
    running.start()
    try:
        yield
    finally:
        gate.set()
        running.join(60)


def _wait_for(what, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _manifest(s3, bucket: str, project: str = "shoot") -> dict:  # type: ignore[no-untyped-def]
    key = f"projects/{project}/manifest.json"
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_a_big_new_files_parts_leave_while_it_is_hashed(tmp_path, bucket, s3, s3_server, hash_gate):
    """Its first part waited for the whole file's SHA-256 (its key held the content
    id): nothing left while the file was read. Its parts now leave at once; the
    manifest lists it only once its SHA-256 is known, with the SHA-256 of the
    bytes in the store."""
    folder = tmp_path / "film"
    big = write_random(folder / "ceremony.mov", 23 * MiB + 4321, seed=1)
    rec = Recorder()
    with engine(bucket, s3_server.url) as eng:
        eng.subscribe(rec)
        with _publishing(eng, folder, hash_gate):
            _wait_for(lambda: _parts_in_store(s3, bucket) >= 2)  # the file not yet hashed
            assert not rec.of(FileDone)
    (done,) = rec.of(FileDone)
    entry = _manifest(s3, bucket)["files"][0]
    assert entry["sha256"] == sha256_file(big) == object_sha256(s3, bucket, done.key)
    assert (
        entry["originalKey"] == done.key == f"projects/shoot/files/{entry['fileId']}/ceremony.mov"
    )
    # Its id was made for this upload (the content was not known when it began).
    assert entry["fileId"] != file_id(entry["sha256"], "ceremony.mov")
    assert "sha256" not in s3.head_object(Bucket=bucket, Key=done.key)["Metadata"]


def test_the_same_big_file_again_sends_nothing_here_or_from_another_computer(
    tmp_path, bucket, s3_server, monkeypatch
):
    """Its id is not made from its content, so a second publish finds it by the
    journal's and the manifest's SHA-256 at its path (a HEAD, no bytes)."""
    folder = tmp_path / "film"
    write_random(folder / "ceremony.mov", 14 * MiB, seed=2)
    with engine(bucket, s3_server.url) as eng:
        rec = Recorder()
        eng.subscribe(rec)
        assert eng.run(requests_for(folder)).published == 1
    key = rec.of(FileDone)[0].key
    assert file_id(sha256_file(folder / "ceremony.mov"), "ceremony.mov") not in key
    for home in (None, tmp_path / "second-computer"):  # this journal, then an empty one
        if home is not None:
            monkeypatch.setenv("LYTSITE_HOME", str(home))
        with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
            rec = Recorder()
            eng.subscribe(rec)
            summary = eng.run(requests_for(folder))
        assert summary.published == 1 and summary.bytes_sent == 0, home
        assert rec.of(FileDone)[0].key == key and rec.of(FileDone)[0].already_published
        assert proxy.bytes_up < 64 * 1024


def test_bytes_changed_unseen_while_parts_left_start_it_over(
    tmp_path, bucket, s3, s3_server, hash_gate
):
    """Parts sent, then the file rewritten in place with its size and time kept
    (nothing a stat sees): the SHA-256 read after would describe other bytes than
    those in the store. The parts' checksums from that read are compared with
    those sent before completion: it starts over, and what is published is whole."""
    folder = tmp_path / "film"
    big = write_random(folder / "ceremony.mov", 16 * MiB, seed=3)
    st = big.stat()
    rec = Recorder()
    with engine(bucket, s3_server.url) as eng:
        eng.subscribe(rec)
        with _publishing(eng, folder, hash_gate):
            _wait_for(lambda: _parts_in_store(s3, bucket) >= 1)
            with big.open("r+b") as fh:  # the first part's bytes, changed
                fh.write(os.urandom(4096))
            os.utime(big, ns=(st.st_atime_ns, st.st_mtime_ns))
    (done,) = rec.of(FileDone)
    entry = _manifest(s3, bucket)["files"][0]
    assert entry["sha256"] == sha256_file(big) == object_sha256(s3, bucket, done.key)
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")  # none left behind


_KILLED_RUN = """
import sys, threading
from pathlib import Path
from lytsite_desktop.core.transfer import hashing
from tests.support.engines import engine, requests_for

hashing.read_hashes = lambda *a, **k: threading.Event().wait()  # hashed never, here
bucket, endpoint, folder = sys.argv[1:]
with engine(bucket, endpoint) as eng:
    eng.run(requests_for(Path(folder)))
"""


def test_killed_while_its_parts_left_unhashed_it_resumes_the_same_upload(
    tmp_path, bucket, s3, s3_server
):
    """kill -9 while a big file's parts leave and its SHA-256 is not yet known: the
    next run takes up the same upload (the parts in the store are not sent again),
    reads the SHA-256, checks the parts against it and completes."""
    import subprocess
    import sys
    from pathlib import Path

    folder = tmp_path / "film"
    big = write_random(folder / "ceremony.mov", 30 * MiB, seed=4)
    repo = Path(__file__).resolve().parents[2]
    run = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUN, bucket, s3_server.url, str(folder)], cwd=repo,
        env=dict(os.environ, PYTHONPATH=str(repo)),
    )  # fmt: skip
    try:
        _wait_for(lambda: _parts_in_store(s3, bucket) >= 3)
    finally:
        run.kill()
        run.wait(30)
    (upload,) = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    with engine(bucket, s3_server.url) as eng:
        rec = Recorder()
        eng.subscribe(rec)
        summary = eng.run(resume=True)
    assert summary.published == 1
    (done,) = rec.of(FileDone)
    assert done.key == upload["Key"]  # the same upload, completed
    assert summary.bytes_sent <= 30 * MiB - 3 * 5 * MiB  # the three parts in the store: not again
    entry = _manifest(s3, bucket)["files"][0]
    assert entry["sha256"] == sha256_file(big) == object_sha256(s3, bucket, done.key)
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_a_big_photos_preview_and_original_share_the_id_its_parts_left_under(
    tmp_path, bucket, s3, s3_server, hash_gate
):
    """Its parts left before anything was hashed, its preview came after: the
    preview, the thumbnail and the original are under the one id the manifest
    lists, and the row said "uploading" while the parts left, never "hashing"."""
    from lytsite_desktop.core.config.paths import AppPaths
    from lytsite_desktop.core.config.settings import PreviewSettings
    from lytsite_desktop.core.events import FileStateChanged
    from lytsite_desktop.core.previews.maker import PreviewMaker
    from lytsite_desktop.core.states import FileState
    from tests.support.images import jpeg_bytes, marked_image

    folder = tmp_path / "film"
    big = folder / "poster.jpg"  # a real JPEG with 20 MiB behind it: a big original
    folder.mkdir()
    big.write_bytes(jpeg_bytes(marked_image((2400, 1600))) + os.urandom(20 * MiB))
    maker = PreviewMaker(PreviewSettings(workers=1), AppPaths.discover().cache_dir)
    rec = Recorder()
    try:
        with engine(bucket, s3_server.url, previews=maker) as eng:
            eng.subscribe(rec)
            with _publishing(eng, folder, hash_gate):
                _wait_for(lambda: _parts_in_store(s3, bucket) >= 2)
    finally:
        maker.close()
    entry = _manifest(s3, bucket)["files"][0]
    fid = entry["fileId"]
    assert fid != file_id(sha256_file(big), "poster.jpg")
    assert entry["sha256"] == sha256_file(big) == object_sha256(s3, bucket, entry["originalKey"])
    for key in (entry["originalKey"], entry["preview"]["key"], entry["thumb"]["key"]):
        assert f"/{fid}/" in key
        s3.head_object(Bucket=bucket, Key=key)
    states = [e.state for e in rec.of(FileStateChanged)]
    assert FileState.UPLOADING in states
    assert FileState.HASHING not in states[states.index(FileState.UPLOADING) :]
