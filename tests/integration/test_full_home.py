"""This computer's own disk full where lytsite-desktop keeps its journal (its home
on a real tmpfs of its own, in a mount namespace of the command's). Before, the
upload threads died on SQLite's "database or disk is full" with tracebacks on
the terminal and the command hung; a journal that could not be opened was a
traceback, in the window "Something unexpected went wrong"."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from lytsite_desktop.core.store.journal import Journal
from tests.conftest import sha256_file, write_random

REPO = Path(__file__).resolve().parents[2]
FULL = "This computer's disk is full, so the record of this upload could not be kept."


def _in_a_namespace(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )  # fmt: skip


def _fill(path: Path) -> None:
    """Write zeros to ``path`` until the disk refuses more."""
    with path.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass


def test_the_home_disk_filling_mid_upload_fails_files_plainly_and_loses_nothing(tmp_path):
    folder = tmp_path / "Shoot"
    sources = [write_random(folder / f"f{i}.dat", 3_000_000, seed=i) for i in range(10)]
    disk, lib = tmp_path / "disk", tmp_path / "lib"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=3M none "$1" && export LYTSITE_HOME="$1/home" && '
        '"$2" -m lytsite_desktop upload "$3" --dest "file://$4" --json --no-previews '
        '--bwlimit 4M; echo "{\\"exit\\": $?}"; '
        'while [ -e "$1/blocker" ]; do sleep 0.1; done; '
        '"$2" -m lytsite_desktop upload "$3" --dest "file://$4" --json --no-previews; '
        'echo "{\\"again\\": $?}"'
    )
    proc = _in_a_namespace(script, str(disk), sys.executable, str(folder), str(lib))
    assert proc.stdout is not None and proc.stderr is not None
    blocker = Path(f"/proc/{proc.pid}/root{disk}/blocker")  # the command's view
    failed: list[str] = []
    for line in proc.stdout:
        event = json.loads(line)
        if event.get("event") == "file_done" and not failed and not blocker.exists():
            _fill(blocker)  # once the first file is through
        elif event.get("event") == "file_failed":
            failed.append(event["reason"])
        elif "exit" in event:
            assert event == {"exit": 1}
            blocker.unlink()
        elif "again" in event:
            assert event == {"again": 0}
    assert proc.wait(60) == 0
    errors = proc.stderr.read()
    assert failed and all(reason.startswith(FULL) for reason in failed), failed
    assert "Traceback" not in errors and "Logging error" not in errors, errors[-3000:]
    arrived = {p.name: sha256_file(p) for p in (lib / "projects" / "shoot").rglob("files/*/*")}
    assert arrived == {p.name: sha256_file(p) for p in sources}


def test_a_journal_that_cannot_be_begun_on_a_full_disk_says_so(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=64k none "$1" && head -c 1M /dev/zero > "$1/blocker" 2>/dev/null; '
        'LYTSITE_HOME="$1/home" "$2" -m lytsite_desktop status'
    )
    proc = _in_a_namespace(script, str(disk), sys.executable)
    out, errors = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, errors[-3000:])
    assert errors.startswith("lytsite-desktop: This computer's disk is full: lytsite-desktop "
                             "cannot keep its record of uploads in ")  # fmt: skip
    assert "Traceback" not in errors


def test_a_damaged_journal_is_kept_aside_and_a_new_one_begun(tmp_path):
    path = tmp_path / "state" / "journal.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"this is no database, it was cut short by a crash" * 100)
    with Journal(path) as journal:
        assert journal.all_files() == []
    (aside,) = path.parent.glob("journal.sqlite3.damaged-*")
    assert aside.read_bytes().startswith(b"this is no database")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_gallery_fetched_onto_a_full_disk_says_so_without_a_traceback(tmp_path):
    """A project opened on a computer whose disk fills while its previews come
    (before: a traceback of "No space left on device")."""
    from lytsite_desktop.core.keys import manifest_key
    from tests.support.gallery import fake_project

    library = tmp_path / "library"
    manifest = fake_project(library, [f"IMG_{i:02d}.jpg" for i in range(40)], preview=(900, 600))
    (library / manifest_key("shoot")).write_bytes(manifest.to_json())
    disk, out = tmp_path / "disk", tmp_path / "export"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=400k none "$1" && export LYTSITE_HOME="$1/home" && '
        '"$2" -m lytsite_desktop gallery shoot --dest "file://$3" --export "$4"; '
        'echo "exit $?"'
    )
    proc = _in_a_namespace(script, str(disk), sys.executable, str(library), str(out))
    stdout, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr and "Errno" not in stderr, stderr[-3000:]
    assert (
        "The previews could not be kept on this computer: the disk is full. Free some space"
        in stderr
    ), stderr
    assert stdout.strip().splitlines()[-1] == "exit 1", stdout  # the export lacks previews
