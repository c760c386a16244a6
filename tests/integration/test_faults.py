"""Broken links, outages, full disks and changes behind the engine's back, for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lytsite_desktop.core.errors import PermanentError, TransientError
from lytsite_desktop.core.events import (
    FileCancelled,
    FileDone,
    FileFailed,
    FileStateChanged,
    Progress,
)
from lytsite_desktop.core.previews import notes
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.retry import (
    BACKOFF_CAP,
    MAX_SERVER_RETRIES,
    NETWORK_BACKOFF_CAP,
    retrying,
)
from lytsite_desktop.core.transfer.task import FileTask, Original
from tests.conftest import object_sha256, sha256_file, write_random
from tests.support.engines import Recorder, engine, journal, requests_for
from tests.support.images import jpeg_bytes, scene
from tests.support.netproxy import Faults, TcpProxy

REPO = Path(__file__).resolve().parents[2]


def test_resetting_and_stalling_link_still_delivers_every_file(tmp_path, bucket, s3, s3_server):
    folder = tmp_path / "f"
    files = [write_random(folder / "big.tif", 21 * MiB, seed=11)]
    files += [write_random(folder / f"s{i}.jpg", 300_000 + i * 7919, seed=i) for i in range(12)]
    # Every even connection resets within its first body (the pool may reuse a
    # few connections only, so a later threshold could go unmet), every fifth stalls.
    faults = Faults(
        reset_after=250_000, reset_every=2, stall_after=200_000, stall_every=5, stall_seconds=6
    )
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, faults=faults) as proxy,
        engine(bucket, proxy.url, read_timeout=2.0, concurrency=4) as eng,
    ):
        eng.subscribe(rec)
        summary = eng.run(requests_for(folder))
    assert proxy.resets > 0 and proxy.stalls > 0  # the faults really happened
    assert summary.published == len(files) and summary.failed == 0
    done = {e.rel_path: e.key for e in rec.of(FileDone)}
    for f in files:
        assert object_sha256(s3, bucket, done[f.name]) == sha256_file(f)
    assert any(e.state == "retrying" for e in rec.of(FileStateChanged))


def test_a_store_that_says_slow_down_is_waited_out(tmp_path, bucket, s3, s3_server):
    """503 Slow Down (S3 and R2 under load), on every other connection's first
    request: retried with backoff, every file arrives whole."""
    folder = tmp_path / "s"
    files = [write_random(folder / "big.tif", 12 * MiB, seed=3)]
    files += [write_random(folder / f"s{i}.jpg", 200_000 + i, seed=i) for i in range(6)]
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, faults=Faults(reject_every=2)) as proxy,
        engine(bucket, proxy.url, concurrency=3) as eng,
    ):
        eng.subscribe(rec)
        summary = eng.run(requests_for(folder))
    assert proxy.rejected > 0
    assert summary.published == len(files) and summary.failed == 0
    done = {e.rel_path: e.key for e in rec.of(FileDone)}
    for f in files:
        assert object_sha256(s3, bucket, done[f.name]) == sha256_file(f)
    assert any(e.state == "retrying" for e in rec.of(FileStateChanged))


def test_dead_network_waits_then_finishes(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "n" / "big.tif", 16 * MiB, seed=2)
    rec = Recorder()
    with TcpProxy(s3_server.port, up_rate=4 * MiB) as proxy:
        waiting = threading.Event()

        def network_dies() -> None:
            proxy.set_network_down(True)

        def network_returns() -> None:
            waiting.set()
            threading.Timer(1.0, proxy.set_network_down, args=(False,)).start()

        rec.when(lambda e: isinstance(e, Progress) and e.bytes_done > 3 * MiB, network_dies)
        rec.when(
            lambda e: isinstance(e, FileStateChanged) and e.state == "waiting for network",
            network_returns,
        )
        with engine(bucket, proxy.url, read_timeout=3.0) as eng:
            eng.subscribe(rec)
            summary = eng.run(requests_for(tmp_path / "n"))
    assert waiting.is_set()
    assert summary.published == 1
    assert object_sha256(s3, bucket, rec.of(FileDone)[0].key) == sha256_file(src)


@pytest.mark.parametrize(
    ("network", "patient", "cap", "tries"),
    [(True, False, NETWORK_BACKOFF_CAP, 3 * MAX_SERVER_RETRIES),  # waited out
     (False, True, NETWORK_BACKOFF_CAP, 3 * MAX_SERVER_RETRIES),  # a full disk: waited out
     (False, False, BACKOFF_CAP, MAX_SERVER_RETRIES)],  # a busy server: then it fails
)  # fmt: skip
def test_waiting_for_the_network_looks_again_often_and_server_errors_back_off_further(
    network, patient, cap, tries
):
    """A dead network (or a full disk) costs nothing to ask again, for as long as it
    takes; a busy server is given room, MAX_SERVER_RETRIES times, then the file fails."""
    asked: list[tuple[float, bool]] = []
    failures = iter(range(tries))

    def fn() -> str:
        if next(failures, None) is not None:
            raise TransientError("down", network=network, patient=patient)
        return "through"

    def sleep(seconds: float, net: bool) -> bool:
        asked.append((seconds, net))
        return False

    def run() -> str:
        return retrying(fn, should_stop=lambda: False, set_state=lambda s, d: None,
                        recovered=lambda: None, sleep=sleep)  # fmt: skip

    assert run() == "through" and len(asked) == tries
    assert all(net is (network or patient) for _, net in asked)  # woken by another's luck
    assert cap / 2 <= max(s for s, _ in asked) <= cap
    if not (network or patient):
        failures = iter(range(tries + 1))  # one more: given up
        with pytest.raises(PermanentError, match="kept failing"):
            run()


def test_a_file_that_gets_through_wakes_the_files_waiting_for_the_network(bucket, s3_server):
    """Seen under Xvfb: the network back, one photo "waiting for network" for 20 s
    more while the others went on (each waited out its own backoff). One file
    getting through now wakes those waiting for the network; a server's backoff
    (a 503) is kept."""
    with engine(bucket, s3_server.url) as eng:
        files = eng.files
        network, server, through = (FileTask(i, f"/{i}", f"{i}.jpg", "p", 1) for i in range(3))
        through.original = Original.UP
        ended: dict[str, bool] = {}

        def wait(name: str, task: FileTask, for_network: bool) -> None:
            ended[name] = files.sleep(task, 120, True, patient=for_network)

        sleepers = [threading.Thread(target=wait, args=("network", network, True)),
                    threading.Thread(target=wait, args=("server", server, False))]  # fmt: skip
        for t in sleepers:
            t.start()
        deadline = time.monotonic() + 10
        while "network" not in ended and time.monotonic() < deadline:
            files.recovered(through)  # again, in case the sleeper was not asleep yet
            time.sleep(0.1)
        assert ended.get("network") is False, "woken, not interrupted"
        assert "server" not in ended, "a server's backoff is not cut short"
        with files.lock:
            server.cancel_requested = True
            files.lock.notify_all()
        for t in sleepers:
            t.join(10)
        assert ended["server"] is True  # interrupted by the cancel


def test_a_file_whose_bytes_leave_again_says_uploading_before_its_retry_is_done(
    tmp_path, bucket, s3, s3_server
):
    """Seen under Xvfb: the network back, a photo at 98% still "waiting for network"
    (its one PUT, sent again, is one retry). Once its bytes have been leaving for a
    moment, it is uploading."""
    src = write_random(tmp_path / "n" / "portrait.jpg", 5 * MiB, seed=3)
    rec = Recorder()
    with TcpProxy(s3_server.port, up_rate=1 * MiB) as proxy:
        rec.when(lambda e: isinstance(e, Progress) and e.bytes_done > MiB,
                 lambda: proxy.set_network_down(True))  # fmt: skip
        rec.when(
            lambda e: isinstance(e, FileStateChanged) and e.state == "waiting for network",
            lambda: threading.Timer(1.0, proxy.set_network_down, args=(False,)).start(),
        )
        with engine(bucket, proxy.url, read_timeout=3.0) as eng:
            eng.subscribe(rec)
            summary = eng.run(requests_for(tmp_path / "n"))
    assert summary.published == 1
    assert object_sha256(s3, bucket, rec.of(FileDone)[0].key) == sha256_file(src)
    states = [(i, e.state) for i, e in enumerate(rec.events) if isinstance(e, FileStateChanged)]
    last_wait = max(i for i, state in states if state == "waiting for network")
    back = next(i for i, state in states if i > last_wait and state == "uploading")
    later = [e for e in rec.events[back:] if isinstance(e, Progress)]
    assert any(e.bytes_done < src.stat().st_size for e in later), "said only once it was done"


def test_a_full_disk_says_so_and_the_upload_goes_on_once_space_is_freed(tmp_path):
    """The library's disk full: a real 12 MB filesystem of its own (tmpfs, in a
    mount namespace of the command's), 9 MB of it taken. The files say why they
    wait; space freed, every file arrives whole. (Before, the terminal said nothing
    for minutes, then "The storage service kept failing".)"""
    folder = tmp_path / "Shoot"
    sources = [write_random(folder / f"IMG_{i}.dat", 2 * MiB, seed=i) for i in range(3)]
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=12M none "$1" && head -c 9M /dev/zero > "$1/blocker" && '
        '"$2" -m lytsite_desktop upload "$3" --dest "file://$1/lib" --json --no-previews; '
        'echo "{\\"exit\\": $?}"; find "$1/lib/projects" -path "*/files/*" -type f '
        "-exec sha256sum {} +"
    )
    proc = subprocess.Popen(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
         str(disk), sys.executable, str(folder)],
        stdout=subprocess.PIPE, text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip
    assert proc.stdout is not None
    said = ""
    for line in proc.stdout:
        event = json.loads(line)
        if event.get("state") == "retrying":
            said = event["detail"]
            Path(f"/proc/{proc.pid}/root{disk}/blocker").unlink()  # the command's view
            break
    rest = proc.stdout.read().splitlines()
    assert proc.wait(60) == 0
    assert "is full; free some space to continue" in said
    assert json.loads(next(x for x in rest if x.startswith('{"exit"'))) == {"exit": 0}
    arrived = sorted(x.split()[0] for x in rest if not x.startswith("{") and "/files/" in x)
    assert arrived == sorted(sha256_file(p) for p in sources)


_RENDER = """
import sys
from lytsite_desktop.core.previews.jobs import RenderJob, render
job = RenderJob(source=sys.argv[2], kind="image", label="JPEG", out_dir=sys.argv[1], size=1800,
                quality=85, thumb_size=480, thumb_quality=80, max_pixels=10**8)
