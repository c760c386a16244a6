"""The journal: a SQLite record of every queued file, upload id and finished part.

A part counts as done only once its row is committed (WAL, synchronous=FULL), so
after a kill at any instant a resume re-sends at most the parts that were in flight.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from lytsite_desktop.core.states import FINAL as FINAL_STATES
from lytsite_desktop.core.states import UNFINISHED, FileState
from lytsite_desktop.core.store.faults import JournalError, JournalFull, plain_words, set_aside
from lytsite_desktop.core.store.filelock import RowLocks
from lytsite_desktop.core.store.migrations import MIGRATIONS
from lytsite_desktop.core.store.records import (
    FileRecord,
    HashEntry,
    PartRecord,
    PendingDeletion,
    QueueItem,
)

SCHEMA_VERSION = len(MIGRATIONS)
log = logging.getLogger(__name__)

# A row's state is one of states.STORED; unfinished rows are what `resume` finishes.
QUEUED, PUBLISHED = FileState.QUEUED.value, FileState.PUBLISHED.value
FAILED = FileState.FAILED.value
FINAL = tuple(s.value for s in FINAL_STATES)


_COLUMNS = ", ".join(f.name for f in fields(FileRecord))


class Journal:
    """Owns the SQLite connection. Thread-safe: every call takes one lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._locks = RowLocks(path.with_name(path.name + ".locks"))
        self._lock = threading.RLock()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) not in (sqlite3.SQLITE_NOTADB,
                                                              sqlite3.SQLITE_CORRUPT):  # fmt: skip
                raise JournalError(plain_words(exc, path.parent)) from exc
            self._db = self._set_aside(exc)
        except JournalFull as exc:  # its first write (a new journal, a migration)
            raise JournalError(plain_words(exc.__cause__ or exc, path.parent)) from exc

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            self._db = db
            self._migrate()
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """A damaged journal is kept beside (for a look, by hand) and a new one
        begun: what it knew of unfinished uploads is lost, the bucket's manifests
        are not (and the orphan sweep finds the uploads it owned)."""
        try:
            aside = set_aside(self.path)
            log.warning("the journal %s is damaged (%s): kept as %s, a new one begun",
                        self.path, exc, aside.name)  # fmt: skip
            return self._open()
        except (OSError, sqlite3.Error) as again:
            raise JournalError(plain_words(again, self.path.parent)) from again

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._locks.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._lock, self._tx():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalError(
                    f"the journal {self.path} was written by a newer lytsite-desktop "
                    f"(schema {version}, this one knows {SCHEMA_VERSION}); please update"
                )
            for i in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[i].split(";"):
                    if stmt.strip():
                        self._db.execute(stmt)
                self._db.execute(f"PRAGMA user_version={i + 1}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """One transaction; a full disk rolls it back and raises :class:`JournalFull`."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:  # SQLite ends some failed ones itself
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                    raise JournalFull() from exc
                raise

    def _row(self, row: tuple | None) -> FileRecord | None:
        return FileRecord(*row) if row else None

    def get(self, file_row: int) -> FileRecord:
        with self._lock:
            rec = self._row(
                self._db.execute(f"SELECT {_COLUMNS} FROM files WHERE id=?", (file_row,)).fetchone()
            )
        if rec is None:
            raise JournalError(f"no journal entry {file_row}")
        return rec

    # -- files -------------------------------------------------------------------

    def queue(self, items: list[QueueItem]) -> list[FileRecord]:
        """Record files to publish, in one transaction; returns their rows.

        An existing unfinished row for the same place is kept as is, so its upload
        can resume; the engine decides whether the source changed. A finished row
        is queued again (keeping its key and hash for comparison). Its project's
        title, when told, is kept with each row for a later run's first manifest.
        """
        now = time.time()
        keys = []
        where = f"SELECT {_COLUMNS} FROM files WHERE dest=? AND project=? AND rel_path=?"
        with self._tx():
            for it in items:
                key = (it.dest, it.project, it.rel_path)
                keys.append(key)
                existing = self._row(self._db.execute(where, key).fetchone())
                if existing is None:
                    self._db.execute(
                        "INSERT INTO files (dest, project, rel_path, source_path, size, mtime_ns, "
                        "state, title, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (*key, it.source_path, it.size, it.mtime_ns, QUEUED, it.title, now, now),
                    )
                elif existing.state in FINAL:
                    self._db.execute(
                        "UPDATE files SET state=?, source_path=?, error=NULL, dismissed=0, "
                        "title=coalesce(?, title), updated_at=? WHERE id=?",
                        (QUEUED, it.source_path, it.title, now, existing.id),
                    )
                elif it.title and not existing.title:  # under way, queued by an older version
                    self._db.execute("UPDATE files SET title=? WHERE id=?", (it.title, existing.id))
        with self._lock:
            return [FileRecord(*self._db.execute(where, key).fetchone()) for key in keys]

    def update(self, file_row: int, **values: object) -> FileRecord:
        """Set columns of one row (and updated_at), durably, in one commit; returns
        the row."""
        allowed = {f.name for f in fields(FileRecord)} - {"id", "created_at", "updated_at"}
        bad = set(values) - allowed
        if bad:
            raise JournalError(f"unknown journal columns: {bad}")
        cols = "".join(f"{k}=?, " for k in values)
        with self._tx():
            self._db.execute(
                f"UPDATE files SET {cols}updated_at=? WHERE id=?",
                (*values.values(), time.time(), file_row),
            )
            return self.get(file_row)

    def start_over(self, file_row: int, **values: Any) -> FileRecord:
        """Forget the upload id and every recorded part (source changed, upload gone)."""
        with self._tx():
            self._db.execute("DELETE FROM parts WHERE file=?", (file_row,))
        return self.update(
            file_row, upload_id=None, part_size=None, etag=None, checksum=None, **values
        )

    def unfinished(self, dest: str | None = None) -> list[FileRecord]:
        """Rows still queued or uploading (what `resume` finishes), oldest first."""
        q = f"SELECT {_COLUMNS} FROM files WHERE state IN (?, ?)"
        args: tuple = UNFINISHED
        if dest is not None:
            q += " AND dest=?"
            args = (*args, dest)
        with self._lock:
            return [FileRecord(*r) for r in self._db.execute(q + " ORDER BY id", args)]

    def failed(self) -> list[FileRecord]:
        """Rows that failed and that the photographer has not let go (:meth:`dismiss`),
        oldest first: what a window shows again when it starts."""
        q = f"SELECT {_COLUMNS} FROM files WHERE state=? AND dismissed=0 ORDER BY id"
        with self._lock:
            return [FileRecord(*r) for r in self._db.execute(q, (FAILED,))]

    def dismiss(self, file_rows: Iterable[int]) -> None:
        """Failed rows let go (a window cleared them): not shown again until they
        are queued again and fail again."""
        with self._tx():
            self._db.executemany(
                "UPDATE files SET dismissed=1 WHERE id=? AND state=?",
                [(i, FAILED) for i in file_rows],
            )

    def all_files(self) -> list[FileRecord]:
        with self._lock:
            return [
                FileRecord(*r)
                for r in self._db.execute(f"SELECT {_COLUMNS} FROM files ORDER BY id")
            ]

    def projects(self) -> list[tuple[str, str, int, float]]:
        """(dest, project, files published, last update) for every project with a
        published file, newest first."""
        with self._lock:
            return list(
                self._db.execute(
                    "SELECT dest, project, count(*), max(updated_at) FROM files WHERE state=?"
                    " GROUP BY dest, project ORDER BY max(updated_at) DESC",
                    (PUBLISHED,),
                )
            )

    def published_copy(self, dest: str, project: str, rel_path: str) -> FileRecord | None:
        """The journal's record of a published file (where its source was)."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM files WHERE dest=? AND project=? AND rel_path=?"
                " AND state=?",
                (dest, project, rel_path, PUBLISHED),
            ).fetchone()
        return self._row(row)

    def upload_ids(self, dest: str) -> set[str]:
        """Multipart upload ids this journal owns (for the orphan sweep)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT upload_id FROM files WHERE dest=? AND upload_id IS NOT NULL", (dest,)
            )
            return {r[0] for r in rows}

    def remember_destination(self, ident: str, spec: str) -> None:
        """How to reopen a destination later (a saved name or a URL; never a secret)."""
        with self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO destinations (ident, spec) VALUES (?, ?)", (ident, spec)
            )

    def destination_spec(self, ident: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT spec FROM destinations WHERE ident=?", (ident,)
            ).fetchone()
        return row[0] if row else None

    # -- parts -------------------------------------------------------------------

    def record_part(self, file_row: int, part: PartRecord) -> None:
        """Durably record a finished part. Only after this returns does it count."""
        with self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO parts (file, number, size, etag, checksum) "
                "VALUES (?,?,?,?,?)",
                (file_row, part.number, part.size, part.etag, part.checksum),
            )

    def parts(self, file_row: int) -> dict[int, PartRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT number, size, etag, checksum FROM parts WHERE file=? ORDER BY number",
                (file_row,),
            )
            return {r[0]: PartRecord(*r) for r in rows}

    def forget_part(self, file_row: int, number: int) -> None:
        with self._tx():
            self._db.execute("DELETE FROM parts WHERE file=? AND number=?", (file_row, number))

    # -- taking back ----------------------------------------------------------------

    def forget_files(self, dest: str, project: str, paths: list[str] | None) -> None:
        """Drop the rows of files taken back (``paths`` None: the whole project)."""
        with self._tx():
            if paths is None:
                self._db.execute("DELETE FROM files WHERE dest=? AND project=?", (dest, project))
            for path in paths or []:
                self._db.execute(
                    "DELETE FROM files WHERE dest=? AND project=? AND rel_path=?",
                    (dest, project, path),
                )

    def add_deletion(
        self, dest: str, project: str, versions: dict[str, str] | None, keys: list[str]
    ) -> int:
        """Record a deletion before it starts, so the next run finishes it:
        ``versions`` are the files taken back (path: fileId), None a whole project."""
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO deletions (dest, project, versions, keys, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (dest, project, None if versions is None else json.dumps(versions),
                 json.dumps(keys), time.time()),
            )  # fmt: skip
            return int(cur.lastrowid or 0)

    def deletions(self, dest: str | None = None) -> list[PendingDeletion]:
        """Deletions recorded and not yet finished, oldest first."""
        q = "SELECT id, dest, project, versions, keys, created_at FROM deletions"
        args: tuple = ()
        if dest is not None:
            q, args = q + " WHERE dest=?", (dest,)
        with self._lock:
            rows = list(self._db.execute(q + " ORDER BY id", args))
        return [
            PendingDeletion(r[0], r[1], r[2], None if r[3] is None else json.loads(r[3]),
                            json.loads(r[4]), r[5])
            for r in rows
        ]  # fmt: skip

    def deletion_done(self, deletion: int) -> None:
        with self._tx():
            self._db.execute("DELETE FROM deletions WHERE id=?", (deletion,))

    # -- content hash cache --------------------------------------------------------

    def store_hash(self, entry: HashEntry) -> None:
        with self._tx():
            self._store_hash(entry)

    def cached_hash(self, path: str, size: int, mtime_ns: int, inode: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT sha256 FROM hashes WHERE path=? AND size=? AND mtime_ns=? AND inode=?",
                (path, size, mtime_ns, inode),
            ).fetchone()
        return row[0] if row else None

    def _store_hash(self, entry: HashEntry) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO hashes (path, size, mtime_ns, inode, sha256) "
            "VALUES (?,?,?,?,?)",
            (entry.path, entry.size, entry.mtime_ns, entry.inode, entry.sha256),
        )

    # -- cross-process ownership -------------------------------------------------------

    def claim(self, file_row: int) -> bool:
        """Lock one row against other lytsite processes; False if another holds it."""
        return self._locks.claim(file_row)

    def release(self, file_row: int) -> None:
        self._locks.release(file_row)

    def held_elsewhere(self, file_row: int) -> bool:
        """Is another lytsite process driving this row right now? (A row that none
        holds and that is not finished was interrupted.)"""
        return self._locks.held_elsewhere(file_row)

    def held_here(self, file_row: int) -> bool:
        """Does this process drive the row (a task of one of its engines)?"""
        return self._locks.held_here(file_row)
