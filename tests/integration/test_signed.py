"""Publishing through a signing server: the real @uppy/companion (npm) in front of
the S3 server process, the app holding a bearer token and no bucket key."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lytsite_desktop.cli import main
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations import signed
from lytsite_desktop.core.destinations.resolve import parse_signer_url
from lytsite_desktop.core.destinations.signed import SignedDestination
from lytsite_desktop.core.events import FileDone, FileStateChanged, Progress
from lytsite_desktop.core.runs import open_engine
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.transfer.engine import UploadRequest
from tests.conftest import object_sha256, sha256_file, write_random
from tests.support.engines import Recorder, journal
from tests.support.images import jpeg_bytes, scene
from tests.support.netproxy import Faults, TcpProxy
from tests.support.signing_server import PREFIX, TOKEN, SigningServer

REPO = Path(__file__).resolve().parents[2]

#: Runs the command line as a photographer's computer would, recording every file
#: it opens under a .aws folder and whether boto3, botocore or keyring were loaded.
_WATCHED = """
import atexit, os, sys
opened = []
def _hook(event, args):
    if event == "open" and ".aws" in str(args[0]):
        opened.append(str(args[0]))
sys.addaudithook(_hook)
def _check():
    loaded = [m for m in ("boto3", "botocore", "keyring") if m in sys.modules]
    if opened or loaded:
        sys.stderr.write(f"READ AWS CONFIG OR KEYRING: {opened} {loaded}\\n")
        sys.stderr.flush()
        os._exit(9)
atexit.register(_check)
from lytsite_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _env(tmp_path: Path, token: str = TOKEN) -> dict[str, str]:
    """No AWS variable at all; an empty home (no ~/.aws); the token from the variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"HOME": str(tmp_path / "home"), "LYTSITE_SIGNER_TOKEN": token, "PYTHONPATH": str(REPO)}
    return env


def _cli(tmp_path: Path, *args: str, token: str = TOKEN) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHED, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(tmp_path, token), cwd=REPO,
    )  # fmt: skip


def _events(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, list[dict], str]:
    out, err = proc.communicate(timeout=timeout)
    assert "Traceback" not in err, err
    return proc.returncode, [json.loads(x) for x in out.splitlines() if x.strip()], err


def _manifest(s3, bucket: str, project: str) -> dict:  # type: ignore[no-untyped-def]
    key = f"{PREFIX}projects/{project}/manifest.json"
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@pytest.fixture
def server(tmp_path, s3_server, bucket):  # type: ignore[no-untyped-def]
    with SigningServer(s3_server.url, bucket, log=tmp_path / "companion.log") as srv:
        yield srv


def test_the_server_leaves_no_folder_behind_when_it_stops(tmp_path, s3_server, bucket):
    """Companion asks for a folder of its own; one was left in /tmp at every start."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with SigningServer(s3_server.url, bucket, tmpdir=tmp):
        assert [p.name[:10] for p in tmp.iterdir()] == ["companion-"]
    assert list(tmp.iterdir()) == []


def _photo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Wedding"
    folder.mkdir()
    for i in range(2):
        (folder / f"IMG_{i}.jpg").write_bytes(jpeg_bytes(scene((1600, 1067), seed=i)))
    write_random(folder / "film" / "ceremony.mov", 12 * MiB + 321, seed=5)
    return folder