result = render(job)
print(result.note, result.lasting, sep="\\n")
"""


def test_a_full_disk_where_previews_are_made_is_said_as_such(tmp_path):
    """This computer's own disk full (a 2 MB tmpfs, full, in a mount namespace):
    the preview's note said "an unexpected error"."""
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(jpeg_bytes(scene((2400, 1600), seed=4)))
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=2M none "$1" && mkdir "$1/work" && '
        '{ head -c 3M /dev/zero > "$1/blocker" 2>/dev/null; "$2" -c "$RENDER" "$1/work" "$3"; }'
    )
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh",
         str(disk), sys.executable, str(photo)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(REPO), RENDER=_RENDER),
    )  # fmt: skip
    assert done.stdout.splitlines() == [notes.disk_full(), "False"], done.stderr[-2000:]


def test_cancel_aborts_the_multipart_upload_on_the_server(tmp_path, bucket, s3, s3_server):
    write_random(tmp_path / "c" / "big.tif", 30 * MiB, seed=4)
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, up_rate=4 * MiB) as proxy,
        engine(bucket, proxy.url) as eng,
    ):
        eng.subscribe(rec)
        rec.when(
            lambda e: isinstance(e, Progress) and e.bytes_done > 6 * MiB,
            lambda: eng.cancel(),
        )
        # The upload really started on the server before the cancel.
        summary = eng.run(requests_for(tmp_path / "c"))
    assert summary.cancelled == 1 and summary.published == 0
    assert rec.of(FileCancelled)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket, Prefix="projects/c/files/").get("KeyCount") == 0


