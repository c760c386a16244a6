"""A real process killed with SIGKILL, then resumed: nothing lost, little re-sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lytsite_desktop.core.sizes import MiB
from tests.conftest import dest_url, object_sha256, sha256_file, write_random
from tests.support.netproxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, module: str = "lytsite_desktop") -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _kill_once_past(proc: subprocess.Popen[str], bytes_done: float) -> None:
    """SIGKILL the upload once its progress passes ``bytes_done``; wait for it."""
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "progress" and event["bytes_done"] > bytes_done:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(30)


def _events(proc: subprocess.Popen[str]) -> list[dict]:
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("checksum", ["sha256", "md5"])
def test_sigkill_mid_upload_then_resume(tmp_path, bucket, s3, s3_server, checksum):
    size, part, concurrency = 64 * MiB + 4321, 5 * MiB, 4
    src = write_random(tmp_path / "Wedding" / "ceremony.tif", size, seed=21)
    with TcpProxy(s3_server.port, up_rate=10 * MiB) as proxy:
        url = dest_url(bucket, proxy.url, checksum=checksum)
        proc = _cli(
            "upload", str(tmp_path / "Wedding"), "--dest", url, "--json",
            "--part-size", "5M", "--concurrency", str(concurrency),
        )  # fmt: skip
        _kill_once_past(proc, 0.4 * size)
        assert proc.returncode == -signal.SIGKILL
        sent_before = proxy.bytes_up

        status = subprocess.run(
            [sys.executable, "-m", "lytsite_desktop", "status", "--json"],
            capture_output=True, text=True, cwd=REPO, check=True,
        )  # fmt: skip
        (unfinished,) = json.loads(status.stdout)["unfinished"]
        assert unfinished["path"] == "ceremony.tif" and 0 < unfinished["bytesDone"] < size

        proxy.reset_counters()
        events = _events(_cli("resume", "--json"))
        sent_after = proxy.bytes_up
    kinds = {e["event"] for e in events}
    assert {"file_queued", "progress", "file_done", "done"} <= kinds
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert object_sha256(s3, bucket, done["key"]) == sha256_file(src)
    # What the kill cost: bytes that crossed the link twice. HTTP headers are a
    # few KiB; the rest must be at most the parts that were in flight.
    resent = sent_before + sent_after - size
    assert resent <= concurrency * part + 256 * 1024, resent
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_an_upload_begun_with_content_md5_is_finished_with_it(tmp_path, bucket, s3, s3_server):
    """A multipart upload keeps the checksum it was created with: one begun under
    Content-MD5 (an older version, or checksum=md5) and resumed by a destination
    that now sends x-amz-checksums still sends Content-MD5 (the store would refuse a part
    of another algorithm) and completes."""
    size = 40 * MiB + 99  # above the single-PUT limit
    src = write_random(tmp_path / "Shoot" / "scan.tif", size, seed=4)
    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        args = ("--json", "--part-size", "5M", "--concurrency", "2")
        proc = _cli(
            "upload", str(src.parent), "--dest", dest_url(bucket, proxy.url, checksum="md5"), *args
        )
        _kill_once_past(proc, 0.3 * size)
        proxy.reset_counters()
        url = dest_url(bucket, proxy.url, checksum="sha256")
        events = _events(_cli("upload", str(src.parent), "--dest", url, *args))
        parts = [r for r in proxy.requests if "partNumber=" in r.target]
        (complete,) = [r for r in proxy.requests if r.method == "POST" and "uploadId=" in r.target]
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert object_sha256(s3, bucket, done["key"]) == sha256_file(src)
    assert parts and all("content-md5" in r.headers for r in parts)
    assert not any(h.startswith("x-amz-checksum-") for r in parts for h in r.headers)
    assert complete  # the upload the first run began, not a new one
    assert not [r for r in proxy.requests if r.target.endswith("?uploads")]


def test_an_upload_begun_under_crc32_is_finished_with_it(tmp_path, bucket, s3, s3_server):
    """Parts carry CRC-32C where it is computed in C, else CRC-32 (as versions
    before it did): an upload begun under CRC-32 and resumed where CRC-32C is
    available keeps CRC-32 (the store checks each part against the algorithm the
    upload declared) and completes."""
    size = 40 * MiB + 99
    src = write_random(tmp_path / "Shoot" / "scan.tif", size, seed=5)
    args = ("--json", "--part-size", "5M", "--concurrency", "2")
    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        url = dest_url(bucket, proxy.url, checksum="sha256")
        proc = _cli("upload", str(src.parent), "--dest", url, *args,
                    module="tests.support.without_crc32c")  # fmt: skip
        _kill_once_past(proc, 0.3 * size)
        (create,) = [r for r in proxy.requests if r.target.endswith("?uploads")]
        first_parts = [r for r in proxy.requests if "partNumber=" in r.target]
        proxy.reset_counters()
        events = _events(_cli("upload", str(src.parent), "--dest", url, *args))
        parts = [r for r in proxy.requests if "partNumber=" in r.target]
        (complete,) = [r for r in proxy.requests if r.method == "POST" and "uploadId=" in r.target]
    assert create.headers["x-amz-checksum-algorithm"] == "CRC32"
    assert first_parts and all("x-amz-checksum-crc32" in r.headers for r in first_parts)
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert object_sha256(s3, bucket, done["key"]) == sha256_file(src)
    assert parts and all("x-amz-checksum-crc32" in r.headers for r in parts)
    assert not any("x-amz-checksum-crc32c" in r.headers for r in parts)
    assert complete  # the upload the first run began, not a new one
    assert not [r for r in proxy.requests if r.target.endswith("?uploads")]


def test_sigkill_right_after_complete_is_recognised_without_resending(
    tmp_path, bucket, s3, s3_server
):
    src = write_random(tmp_path / "Portraits" / "anna.tif", 40 * MiB, seed=22)
    with TcpProxy(s3_server.port) as proxy:
        url = dest_url(bucket, proxy.url)
        proc = _cli(
            "upload", str(tmp_path / "Portraits"), "--dest", url, "--json", "--part-size", "5M",
            module="tests.support.die_after_complete",
        )  # fmt: skip
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        key = "projects/portraits/files/"
        (obj,) = s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]  # completed...
        proxy.reset_counters()
        events = _events(_cli("resume", "--json"))  # ... but the journal never heard
        sent = proxy.bytes_up
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert done["already_published"] is True and done["key"] == obj["Key"]
    # A HEAD, the manifest and the page with its assets (their first publish: the
    # killed run never got that far), not 40 MiB again.
    assert sent < 256 * 1024
    assert object_sha256(s3, bucket, obj["Key"]) == sha256_file(src)
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key="projects/portraits/manifest.json")["Body"].read()
    )
    assert [f["path"] for f in manifest["files"]] == ["anna.tif"]


def test_ctrl_c_stops_cleanly_and_leaves_it_resumable(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "Trip" / "pano.tif", 40 * MiB, seed=23)
    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        url = dest_url(bucket, proxy.url)
        proc = _cli("upload", str(src.parent), "--dest", url, "--json", "--part-size", "5M")
        assert proc.stdout is not None
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "progress" and event["bytes_done"] > 0.3 * src.stat().st_size:
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        last = json.loads(out.splitlines()[-1])
        assert last["event"] == "done" and last["interrupted"] is True
        assert "lytsite-desktop resume" in err
        # Stopped, not cancelled: the multipart upload is kept for the resume.
        assert len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1
        events = _events(_cli("resume", "--json"))
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert object_sha256(s3, bucket, done["key"]) == sha256_file(src)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_sigkill_after_preview_before_original_then_resume(tmp_path, bucket, s3, s3_server):
    """Preview-first across a crash: the gallery keeps its preview while the original
    is missing, and resume finishes the original without sending the preview again."""
    from tests.support.images import jpeg_bytes, marked_image

    folder = tmp_path / "Gala"
    folder.mkdir()
    photo = folder / "speech.jpg"  # a real JPEG with 30 MiB of trailing data: a slow original
    photo.write_bytes(jpeg_bytes(marked_image((2400, 1600))) + os.urandom(30 * MiB))
    manifest_key = "projects/gala/manifest.json"

    def listed() -> dict | None:
        try:
            body = s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return json.loads(body)["files"][0]

    with TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy:
        url = dest_url(bucket, proxy.url)
        proc = _cli("upload", str(folder), "--dest", url, "--json", "--part-size", "5M")
        assert proc.stdout is not None
        for line in proc.stdout:
            if json.loads(line)["event"] == "preview_done":
                break
        while (entry := listed()) is None:  # the manifest write follows the preview
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert entry["originalKey"] is None and entry["preview"] is not None
        preview_key = entry["preview"]["key"]
        s3.head_object(Bucket=bucket, Key=preview_key)

        proxy.reset_counters()
        events = _events(_cli("resume", "--json"))
        puts = [r.target for r in proxy.requests if r.method == "PUT"]
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert object_sha256(s3, bucket, done["key"]) == sha256_file(photo)
    assert not [t for t in puts if "/previews/" in t or "/thumbs/" in t], puts
    final = listed()
    assert final["originalKey"] == done["key"] and final["preview"]["key"] == preview_key


def test_a_killed_upload_leaves_no_worker_talking_on_the_terminal(tmp_path, bucket, s3_server):
    """The preview workers outlive a SIGKILLed app by the job they are on; finding no
    one to answer, they leave quietly (no BrokenPipe traceback on the terminal)."""
    from tests.support import oddfiles

    folder = tmp_path / "Party"
    folder.mkdir()
    for i in range(3):
        oddfiles.video(folder / f"speech-{i}.mp4", seconds=5.0, size=(960, 540))
    proc = _cli("upload", str(folder), "--dest", dest_url(bucket, s3_server.url), "--json")
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line)["event"] == "preview_done":  # a worker takes the next video now
            proc.send_signal(signal.SIGKILL)
            break
    _, err = proc.communicate(timeout=60)  # the workers hold stderr until they are gone
    assert proc.returncode == -signal.SIGKILL
    assert err == "", err
