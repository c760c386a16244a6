"""Aborting multipart uploads on the store: a policy, not an accident.

A failure keeps the upload id and its parts (a retry or a resume continues).
Only a cancel aborts, and a source that changed (its old upload is replaced).
Unfinished uploads that no journal owns (a crash at the instant an upload was
created) are found and aborted by the orphan sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lytsite_desktop.core.backoff import BACKOFF_BASE
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import TransferError, TransientError
from lytsite_desktop.core.keys import project_prefix
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.transfer.task import EngineServices, FileTask

log = logging.getLogger(__name__)

#: Attempts to abort a cancelled upload before leaving it to the orphan sweep (a
#: dead network must not hang a cancel).
CANCEL_ABORT_ATTEMPTS = 4


def abort_cancelled(engine: EngineServices, task: FileTask, stopping: bool) -> None:
    """Abort a cancelled file's multipart upload, if it has one (a few tries)."""
    rec = engine.journal.get(task.id)
    key, upload_id = rec.key, rec.upload_id
    if not (upload_id and key):
        return
    for attempt in range(CANCEL_ABORT_ATTEMPTS):
        try:
            engine.dest.abort_multipart(key, upload_id)
            return
        except TransferError as exc:
            log.warning("could not abort upload of %s: %s", task.rel_path, exc)
            if stopping or not isinstance(exc, TransientError):
                return
            engine.sleep(task, BACKOFF_BASE * 2**attempt, False)


def abort_replaced(engine: EngineServices, task: FileTask) -> None:
    """The source changed (or the upload vanished): drop its old upload, if any."""
    rec = engine.journal.get(task.id)
    if rec.upload_id and rec.key:
        try:
            engine.dest.abort_multipart(rec.key, rec.upload_id)
        except TransferError as exc:
            log.info("abort of replaced upload failed (left to the orphan sweep): %s", exc)


def orphaned_uploads(
    dest: Destination, journal: Journal, project: str | None = None
) -> list[tuple[str, str]]:
    """Multipart uploads under our prefix that no journal entry owns: (key, id)."""
    prefix = project_prefix(project) if project else "projects/"
    owned = journal.upload_ids(dest.ident)
    return [
        (u.key, u.upload_id)
        for u in dest.list_multipart_uploads(prefix)
        if u.upload_id not in owned
    ]


def abort_uploads(dest: Destination, uploads: Iterable[tuple[str, str]]) -> int:
    n = 0
    for key, upload_id in uploads:
        dest.abort_multipart(key, upload_id)
        n += 1
    return n