def test_pause_stops_sending_and_resume_finishes(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "p" / "big.tif", 20 * MiB, seed=8)
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy,
        engine(bucket, proxy.url) as eng,
    ):
        eng.subscribe(rec)
        paused = threading.Event()

        def pause() -> None:
            eng.pause()
            paused.set()

        rec.when(lambda e: isinstance(e, Progress) and e.bytes_done > 5 * MiB, pause)
        eng.add(requests_for(tmp_path / "p"))
        assert paused.wait(20)
        # Cut parts unwind; a part whose whole body was already in the kernel's
        # buffers drains from them (at 6 MiB/s, under a second). A pause that cut
        # nothing would still be sending the file's last 15 MiB 2.5 s from now.
        _quiet(proxy, within=1.5)
        before = proxy.bytes_up
        time.sleep(1.5)
        assert proxy.bytes_up - before < 64 * 1024  # nothing moves while paused
        assert rec.of(FileStateChanged)[-1].state == "paused", "the cut parts are no failure"
        eng.resume()
        assert eng.wait(60)
    assert object_sha256(s3, bucket, rec.of(FileDone)[0].key) == sha256_file(src)


def _quiet(proxy: TcpProxy, within: float, still: float = 0.25) -> None:
    """Wait until nothing has crossed the proxy for ``still`` seconds (at most ``within``)."""
    deadline = time.monotonic() + within
    last, since = proxy.bytes_up, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < still:
        time.sleep(0.05)
        if proxy.bytes_up != last:
            last, since = proxy.bytes_up, time.monotonic()


