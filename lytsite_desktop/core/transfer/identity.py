"""Which id a file's objects go under: the one thing its original, preview,
thumbnail and manifest entry must agree on.

A file is known by its content: the same bytes at the same path keep the id they
were published under (so publishing them again sends nothing), new bytes get a
new id (so no cache's immutable copy of the old ones is ever served for them).
Mostly that id is made from the content (:func:`~lytsite_desktop.core.keys.file_id`);
a big file first published here was given a fresh one instead, so its parts
could leave before its SHA-256 was known (:mod:`.early`). Either way, the id the
journal or the project's listing holds for these bytes at this path is the one.
"""

from __future__ import annotations

import secrets

from lytsite_desktop.core.keys import file_id
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.core.transfer.task import EngineServices, FileTask


def listed_entry(engine: EngineServices, task: FileTask) -> ManifestEntry | None:
    """What the project's published listing has at this file's path, if anything."""
    lister = engine.lister
    if lister is None:
        return None
    return engine.retrying(task, lambda: lister.listed(task.project, task.rel_path))


def fresh_id() -> str:
    """An id for bytes not yet hashed: as long as a content id, never the same twice."""
    return secrets.token_hex(8)


def settled_id(
    engine: EngineServices, task: FileTask, sha: str, rec: FileRecord, listed: ManifestEntry | None
) -> str:
    """The id of these bytes (``sha``) at this file's path, decided once a task
    (an earlier decision stands while the content is the same): the journal's
    for them, else the listing's, else the content id."""
    with engine.lock:
        if task.file_id is not None and task.sha256 == sha:
            return task.file_id
    if rec.file_id and rec.sha256 == sha:
        chosen = rec.file_id
    elif listed is not None and listed.sha256 == sha:
        chosen = listed.fileId
    else:
        chosen = file_id(sha, task.rel_path)
    with engine.lock:
        if task.file_id is None or task.sha256 != sha:
            task.file_id = chosen
        return task.file_id


def id_of(task: FileTask) -> str:
    """The id decided for the task (its content id if none was: a file that never
    reached the store)."""
    if task.file_id is not None:
        return task.file_id
    assert task.sha256
    return file_id(task.sha256, task.rel_path)
