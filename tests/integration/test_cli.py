"""The command line against the real S3 server: exit codes, messages, JSON, orphans."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import re
import subprocess
import sys

import keyring
import keyring.backends.fail
import pytest
from PIL import Image

from lytsite_desktop.cli import main
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import PreviewSettings, Settings
from lytsite_desktop.core.destinations.s3_errors import NO_KEYS
from tests.conftest import dest_url, sha256_file, write_random
from tests.support.images import jpeg_bytes, marked_image, scene
from tests.support.s3server import SECRET_KEY, MotoServer


@pytest.fixture(scope="module")
def auth_server():  # type: ignore[no-untyped-def]
    server = MotoServer(enforce_auth=True)
    yield server
    server.stop()


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_upload_json_events_and_exit_0(tmp_path, bucket, s3, s3_server, capsys):
    folder = tmp_path / "Beach Day"
    a = write_random(folder / "a.jpg", 150_000, seed=1)
    write_random(folder / "sub" / "b.jpg", 90_000, seed=2)
    code = main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url), "--json"])
    assert code == 0
    events = _json_lines(capsys.readouterr().out)
    assert {"file_queued", "progress", "file_done", "done"} <= {e["event"] for e in events}
    done = {e["rel_path"]: e for e in events if e["event"] == "file_done"}
    assert set(done) == {"a.jpg", "sub/b.jpg"}
    assert done["a.jpg"]["key"].startswith("projects/beach-day/files/")
    body = s3.get_object(Bucket=bucket, Key=done["a.jpg"]["key"])["Body"].read()
    assert len(body) == a.stat().st_size
    assert events[-1]["event"] == "done" and events[-1]["published"] == 2


def test_the_end_of_an_upload_names_the_clients_page(tmp_path, capsys):
    """The closing lines said what was sent, never where the client's page is."""
    src = write_random(tmp_path / "Beach Day" / "a.jpg", 10_000, seed=4)
    library = tmp_path / "library"
    assert main(["upload", str(src.parent), "--dest", library.as_uri()]) == 0
    page = library / "projects" / "beach-day" / "index.html"
    assert page.is_file()
    assert capsys.readouterr().err.splitlines()[-1] == f"The client's page: {page.as_uri()}"
    assert main(["upload", str(src.parent), "--dest", library.as_uri(), "--json"]) == 0
    done = _json_lines(capsys.readouterr().out)[-1]
    assert done["event"] == "done" and done["published_to"] == ["beach-day"]


def test_project_option_and_default_local_library(tmp_path, lytsite_home, capsys):
    src = write_random(tmp_path / "x" / "one.jpg", 10_000, seed=3)
    assert main(["upload", str(src.parent), "--project", "Client Proofs", "--json"]) == 0
    library = AppPaths.discover().default_library
    (published,) = list((library / "projects" / "client-proofs" / "files").rglob("one.jpg"))
    assert sha256_file(published) == sha256_file(src)
    assert (library / "projects" / "client-proofs" / "manifest.json").is_file()


def test_bad_credentials_exit_1_with_a_clear_message(tmp_path, auth_server, capsys):
    write_random(tmp_path / "k" / "a.jpg", 50_000, seed=4)
    code = main(["upload", str(tmp_path / "k"), "--dest", dest_url("any", auth_server.url)])
    assert code == 1
    err = capsys.readouterr().err
    assert "rejected the access keys" in err and "a.jpg" in err
    # Said once, in words: not again as a log record ("WARNING lytsite_desktop...").
    assert err.count("failed a.jpg") == 1 and "WARNING" not in err, err