def test_a_folder_arrives_under_the_servers_prefix_with_no_bucket_key(tmp_path, server, s3, bucket):
    folder = _photo_folder(tmp_path)
    code, events, err = _events(
        _cli(tmp_path, "upload", str(folder), "--dest", server.dest, "--json", "--part-size", "5M")
    )
    assert code == 0, err
    done = {e["rel_path"]: e for e in events if e["event"] == "file_done"}
    assert set(done) == {"IMG_0.jpg", "IMG_1.jpg", "film/ceremony.mov"}
    manifest = _manifest(s3, bucket, "wedding")
    entries = {f["path"]: f for f in manifest["files"]}
    for rel, event in done.items():
        source = folder / rel
        entry = entries[rel]
        # Keys stay relative to the destination, whose prefix the server chose: the
        # page's links work under it.
        assert entry["originalKey"] == event["key"] and event["key"].startswith("projects/wedding/")
        stored = PREFIX + event["key"]
        assert object_sha256(s3, bucket, stored) == sha256_file(source)
        assert s3.head_object(Bucket=bucket, Key=stored)["Metadata"]["sha256"] == entry["sha256"]
    for rel in ("IMG_0.jpg", "IMG_1.jpg"):
        for rendition in ("preview", "thumb"):
            s3.head_object(Bucket=bucket, Key=PREFIX + entries[rel][rendition]["key"])
    page = s3.get_object(Bucket=bucket, Key=f"{PREFIX}projects/wedding/index.html")
    assert b"IMG_0.jpg" in page["Body"].read()
    everything = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert all(o["Key"].startswith(PREFIX) for o in everything)
    for obj in everything:  # previews, thumbnails, the manifest, the page: each its SHA-256
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])
        assert body["Metadata"]["sha256"] == hashlib.sha256(body["Body"].read()).hexdigest()
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_killed_upload_resumes_through_the_server_resending_only_parts_in_flight(
    tmp_path, s3_server, s3, bucket
):
    size, concurrency = 40 * MiB + 77, 3
    src = write_random(tmp_path / "Film" / "reel.mov", size, seed=9)
    with (
        TcpProxy(s3_server.port, up_rate=8 * MiB) as proxy,
        SigningServer(proxy.url, bucket, log=tmp_path / "companion.log") as server,
    ):
        args = ("--dest", server.dest, "--json", "--part-size", "5M", "--no-previews",
                "--concurrency", str(concurrency))  # fmt: skip
        proc = _cli(tmp_path, "upload", str(src.parent), *args)
        assert proc.stdout is not None
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "progress" and event["bytes_done"] > 0.4 * size:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL
        sent_before = proxy.bytes_up
        proxy.reset_counters()
        code, events, err = _events(_cli(tmp_path, "resume", "--json"))
        sent_after = proxy.bytes_up
    assert code == 0, err
    (done,) = [e for e in events if e["event"] == "file_done"]
    assert object_sha256(s3, bucket, PREFIX + done["key"]) == sha256_file(src)
    resent = sent_before + sent_after - size
    assert resent <= concurrency * 5 * MiB + 512 * 1024, resent


def _signed_dest(server: SigningServer, tmp_path: Path) -> SignedDestination:
    return SignedDestination(parse_signer_url(server.dest), TOKEN, tmp_path / "mirror")


def _engine(dest: SignedDestination, **settings):  # type: ignore[no-untyped-def]
    defaults = {"part_size": 5 * MiB, "multipart_threshold": 6 * MiB, "concurrency": 2}
    return open_engine(dest, journal(), TransferSettings(**(defaults | settings))).engine


def test_an_expired_address_is_signed_again_not_failed(
    tmp_path, s3_server, s3, bucket, monkeypatch, caplog
):
    # Addresses live 1 s; the app is made to use them long past that, so the store
    # refuses them (403, "Request has expired") and the parts are signed again.
    monkeypatch.setattr(signed, "FRESH_SHARE", 1000.0)
    src = write_random(tmp_path / "f" / "long.mov", 24 * MiB + 5, seed=3)
    with (
        TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy,
        SigningServer(proxy.url, bucket, expires=1) as server,
        _engine(_signed_dest(server, tmp_path)) as eng,
        caplog.at_level(logging.INFO, logger="lytsite_desktop.core.destinations"),
    ):
        eng.add([UploadRequest(str(src), "long.mov", "reel")])
        assert eng.wait(120)
    assert eng.summary().published == 1 and eng.summary().failed == 0
    assert any("signing again" in r.getMessage() for r in caplog.records)
    (key,) = [
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if o["Key"].endswith(".mov")
    ]
    assert object_sha256(s3, bucket, key) == sha256_file(src)


def test_a_paused_upload_resumed_after_its_addresses_expired_finishes(
    tmp_path, s3_server, s3, bucket
):
    src = write_random(tmp_path / "f" / "long.mov", 30 * MiB + 5, seed=4)
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy,
        SigningServer(proxy.url, bucket, expires=2) as server,
        _engine(_signed_dest(server, tmp_path)) as eng,
    ):
        eng.subscribe(rec)
        paused = threading.Event()
        rec.when(
            lambda e: isinstance(e, Progress) and e.bytes_done > 8 * MiB,
            lambda: (eng.pause(), paused.set()),
        )
        (task,) = eng.add([UploadRequest(str(src), "long.mov", "reel")])
        assert paused.wait(60)
        time.sleep(3)  # every address signed so far has expired
        eng.resume([task])
        assert eng.wait(120)
    assert eng.summary().published == 1
    (done,) = rec.of(FileDone)
    assert object_sha256(s3, bucket, PREFIX + done.key) == sha256_file(src)


