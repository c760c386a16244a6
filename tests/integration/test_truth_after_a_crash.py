"""What the command line says and leaves behind after a kill, a Ctrl-C and a pipe that
closes: real processes, a real S3 server, the test proxy shaping the link."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import dest_url, object_sha256, sha256_file, write_random
from tests.support.images import exif_with, jpeg_bytes, scene
from tests.support.netproxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lytsite_desktop", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip


def _finish(proc: subprocess.Popen[str]) -> tuple[list[dict], str]:
    out, err = proc.communicate(timeout=180)
    assert "Traceback" not in err, err
    return [json.loads(line) for line in out.splitlines() if line.strip()], err


def _kill_when_sent(
    proc: subprocess.Popen[str], rel_path: str, done: int, *, published: str | None = None
) -> None:
    """SIGKILL the process once ``rel_path`` has ``done`` bytes in the store (and,
    when given, the file ``published`` is published: the order in which the two
    happen is the scheduler's)."""
    assert proc.stdout is not None
    sent, waiting = False, published
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "progress" and event["rel_path"] == rel_path:
            sent = sent or event["bytes_done"] > done
        if event["event"] == "file_done" and event["rel_path"] == waiting:
            waiting = None
        if sent and waiting is None:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


def _photos(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True)
    out = []
    for i in range(n):
        path = folder / f"IMG_{i:03d}.jpg"
        path.write_bytes(jpeg_bytes(scene((1500, 1000), seed=i), exif=exif_with(camera=True)))
        out.append(path)
    return out


def _manifest(s3, bucket: str, project: str) -> dict:  # type: ignore[no-untyped-def]
    key = f"projects/{project}/manifest.json"
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _objects(s3, bucket: str, prefix: str) -> set[str]:  # type: ignore[no-untyped-def]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_kill_9_then_resume_lists_every_preview_and_leaves_nothing_unreferenced(
    tmp_path, bucket, s3, s3_server
):
    """A file counts as done only once the manifest entry naming its preview is
    durable: killed right after a file_done, resume leaves every file listed whole."""
    photos = _photos(tmp_path / "Gala", 24)
    with TcpProxy(s3_server.port, up_rate=1 * MiB) as proxy:
        url = dest_url(bucket, proxy.url)
        proc = _cli("upload", str(tmp_path / "Gala"), "--dest", url, "--json", "--concurrency", "2")
        assert proc.stdout is not None
        done_before = 0
        for line in proc.stdout:
            if json.loads(line)["event"] == "file_done":
                done_before += 1
                proc.send_signal(signal.SIGKILL)  # the instant a file is said to be done
                break
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL and done_before == 1
        events, _ = _finish(_cli("resume", "--json"))
    assert events[-1]["event"] == "done" and events[-1]["failed"] == 0
    files = {f["path"]: f for f in _manifest(s3, bucket, "gala")["files"]}
    assert sorted(files) == [p.name for p in photos]
    for path, entry in files.items():
        assert entry["originalKey"] and entry["preview"] and entry["thumb"], path
        assert (entry["width"], entry["height"]) == (1500, 1000), path
        assert entry["camera"] is not None and entry["note"] is None, path
        assert object_sha256(s3, bucket, entry["originalKey"]) == sha256_file(
            tmp_path / "Gala" / path
        )
    named = {e["originalKey"] for e in files.values()}
    named |= {e[r]["key"] for e in files.values() for r in ("preview", "thumb")}
    stored = {
        k for k in _objects(s3, bucket, "projects/gala/")
        if k.split("/")[2] in ("files", "previews", "thumbs")
    }  # fmt: skip
    assert stored == named, "every object in the bucket is named by the manifest"


def test_ctrl_c_finishes_the_parts_in_the_air_and_a_second_stops_at_once(
    tmp_path, bucket, s3, s3_server
):
    size, part = 60 * MiB, 5 * MiB
    src = write_random(tmp_path / "Trip" / "pano.tif", size, seed=23)
    with TcpProxy(s3_server.port, up_rate=4 * MiB) as proxy:
        url = dest_url(bucket, proxy.url)
        proc = _cli("upload", str(src.parent), "--dest", url, "--json", "--part-size", "5M",
                    "--concurrency", "2", "--no-previews")  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "progress" and event["bytes_done"] > 8 * MiB:
                proc.send_signal(signal.SIGINT)
                break
        events, err = _finish(proc)
        sent_before = proxy.bytes_up
        assert proc.returncode == 130, err
        (stopping,) = [e for e in events if e["event"] == "stopping"]
        assert stopping["parts_in_flight"] >= 1 and stopping["seconds"] > 0
        assert events[-1]["event"] == "done" and events[-1]["interrupted"] is True
        assert "lytsite-desktop resume" in err
        # The parts in the air were finished, not thrown away: the journal has them.
        status = json.loads(subprocess.run(
            [sys.executable, "-m", "lytsite_desktop", "status", "--json"],
            capture_output=True, text=True, cwd=REPO, check=True,
        ).stdout)  # fmt: skip
        (unfinished,) = status["unfinished"]
        assert unfinished["state"] == "interrupted"
        assert unfinished["bytesDone"] % part == 0 and unfinished["bytesDone"] >= 2 * part
        proxy.reset_counters()
        proxy.set_up_rate(None)  # the rest goes fast
        events, _ = _finish(_cli("resume", "--json"))
        sent_after = proxy.bytes_up
        proxy.set_up_rate(4 * MiB)
        (done,) = [e for e in events if e["event"] == "file_done"]
        assert object_sha256(s3, bucket, done["key"]) == sha256_file(src)
        resent = sent_before + sent_after - size
        assert resent < 256 * 1024, f"{resent} bytes sent twice: a part in the air was dropped"

        # A second Ctrl-C while the first waits for the parts: stopped at once.
        src2 = write_random(tmp_path / "Trip2" / "pano2.tif", size, seed=24)
        proc = _cli("upload", str(src2.parent), "--dest", url, "--json", "--part-size", "5M",
                    "--concurrency", "2", "--no-previews")  # fmt: skip
        assert proc.stdout is not None
        first = False
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "progress" and event["bytes_done"] > 2 * MiB and not first:
                proc.send_signal(signal.SIGINT)
                first = True
            if event["event"] == "stopping":
                stopped = time.monotonic()
                proc.send_signal(signal.SIGINT)
                time.sleep(0.05)
                proc.send_signal(signal.SIGINT)  # and a third, impatient: still no traceback
                break
        events, err = _finish(proc)  # no traceback, whenever the third one landed
        # 130, or killed by SIGINT itself when the third landed as Python was exiting:
        # a shell reports both as 130.
        assert proc.returncode in (130, -signal.SIGINT), err
        assert time.monotonic() - stopped < 5, "the second Ctrl-C did not wait for the parts"