def test_no_keys_here_is_said_once_for_all_files_and_no_worker_seems_to_crash(
    tmp_path, s3_server, capsys, no_keys_here
):
    """Every file fails for one reason: the closing lines say it once with the count.
    The preview workers the app stops on its way out are no crash ("WARNING ...
    preview worker died" was printed twice)."""
    for i in range(5):
        (tmp_path / "k").mkdir(exist_ok=True)
        (tmp_path / "k" / f"{i}.jpg").write_bytes(jpeg_bytes(scene((1600, 1200), seed=i)))
    code = main(["upload", str(tmp_path / "k"), "--dest", dest_url("any", s3_server.url)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count(f"5 file(s) failed: {NO_KEYS}") == 1, err
    assert "WARNING" not in err and "died" not in err, err


def test_missing_bucket_exit_1_with_a_clear_message(tmp_path, s3_server, capsys):
    write_random(tmp_path / "b" / "a.jpg", 50_000, seed=5)
    code = main(
        ["upload", str(tmp_path / "b"), "--dest", dest_url("no-such-bucket", s3_server.url)]
    )
    assert code == 1
    assert "bucket 'no-such-bucket' does not exist" in capsys.readouterr().err


def test_bad_usage_exit_2(tmp_path, capsys):
    assert main(["upload"]) == 2
    assert main(["upload", str(tmp_path), "--dest", "ftp://nope"]) == 2
    assert "unknown destination" in capsys.readouterr().err
    assert main(["upload", str(tmp_path), "--part-size", "1M"]) == 2


def test_missing_path_exit_1(tmp_path, capsys):
    assert main(["upload", str(tmp_path / "nothing-here")]) == 1
    assert "nothing-here" in capsys.readouterr().err


def test_resume_offers_to_abort_orphans(tmp_path, bucket, s3, s3_server, capsys):
    orphan = s3.create_multipart_upload(Bucket=bucket, Key="projects/old/files/x/big.tif")
    write_random(tmp_path / "o" / "a.jpg", 10_000, seed=6)
    url = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "o"), "--dest", url, "--json"]) == 0
    out = capsys.readouterr()
    assert "--abort-orphans" in out.err
    assert any(e["event"] == "orphans_found" for e in _json_lines(out.out))
    assert len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1
    assert main(["upload", str(tmp_path / "o"), "--dest", url, "--abort-orphans"]) == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert orphan["UploadId"]


