from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from lytsite_desktop.core.store.journal import SCHEMA_VERSION, Journal, JournalError
from lytsite_desktop.core.store.records import PartRecord, QueueItem

REPO = Path(__file__).resolve().parents[2]


def _journal_at(path: Path, schema: int) -> sqlite3.Connection:
    """A journal as an earlier version (``schema``) left it."""
    from lytsite_desktop.core.store.migrations import MIGRATIONS

    db = sqlite3.connect(path, isolation_level=None)
    for version, migration in enumerate(MIGRATIONS[:schema], start=1):
        for stmt in migration.split(";"):
            if stmt.strip():
                db.execute(stmt)
        db.execute(f"PRAGMA user_version={version}")
    return db


def _queue(j: Journal, rel_path: str = "a.jpg", size: int = 10):  # type: ignore[no-untyped-def]
    (rec,) = j.queue([QueueItem("d", "p", rel_path, f"/src/{rel_path}", size, 1)])
    return rec


def test_wal_full_sync_and_schema_version(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    assert j.schema_version == SCHEMA_VERSION
    db = j._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    j.close()


def test_parts_survive_reopening(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        rec = _queue(j)
        j.update(rec.id, upload_id="U1", part_size=5)
        j.record_part(rec.id, PartRecord(1, 5, "etag1", "sha256:AAAA"))
    with Journal(tmp_path / "j.sqlite3") as j:
        (again,) = j.unfinished()
        assert again.upload_id == "U1" and again.part_size == 5
        assert j.parts(again.id)[1] == PartRecord(1, 5, "etag1", "sha256:AAAA")
        j.start_over(again.id)
        assert j.parts(again.id) == {} and j.get(again.id).upload_id is None


def test_refuses_a_journal_from_the_future(tmp_path):
    path = tmp_path / "j.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(JournalError, match="newer lytsite-desktop"):
        Journal(path)


def test_queue_many_in_one_go_keeps_order(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        items = [QueueItem("d", "p", f"{i}.jpg", f"/s/{i}.jpg", i, 1) for i in range(50)]
        recs = j.queue(items)
        assert [r.rel_path for r in recs] == [f"{i}.jpg" for i in range(50)]
        j.update(recs[3].id, state="published")
        again = j.queue(items[3:4])
        assert again[0].id == recs[3].id and again[0].state == "queued"


def test_queue_again_keeps_an_unfinished_upload(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        rec = _queue(j)
        j.update(rec.id, state="uploading", upload_id="U")
        again = _queue(j)
        assert again.id == rec.id and again.upload_id == "U" and again.state == "uploading"


def _in_another_process(path: Path, asked: str) -> list[str]:
    """What ``asked`` (of the journal ``j`` at ``path``) prints in another process."""
    probe = (
        "from pathlib import Path; from lytsite_desktop.core.store.journal import Journal;"
        f"j = Journal(Path({str(path)!r})); print({asked})"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    return run.stdout.split()


def test_another_process_cannot_claim_a_claimed_row(tmp_path):
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        rec = _queue(j)
        assert j.claim(rec.id)
        asked = f"j.claim({rec.id}), j.claim({rec.id + 1})"
        assert _in_another_process(path, asked) == ["False", "True"]
        j.release(rec.id)
        assert _in_another_process(path, asked) == ["True", "True"]


def test_asking_whether_another_process_holds_a_row_never_lets_go_of_ours(tmp_path):
    """A POSIX process locks again what it holds, and one unlock lets it go: asking
    "is it held elsewhere?" of a row this process drives (a window looking for
    another run's files while it publishes) let another process take it."""
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        rec = _queue(j)
        assert j.claim(rec.id) and j.held_here(rec.id)
        assert not j.held_elsewhere(rec.id)  # ours
        asked = f"j.claim({rec.id}), j.held_elsewhere({rec.id})"
        assert _in_another_process(path, asked) == ["False", "True"]  # still ours
        assert j.held_here(rec.id) and j.claim(rec.id)  # claimed again: still one hold
        j.release(rec.id)
        assert not j.held_here(rec.id) and not j.held_elsewhere(rec.id)


def test_a_journal_of_an_earlier_version_speaks_the_states_words(tmp_path):
    """Schema 2 called a published file "done"; migration 3 renames it, so the
    journal, the events and `status` use one word."""
    path = tmp_path / "j.sqlite3"
    db = _journal_at(path, 2)
    db.execute(
        "INSERT INTO files (dest, project, rel_path, source_path, size, mtime_ns, state, "
        "created_at, updated_at) VALUES ('d', 'p', 'a.jpg', '/a.jpg', 1, 1, 'done', 0, 0)"
    )
    db.close()
    with Journal(path) as j:
        (rec,) = j.all_files()
        assert rec.state == "published" and j.projects()[0][:3] == ("d", "p", 1)


def test_a_failed_file_is_kept_until_let_go_and_again_when_it_fails_again(tmp_path):
    """The window lists last time's failures again at its start: the journal keeps
    them until the window clears them, and a file queued again and failing again
    is shown again."""
    with Journal(tmp_path / "j.sqlite3") as j:
        failed, published = _queue(j, "a.jpg"), _queue(j, "b.jpg")
        j.update(failed.id, state="failed", error="the file is gone")
        j.update(published.id, state="published")
        assert [(r.id, r.error) for r in j.failed()] == [(failed.id, "the file is gone")]
        j.dismiss([failed.id, published.id])
        assert j.failed() == []
        assert j.get(published.id).state == "published"  # let go of: failed rows only
        assert _queue(j, "a.jpg").state == "queued"
        j.update(failed.id, state="failed", error="still gone")
        assert [r.error for r in j.failed()] == ["still gone"]


def test_failures_from_before_the_update_are_not_brought_back(tmp_path):
    path = tmp_path / "j.sqlite3"
    db = _journal_at(path, 5)
    db.execute(
        "INSERT INTO files (dest, project, rel_path, source_path, size, mtime_ns, state, "
        "error, created_at, updated_at) VALUES ('d', 'p', 'a.jpg', '/a.jpg', 1, 1, 'failed',"
        " 'months ago', 0, 0)"
    )
    db.close()
    with Journal(path) as j:
        assert [r.state for r in j.all_files()] == ["failed"] and j.failed() == []
        rec = _queue(j, "b.jpg")
        j.update(rec.id, state="failed", error="now")
        assert [r.error for r in j.failed()] == ["now"]


def test_a_projects_title_as_typed_is_kept_with_its_files(tmp_path):
    """For the project's first manifest when a later run writes it (a resume, a
    retry): before, that manifest had no title and the page showed the address."""
    with Journal(tmp_path / "j.sqlite3") as j:
        item = QueueItem("d", "wedding-ana-joao", "a.jpg", "/src/a.jpg", 1, 1, "Ana & João")
        (rec,) = j.queue([item])
        assert rec.title == "Ana & João"
        j.update(rec.id, state="failed", error="gone")
        (again,) = j.queue([QueueItem("d", "wedding-ana-joao", "a.jpg", "/src/a.jpg", 1, 1)])
        assert again.state == "queued" and again.title == "Ana & João"  # a retry tells none