def test_status_after_a_kill_and_into_a_closed_pipe(tmp_path, bucket, s3, s3_server):
    """`status` says "interrupted" (nothing runs), counts a published small file's
    bytes, lists files without a preview for the latest project only, and a reader
    that stops early (`| head -c`) gets no traceback."""
    for i in range(300):  # not pictures: each is published "without a preview"
        write_random(tmp_path / "Old" / f"notes-{i:03d}-with-a-longer-name.jpg", 100, seed=i)
    old, _ = _finish(_cli("upload", str(tmp_path / "Old"), "--json"))
    assert old[-1]["published"] == 300
    write_random(tmp_path / "New" / "a.jpg", 100, seed=1)
    big = write_random(tmp_path / "New" / "big.tif", 40 * MiB, seed=2)
    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        proc = _cli("upload", str(tmp_path / "New"), "--dest", dest_url(bucket, proxy.url),
                    "--json", "--part-size", "5M", "--concurrency", "2")  # fmt: skip
        _kill_when_sent(proc, "big.tif", 10 * MiB, published="a.jpg")
    result = subprocess.run(
        [sys.executable, "-m", "lytsite_desktop", "status", "--json"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    status = json.loads(result.stdout)
    assert status["counts"]["interrupted"] == 1 and "uploading" not in status["counts"]
    (unfinished,) = status["unfinished"]
    assert unfinished["path"] == "big.tif" and unfinished["state"] == "interrupted"
    assert 0 < unfinished["bytesDone"] < big.stat().st_size
    text = subprocess.run(
        [sys.executable, "-m", "lytsite_desktop", "status"],
        capture_output=True, text=True, cwd=REPO, check=True,
    ).stdout  # fmt: skip
    assert "1 interrupted; 'lytsite-desktop resume' finishes them" in text
    assert "uploading" not in text
    assert "published without a preview in new:" in text  # the latest project only
    assert "notes-000" not in text and "300 in earlier projects" in text
    everything = json.loads(subprocess.run(
        [sys.executable, "-m", "lytsite_desktop", "status", "--json", "--all"],
        capture_output=True, text=True, cwd=REPO, check=True,
    ).stdout)  # fmt: skip
    assert len(everything["noPreview"]) == 301
    small = next(r for r in everything["noPreview"] if r["path"] == "a.jpg")
    assert small["bytesDone"] == small["size"] == 100, "a published file is all there"
    piped = subprocess.run(
        f"'{sys.executable}' -m lytsite_desktop status --json --all | head -c 100",
        shell=True, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert len(piped.stdout) == 100 and piped.stderr == "", piped.stderr


def test_resume_tells_each_files_story_once(tmp_path, bucket, s3, s3_server):
    """Every resumed file gets one "making preview" at most, one preview_done and one
    file_done; the preview of a file listed before the kill is not made again."""
    photos = _photos(tmp_path / "Party", 8)
    big = tmp_path / "Party" / "video.mov"
    write_random(big, 30 * MiB, seed=5)
    with TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy:
        url = dest_url(bucket, proxy.url)
        proc = _cli("upload", str(tmp_path / "Party"), "--dest", url, "--json", "--part-size", "5M")
        _kill_when_sent(proc, "video.mov", 10 * MiB)
        proxy.set_up_rate(None)  # the rest goes fast
        events, _ = _finish(_cli("resume", "--json"))
    by_file: dict[str, list[dict]] = {}
    for e in events:
        if "rel_path" in e:
            by_file.setdefault(e["rel_path"], []).append(e)
    assert by_file, "something was resumed"
    for path, story in by_file.items():
        kinds = [e["event"] for e in story]
        making = [e for e in story if e["event"] == "state" and e["state"] == "making preview"]
        assert len(making) <= 1, (path, kinds)
        assert kinds.count("preview_done") <= 1 and kinds.count("file_done") == 1, (path, kinds)
        assert kinds.count("file_queued") == 1, (path, kinds)
    assert {p.name for p in photos} | {"video.mov"} >= set(by_file)