def test_cancel_aborts_the_upload_through_the_server(tmp_path, s3_server, s3, bucket):
    src = write_random(tmp_path / "f" / "big.mov", 40 * MiB, seed=6)
    rec = Recorder()
    with (
        TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy,
        SigningServer(proxy.url, bucket) as server,
        _engine(_signed_dest(server, tmp_path)) as eng,
    ):
        eng.subscribe(rec)
        started = threading.Event()
        rec.when(lambda e: isinstance(e, Progress) and e.bytes_done > 6 * MiB, started.set)
        (task,) = eng.add([UploadRequest(str(src), "big.mov", "reel")])
        assert started.wait(60)
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
        eng.cancel([task])
        assert eng.wait(60)
    assert eng.summary().cancelled == 1
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize(
    ("token", "words"),
    [("not-the-studio-token-000", "did not accept"), ("revoked-token-000000000", "revoked")],
)
def test_a_refused_token_fails_fast_with_exit_2(tmp_path, s3_server, s3, bucket, token, words):
    folder = _photo_folder(tmp_path)
    with SigningServer(s3_server.url, bucket, revoked=("revoked-token-000000000",)) as server:
        started = time.monotonic()
        proc = _cli(tmp_path, "upload", str(folder), "--dest", server.dest, token=token)
        code, _, err = _events(proc, timeout=60)
    assert code == 2
    assert words in err and "Traceback" not in err
    assert time.monotonic() - started < 15
    assert token not in err
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_the_token_is_kept_in_the_keyring_and_used_by_name(
    tmp_path, server, s3, bucket, memory_keyring, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", _Lines(TOKEN))
    assert main(["dest", "add", "studio", server.dest, "--token-stdin"]) == 0
    assert memory_keyring.store[("lytsite-desktop", "studio")] == TOKEN
    assert "token is in the system keyring" in capsys.readouterr().out
    monkeypatch.delenv("LYTSITE_SIGNER_TOKEN", raising=False)
    folder = tmp_path / "d"
    write_random(folder / "a.bin", 1000, seed=1)
    assert main(["upload", str(folder), "--dest", "studio"]) == 0
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.startswith(f"{PREFIX}projects/d/files/") and k.endswith("/a.bin") for k in keys)


def test_dest_add_refuses_a_wrong_token_and_a_server_that_names_files_itself(
    tmp_path, s3_server, bucket, memory_keyring, monkeypatch, capsys
):
    with SigningServer(s3_server.url, bucket) as server:
        monkeypatch.setattr("sys.stdin", _Lines("wrong-token-0000000000"))
        assert main(["dest", "add", "studio", server.dest, "--token-stdin"]) == 2
        assert "did not accept" in capsys.readouterr().err
    assert ("lytsite-desktop", "studio") not in memory_keyring.store
    with SigningServer(s3_server.url, bucket, scatter=True) as server:
        monkeypatch.setattr("sys.stdin", _Lines(TOKEN))
        assert main(["dest", "add", "studio", server.dest, "--token-stdin"]) == 2
        assert "cannot link them" in capsys.readouterr().err


class _Lines:
    """Standard input that is not a terminal, holding one line."""

    def __init__(self, line: str) -> None:
        self._line = line + "\n"

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        line, self._line = self._line, ""
        return line


def test_a_second_batch_adds_to_the_project_and_deleting_is_refused_before_anything_changes(
    tmp_path, server, s3, bucket, capsys, monkeypatch
):
    monkeypatch.setenv("LYTSITE_SIGNER_TOKEN", TOKEN)
    first, second = tmp_path / "one", tmp_path / "two"
    write_random(first / "a.bin", 2000, seed=1)
    write_random(second / "b.bin", 3000, seed=2)
    for folder in (first, second):
        assert main(["upload", str(folder), "--dest", server.dest, "--project", "p"]) == 0
    paths = sorted(f["path"] for f in _manifest(s3, bucket, "p")["files"])
    assert paths == ["a.bin", "b.bin"]  # the second batch built on the first
    assert main(["gallery", "p", "--dest", server.dest, "--hide", "a.bin"]) == 0
    hidden = {f["path"]: f.get("hidden") for f in _manifest(s3, bucket, "p")["files"]}
    assert hidden == {"a.bin": True, "b.bin": None}
    capsys.readouterr()
    code = main(["gallery", "p", "--dest", server.dest, "--remove", "b.bin", "--yes"])
    assert code == 2
    assert "cannot be deleted from this computer" in capsys.readouterr().err
    assert sorted(f["path"] for f in _manifest(s3, bucket, "p")["files"]) == paths


