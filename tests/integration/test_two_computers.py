"""Two computers, one project: two processes with separate homes (journals, caches)
publish different folders into the same project at the same time through the
latency proxy, round after round; then one takes a file back while the other is
publishing. Every manifest write is conditional, so nothing is lost and nothing
taken back comes back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import dest_url
from tests.support.images import jpeg_bytes, scene
from tests.support.netproxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
PROJECT = "shared"


def _photos(
    folder: Path, prefix: str, n: int, seed: int, size: tuple[int, int] = (800, 533)
) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        name = f"{prefix}_{i:02d}.jpg"
        (folder / name).write_bytes(jpeg_bytes(scene(size, seed=seed + i)))
        names.append(name)
    return names


def _cli(home: Path, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), LYTSITE_HOME=str(home))
    return subprocess.Popen(
        [sys.executable, "-m", "lytsite_desktop", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
    )  # fmt: skip


def _upload(home: Path, folder: Path, dest: str) -> subprocess.Popen[str]:
    return _cli(home, "upload", str(folder), "--project", PROJECT, "--dest", dest, "--json",
                "--concurrency", "2")  # fmt: skip


def _ok(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    return out


def _listed(s3, bucket: str) -> dict[str, dict]:
    body = s3.get_object(Bucket=bucket, Key=f"projects/{PROJECT}/manifest.json")["Body"]
    return {f["path"]: f for f in json.loads(body.read())["files"]}


def test_two_computers_publish_into_one_project_and_nothing_is_lost(
    tmp_path, bucket, s3, s3_server
):
    homes = {who: tmp_path / f"home-{who}" for who in "ab"}
    expected: set[str] = set()
    with TcpProxy(s3_server.port, latency=0.05) as proxy:
        dest = dest_url(bucket, proxy.url)
        for round_ in range(3):
            procs = []
            for n, who in enumerate("ab"):
                folder = tmp_path / who / f"round{round_}"
                expected |= set(_photos(folder, f"{who}{round_}", 5, seed=round_ * 20 + n * 10))
                procs.append(_upload(homes[who], folder, dest))
            for proc in procs:
                _ok(proc)
            assert set(_listed(s3, bucket)) == expected, f"round {round_}"

        # Computer b publishes more, slowly; once it has loaded the manifest (its first
        # file is listed), computer a takes back one of b's earlier files.
        taken_back = "b0_02.jpg"
        gone_keys = {_listed(s3, bucket)[taken_back]["originalKey"]}
        # One small photo and five large ones: the small one is listed while the
        # large ones are still far from done (photos of one size all finish at
        # about the same time, and their listings can share b's last write).
        late = _photos(tmp_path / "b" / "late", "late", 1, seed=99)
        late += _photos(tmp_path / "b" / "late", "large", 5, seed=199, size=(3000, 2000))
        proxy.set_up_rate(64 * 1024)  # files still on their way when the first is listed
        publishing = _upload(homes["b"], tmp_path / "b" / "late", dest)
        assert publishing.stdout is not None
        for line in publishing.stdout:
            if json.loads(line)["event"] == "file_done":
                break
        proxy.set_up_rate(2 * 1024)  # b crawls on; a (on its own link) takes the file back
        direct = dest_url(bucket, s3_server.url)
        remove = _cli(homes["a"], "gallery", PROJECT, "--dest", direct, "--remove", taken_back,
                      "--yes")  # fmt: skip
        _ok(remove)
        assert publishing.poll() is None, "the removal was to happen while b publishes"
        proxy.set_up_rate(None)
        _ok(publishing)
    listed = _listed(s3, bucket)
    assert taken_back not in listed, "a removal was undone by the other computer's publish"
    assert set(listed) == (expected - {taken_back}) | set(late)
    left = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert not gone_keys & left
