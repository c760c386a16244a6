"""A big file first published here leaves before its SHA-256 is known.

Reading a file through SHA-256 takes about 0.85 s a GiB here (longer from a
slow drive), and with its content id in its key a big file's first part waited
for all of it. A file big enough for parts that is new at its path (nothing
listed there, no hash kept, no upload of it under way with its content known)
gets a fresh id instead (:mod:`.identity`): its multipart upload starts at once
and its SHA-256 is read beside the parts, on a thread of its own. Nothing
weaker is promised for it:

- the store checks every part (its CRC-32C, or MD5) as before;
- the read that gives the SHA-256 also gives every part's checksum, and before
  the upload is completed these must be the ones the parts were sent with: the
  SHA-256 the manifest lists is that of the bytes in the store, or the file
  changed and it starts over;
- the id is new for every upload, so a cache never holds other bytes under it;
- publishing the same bytes again finds them by the manifest's SHA-256 at their
  path (and the journal's), and sends nothing.

What it gives up: the object carries no ``sha256`` metadata (it is in the
manifest), and two computers publishing the same new file at once both send it.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future

from lytsite_desktop.core.destinations.base import Checksum
from lytsite_desktop.core.errors import Interrupted, SourceChangedError
from lytsite_desktop.core.store.records import FileRecord
from lytsite_desktop.core.transfer.hashing import hash_quietly, stat_source
from lytsite_desktop.core.transfer.identity import listed_entry
from lytsite_desktop.core.transfer.planning import PartPlan
from lytsite_desktop.core.transfer.reader import span_checksums
from lytsite_desktop.core.transfer.task import EngineServices, FileTask

log = logging.getLogger(__name__)


def may_start(engine: EngineServices, task: FileTask, rec: FileRecord, st: os.stat_result) -> bool:
    """Can this file's parts leave before its SHA-256 is known? An upload begun
    that way continues so while the file is as it was; a new one starts so when
    nothing could already be in the store for it."""
    if rec.upload_id:
        return bool(rec.file_id and rec.sha256 is None and (rec.size, rec.mtime_ns)
                    == (st.st_size, st.st_mtime_ns))  # fmt: skip
    if not engine.dest.sends_unhashed or st.st_size < engine.settings.multipart_threshold:
        return False
    with engine.lock:
        if task.sha256 is not None or task.file_id is not None:
            return False  # hashed already, or its preview went up under its content id
        if engine.meter.in_one_put(st.st_size, under_way=False):
            return False  # one PUT carries the SHA-256 itself
    if engine.journal.cached_hash(task.source, st.st_size, st.st_mtime_ns, st.st_ino):
        return False
    if engine.prehashed is not None and engine.prehashed.has(task.source, st):
        return False
    return listed_entry(engine, task) is None


def hash_behind(engine: EngineServices, task: FileTask, st: os.stat_result) -> None:
    """Start reading the file's SHA-256 (and its parts' checksums) on a thread."""
    future: Future[str] = Future()

    def run() -> None:
        try:
            future.set_result(hash_quietly(engine, task, st))
        except BaseException as exc:  # the one waiting for it raises it
            future.set_exception(exc)

    with engine.lock:
        task.hashed = future
    threading.Thread(target=run, name="upload-hash", daemon=True).start()


def settle(engine: EngineServices, task: FileTask, rec: FileRecord) -> FileRecord:
    """Before an upload begun unhashed is completed (or found complete): its
    SHA-256, from a read whose parts' checksums are those the journal says were
    sent. Raises SourceChangedError if they differ, Interrupted when told to stop."""
    if rec.sha256 is not None:
        return rec
    while True:
        with engine.lock:
            future = task.hashed
        if future is None:
            hash_behind(engine, task, stat_source(task))
            continue
        try:
            sha = future.result()
            break
        except Interrupted:
            with engine.lock:  # paused or stopped meanwhile: read again (now, or when resumed)
                if task.hashed is future:
                    task.hashed = None
            if engine.should_stop(task):
                raise
    _same_bytes_as_sent(engine, task, rec)
    return engine.journal.update(task.id, sha256=sha)


def _same_bytes_as_sent(engine: EngineServices, task: FileTask, rec: FileRecord) -> None:
    assert rec.part_size and rec.size is not None
    plan = PartPlan(rec.size, rec.part_size)
    for number, part in engine.journal.parts(task.id).items():
        offset, length = plan.span(number)
        sent = Checksum.parse(part.checksum)
        known = task.span_sums.get((offset, length))
        if sent is not None and (known is None or known.algorithm != sent.algorithm):
            known = span_checksums(task.source, offset, length, sent.algorithm)[0]
        if sent is None or known != sent:
            log.info("%s: part %d differs from the bytes hashed", task.rel_path, number)
            raise SourceChangedError("the file changed while it was being uploaded")