def test_a_server_that_names_files_itself_fails_the_files_clearly_and_leaves_nothing(
    tmp_path, s3_server, s3, bucket
):
    folder = tmp_path / "Shoot"
    write_random(folder / "a.bin", 3000, seed=1)
    with SigningServer(s3_server.url, bucket, scatter=True) as server:
        code, _, err = _events(_cli(tmp_path, "upload", str(folder), "--dest", server.dest))
    assert code == 1
    assert "cannot link them" in err
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_a_server_that_is_down_is_waited_out_like_a_dead_network(tmp_path, server, s3, bucket):
    src = write_random(tmp_path / "f" / "a.bin", 7 * MiB + 3, seed=8)
    rec = Recorder()
    with (
        TcpProxy(server.port) as front,
        _engine(
            SignedDestination(
                parse_signer_url(f"companion+{front.url}"), TOKEN, tmp_path / "mirror"
            )
        ) as eng,  # fmt: skip
    ):
        front.set_network_down(True)
        eng.subscribe(rec)
        rec.when(
            lambda e: isinstance(e, FileStateChanged) and e.state is FileState.WAITING_FOR_NETWORK,
            lambda: threading.Timer(1.0, front.set_network_down, args=(False,)).start(),
        )
        eng.add([UploadRequest(str(src), "a.bin", "p")])
        assert eng.wait(60)
    assert eng.summary().published == 1 and eng.summary().failed == 0
    (done,) = rec.of(FileDone)
    assert object_sha256(s3, bucket, PREFIX + done.key) == sha256_file(src)


def test_a_part_corrupted_on_the_way_is_refused_by_the_store_and_sent_again(
    tmp_path, s3_server, s3, bucket, caplog
):
    src = write_random(tmp_path / "f" / "two-parts.bin", 9 * MiB + 1, seed=12)
    faults = Faults(corrupt="x-id=UploadPart", corrupt_times=2)
    with (
        TcpProxy(s3_server.port, faults=faults) as store_link,
        SigningServer(store_link.url, bucket) as server,
        _engine(_signed_dest(server, tmp_path)) as eng,
        caplog.at_level(logging.WARNING, logger="lytsite_desktop.core.transfer"),
    ):
        eng.add([UploadRequest(str(src), "two-parts.bin", "p")])
        assert eng.wait(60)
    assert eng.summary().published == 1
    assert sum("checksum mismatch in transit" in r.getMessage() for r in caplog.records) == 2
    (key,) = [
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if "/files/" in o["Key"]
    ]
    assert object_sha256(s3, bucket, key) == sha256_file(src)


def test_editing_a_saved_upload_server_keeps_its_token(tmp_path, server, memory_keyring):
    from lytsite_desktop.core.app import App

    app = App()
    app.save_destination("studio", server.dest, token=TOKEN)
    app.save_destination("studio", server.dest, public_url="https://photos.example.com")
    assert memory_keyring.store[("lytsite-desktop", "studio")] == TOKEN
    assert app.settings.destinations["studio"].keyring_secret
    app.save_destination("studio", server.dest, secret="a-new-token-from-the-studio")
    assert memory_keyring.store[("lytsite-desktop", "studio")] == "a-new-token-from-the-studio"


def test_the_share_link_includes_the_folder_the_server_keeps_files_in(
    tmp_path, server, memory_keyring, monkeypatch, capsys
):
    from lytsite_desktop.core.app import App, gallery_link

    monkeypatch.setattr("sys.stdin", _Lines(TOKEN))
    code = main(["dest", "add", "studio", server.dest, "--token-stdin",
                 "--public-url", "https://photos.example.com"])  # fmt: skip
    assert code == 0
    assert f"https://photos.example.com/{PREFIX}" in capsys.readouterr().out
    app = App()
    config = app.settings.destinations["studio"]
    assert config.public_url == f"https://photos.example.com/{PREFIX}"
    link = gallery_link(config, server.dest, "wedding")
    assert link == f"https://photos.example.com/{PREFIX}projects/wedding/index.html"