def test_resume_leaves_to_another_run_the_files_it_uploads_now(tmp_path, capsys):
    """`resume` while a terminal's upload still runs took that run's file too, and it
    failed here ("already uploading this file"; exit 1). It is left to that run."""
    from pathlib import Path

    lib = (tmp_path / "lib").as_uri()
    big = write_random(tmp_path / "Film" / "film.zip", 3_000_000, seed=4)
    run = subprocess.Popen(  # slowed, so it is still going
        [sys.executable, "-m", "lytsite_desktop", "upload", str(big.parent), "--dest", lib,
         "--bwlimit", "20K", "--json"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    try:
        assert run.stdout is not None and run.stdout.readline()  # queued and held
        assert main(["resume"]) == 0
        said = capsys.readouterr().err
        assert "1 file is being uploaded by another lytsite-desktop now: left to it" in said
        assert "already uploading" not in said
        assert run.poll() is None
        assert main(["status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        (theirs,) = status["unfinished"]
        assert theirs["state"] in ("queued", "hashing", "uploading")  # not "interrupted"
    finally:
        run.kill()
        run.wait(30)


def test_dest_add_keeps_the_secret_in_the_keyring_only(
    tmp_path, bucket, s3_server, memory_keyring, monkeypatch, capsys
):
    url = dest_url(bucket, s3_server.url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("lytsite-test-secret\n"))
    code = main(["dest", "add", "studio", url, "--access-key-id", "lytsite-test-key"])
    assert code == 0
    config_text = AppPaths.discover().config_file.read_text()
    assert "lytsite-test-secret" not in config_text
    assert memory_keyring.store[("lytsite-desktop", "studio")] == "lytsite-test-secret"
    saved = Settings.load(AppPaths.discover().config_file).destinations["studio"]
    assert saved.url == url and saved.keyring_secret
    # Uploading by name uses the keyring's secret, not the environment's.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    write_random(tmp_path / "d" / "a.jpg", 10_000, seed=7)
    assert main(["upload", str(tmp_path / "d"), "--dest", "studio"]) == 0
    assert main(["dest", "list"]) == 0
    assert "studio" in capsys.readouterr().out
    assert main(["dest", "remove", "studio"]) == 0
    assert ("lytsite-desktop", "studio") not in memory_keyring.store


def test_dest_add_without_a_keyring_says_what_to_do(s3_server, monkeypatch, capsys):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("secret\n"))
        code = main(["dest", "add", "r2", dest_url("b", s3_server.url), "--access-key-id", "k"])
    finally:
        keyring.set_keyring(previous)
    assert code == 2
    err = capsys.readouterr().err
    assert "No usable system keyring" in err and "AWS_ACCESS_KEY_ID" in err
    assert not AppPaths.discover().config_file.exists()  # nothing half-saved


def test_status_lists_nothing_then_published(tmp_path, capsys):
    assert main(["status"]) == 0
    assert "journal is empty" in capsys.readouterr().out
    write_random(tmp_path / "s" / "a.jpg", 10_000, seed=8)  # named .jpg, not a JPEG
    (tmp_path / "s" / "b.jpg").write_bytes(jpeg_bytes(marked_image((2400, 1600))))
    assert main(["upload", str(tmp_path / "s"), "--json"]) == 0
    events = _json_lines(capsys.readouterr().out)
    assert {e["rel_path"]: e["note"] for e in events if e["event"] == "preview_done"} == {
        "a.jpg": "no preview: not a picture the app can read, though it is named .jpg",
        "b.jpg": "",
    }
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counts"] == {"published": 2} and status["unfinished"] == []
    assert [r["path"] for r in status["noPreview"]] == ["a.jpg"]
    assert main(["status"]) == 0
    assert (
        "1 published without a preview in s:\n  s/a.jpg: no preview: not a picture the app can read"
        in capsys.readouterr().out
    )
    # No destination configured: the local library, with previews beside originals.
    library = AppPaths.discover().default_library / "projects" / "s"
    (preview,) = (library / "previews").rglob("b.webp")
    assert Image.open(preview).size == (1800, 1200)
    assert not list((library / "previews").rglob("a.webp"))


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("lytsite-desktop 0.")


#: The program as its script runs it: what its collector holds once it returns.
_ENTRY = """
import gc, sys
from lytsite_desktop.cli import entry
sys.argv = ["lytsite-desktop", "--version"]
code = entry()
print(code, gc.isenabled(), gc.get_freeze_count())
"""


def test_the_program_sets_aside_what_lives_until_it_ends():
    """Left to the collector, everything still alive (botocore's service models after an
    upload to a bucket) would be walked again while the interpreter shuts down:
    0.12 s of every command's end."""
    done = subprocess.run(
        [sys.executable, "-c", _ENTRY], capture_output=True, text=True, timeout=60
    )
    code, collecting, frozen = done.stdout.splitlines()[-1].split()
    assert (code, collecting) == ("0", "True")
    assert int(frozen) > 10_000, "the objects alive at the end were not set aside"


def test_a_command_run_in_process_leaves_the_collector_as_it_found_it(capsys):
    """main() pauses the collector while it loads the commands, and only then."""
    frozen = gc.get_freeze_count()
    assert main(["--version"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        assert main(["--version"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_window_without_a_display_says_what_to_do(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "lytsite-desktop upload FOLDER" in err


def test_verbose_logs_every_request_to_the_log_file_without_secrets(
    tmp_path, bucket, s3_server, capsys
):
    write_random(tmp_path / "v" / "a.jpg", 20_000, seed=8)
    code = main(["-v", "upload", str(tmp_path / "v"), "--dest", dest_url(bucket, s3_server.url)])
    assert code == 0
    log = (AppPaths.discover().state_dir / "logs" / "lytsite-desktop.log").read_text()
    assert "request PUT http://" in log  # each request, with --verbose only
    assert "Authorization" in log and "Signature=[redacted]" in log
    assert SECRET_KEY not in log and SECRET_KEY not in capsys.readouterr().err
    assert not re.search(r"Signature[=:]\s*[0-9a-f]{64}", log)


#: The command line as a script runs it, saying which of the slow-to-load
#: libraries it loaded (each costs the start of every command a few hundredths).
_LOADS = """
import atexit, os, sys
def _say():
    heavy = [m for m in ("rich", "boto3", "botocore", "urllib3") if m in sys.modules]
    sys.stderr.write("LOADED " + ",".join(heavy) + "\\n")
    sys.stderr.flush()
atexit.register(_say)
from lytsite_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_scripted_publish_to_a_folder_loads_no_library_it_does_not_use(tmp_path):
    import subprocess
    from pathlib import Path

    folder = tmp_path / "Shoot"
    write_random(folder / "a.jpg", 50_000, seed=1)
    repo = Path(__file__).resolve().parents[2]
    args = ["upload", str(folder), "--dest", (tmp_path / "lib").as_uri(), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _LOADS, *args], capture_output=True, text=True, timeout=120,
        cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "LOADED \n" in done.stderr, "rich (bars), botocore (buckets), urllib3 (upload servers)"


def test_a_big_file_is_read_ahead_while_the_store_is_reached(
    tmp_path, bucket, s3, s3_server, capsys
):
    """Its key waits for its SHA-256: the file is read (with its parts' checksums)
    while the command opens the store, and the engine does not read it again."""
    folder = tmp_path / "Film"
    big = write_random(folder / "clip.mov", 34 * 1024 * 1024, seed=7)
    write_random(folder / "still.jpg", 100_000, seed=8)
    code = main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url), "--json",
                 "--part-size", "5M"])  # fmt: skip
    assert code == 0
    events = _json_lines(capsys.readouterr().out)
    hashing = {e["rel_path"] for e in events if e.get("state") == "hashing"}
    assert "clip.mov" not in hashing, "the engine read the big file through SHA-256 again"
    done = {e["rel_path"]: e for e in events if e["event"] == "file_done"}
    body = s3.get_object(Bucket=bucket, Key=done["clip.mov"]["key"])["Body"].read()
    assert hashlib.sha256(body).hexdigest() == sha256_file(big)


_ORDER = """
import sys
from lytsite_desktop.core.previews import pool

calls = []
def prestart(wanted=lambda: True):
    heavy = ("lytsite_desktop.cli.", "boto3", "botocore", "rich")
    loaded = sorted(m for m in sys.modules if m.startswith(heavy))
    if wanted():
        calls.append(loaded)
pool.prestart = prestart
from lytsite_desktop.cli import main

main(sys.argv[1:])
print(calls)
"""


@pytest.mark.parametrize(
    ("args", "previews", "calls"),
    [
        (["upload", "photos", "--help"], True, "[[]]"),
        (["upload", "--project", "x", "photos/a.jpg", "--help"], True, "[[]]"),
        (["upload", "photos", "--no-previews", "--help"], True, "[]"),
        (["upload", "photos", "--help"], False, "[]"),
        (["upload", "documents", "--help"], True, "[]"),
        (["status", "--help"], True, "[]"),
    ],
)
def test_an_upload_starts_its_preview_workers_server_before_loading_the_commands(
    tmp_path, args, previews, calls
):
    """The server loads Pillow on the other core while this one loads the
    commands: started after them, it would wait for them. Not started when
    previews are off (--no-previews, or in Settings), nor for files that are no
    pictures (the first one that wants a preview starts it then)."""
    home = tmp_path / "home"
    paths = AppPaths.discover({"LYTSITE_HOME": str(home)})
    Settings(previews=PreviewSettings(enabled=previews)).save(paths.config_file)
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "contract.txt").write_text("terms")
    done = subprocess.run(
        [sys.executable, "-c", _ORDER, *args], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, LYTSITE_HOME=str(home)), cwd=tmp_path,
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == calls