def test_source_modified_mid_upload_starts_over(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "m" / "edit.tif", 24 * MiB, seed=9)
    rec = Recorder()

    def photographer_saves_an_edit() -> None:
        with src.open("r+b") as fh:
            fh.seek(20 * MiB)
            fh.write(b"retouched" * 1000)
        st = src.stat()
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    with (
        TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy,
        engine(bucket, proxy.url) as eng,
    ):
        eng.subscribe(rec)
        rec.when(
            lambda e: isinstance(e, Progress) and e.bytes_done > 6 * MiB,
            photographer_saves_an_edit,
        )
        summary = eng.run(requests_for(tmp_path / "m"))
    assert summary.published == 1
    key = rec.of(FileDone)[0].key
    assert object_sha256(s3, bucket, key) == sha256_file(src)  # the new bytes, whole
    assert any("changed" in e.detail for e in rec.of(FileStateChanged))
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_upload_id_deleted_behind_our_back_starts_over(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "u" / "big.tif", 22 * MiB, seed=10)
    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        with engine(bucket, proxy.url) as eng:
            rec = Recorder()
            eng.subscribe(rec)
            rec.when(
                lambda e: isinstance(e, Progress) and e.bytes_done > 8 * MiB,
                lambda: threading.Thread(target=eng.stop).start(),
            )
            assert eng.run(requests_for(tmp_path / "u")).interrupted
        (row,) = journal().unfinished()
        assert row.upload_id
        s3.abort_multipart_upload(Bucket=bucket, Key=row.key, UploadId=row.upload_id)

        rec = Recorder()
        with engine(bucket, proxy.url) as eng:
            eng.subscribe(rec)
            summary = eng.run(resume=True)
    assert summary.published == 1
    assert object_sha256(s3, bucket, rec.of(FileDone)[0].key) == sha256_file(src)
    assert summary.bytes_sent >= 22 * MiB  # really started over


def test_vanished_file_fails_alone(tmp_path, bucket, s3_server):
    folder = tmp_path / "v"
    write_random(folder / "stays.jpg", 100_000, seed=1)
    gone = write_random(folder / "gone.jpg", 100_000, seed=2)
    reqs = requests_for(folder)
    gone.unlink()
    rec = Recorder()
    with engine(bucket, s3_server.url) as eng:
        eng.subscribe(rec)
        summary = eng.run(reqs)
    assert summary.published == 1 and summary.failed == 1
    (failed,) = rec.of(FileFailed)
    assert failed.rel_path == "gone.jpg" and "the file is gone" in failed.reason
    assert str(tmp_path) not in failed.reason  # no path of this computer in the message


def test_resume_reads_every_page_of_list_parts(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "l" / "big.tif", 36 * MiB, seed=12)
    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        with engine(bucket, proxy.url, concurrency=2) as eng:
            rec = Recorder()
            eng.subscribe(rec)
            rec.when(
                lambda e: isinstance(e, Progress) and e.bytes_done > 26 * MiB,
                lambda: threading.Thread(target=eng.stop).start(),
            )
            eng.run(requests_for(tmp_path / "l"))
        (row,) = journal().unfinished()
        on_server = s3.list_parts(Bucket=bucket, Key=row.key, UploadId=row.upload_id)["Parts"]
        assert len(on_server) >= 4  # enough for several pages of 2
        eng = engine(bucket, proxy.url)
        eng.dest.list_page_size = 2  # type: ignore[attr-defined]
        with eng:
            summary = eng.run(resume=True)
    assert summary.published == 1
    # Every part the server had was found across the pages and not sent again.
    assert summary.bytes_sent <= 36 * MiB - len(on_server) * 5 * MiB + 2 * 5 * MiB
    key = journal().get(row.id).key
    assert object_sha256(s3, bucket, key) == sha256_file(src)


def test_pausing_one_file_lets_the_others_finish(tmp_path, bucket, s3, s3_server):
    folder = tmp_path / "two"
    held = write_random(folder / "held.tif", 20 * MiB, seed=13)
    write_random(folder / "free.tif", 12 * MiB, seed=14)
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, up_rate=10 * MiB) as proxy,
        engine(bucket, proxy.url, concurrency=2) as eng,
    ):
        eng.subscribe(rec)
        held_id, free_id = eng.add(requests_for(folder, "two")[::-1])  # held.tif first
        assert {held_id, free_id} == {t.id for t in eng.tasks()}
        eng.pause([held_id])
        deadline = time.monotonic() + 30
        while not any(e.task == free_id for e in rec.of(FileDone)):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert not any(e.task == held_id for e in rec.of(FileDone))
        eng.resume([held_id])
        assert eng.wait(60)
    done = {e.task: e.key for e in rec.of(FileDone)}
    assert object_sha256(s3, bucket, done[held_id]) == sha256_file(held)
