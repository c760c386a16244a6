"""What the journal's disk can do wrong (full, read-only, gone, a damaged file),
in a photographer's words."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from lytsite_desktop.core.errors import PermanentError

__all__ = ["JournalError", "JournalFull", "plain_words", "set_aside"]


class JournalError(Exception):
    """The journal cannot be opened; ``str()`` says why, for a photographer."""


class JournalFull(PermanentError):
    """A write was refused for want of disk space and rolled back: the row is as
    it was, so the file is resumed or retried from there once space is freed."""

    def __init__(self) -> None:
        super().__init__(
            "This computer's disk is full, so the record of this upload could not be "
            "kept. Free some space, then publish again: nothing already sent is lost."
        )


def plain_words(exc: BaseException, folder: Path) -> str:
    """What a journal that cannot be opened means."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return (f"This computer's disk is full: lytsite-desktop cannot keep its record of "
                f"uploads in {folder}. Free some space, then start it again.")  # fmt: skip
    why = {
        sqlite3.SQLITE_READONLY: "the disk is read-only",
        sqlite3.SQLITE_IOERR: "the disk could not be read or written",
        sqlite3.SQLITE_BUSY: "another lytsite-desktop holds it; try again in a moment",
    }.get(code or 0, "the folder cannot be written")
    return f"lytsite-desktop cannot keep its record of uploads in {folder}: {why}."


def set_aside(path: Path) -> Path:
    """Rename a damaged journal (its write-ahead files dropped); returns the new name."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    return aside
