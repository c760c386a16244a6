"""Sending a file's original: prepare it, then one PUT or a multipart upload.

Prepare hashes the file, claims its journal row against other processes, and
records the key before anything is sent (so a crash after the upload is
recognised by its key). Content that may already be in the store (a key this
journal tried before, or one the project's listing names) is checked with a
HEAD, never sent again. A multipart upload's part size is stored with its upload
id and never recomputed; on resume the journal is reconciled with the store's
list of parts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TypeVar

from lytsite_desktop.core.destinations.base import ALGORITHMS, Algorithm, Checksum, PartInfo
from lytsite_desktop.core.errors import (
    DigestMismatchError,
    PermanentError,
    SourceChangedError,
    TransferError,
    UploadGoneError,
)
from lytsite_desktop.core.ingest.filetypes import FileType, sniff
from lytsite_desktop.core.keys import file_id, original_key
from lytsite_desktop.core.publish import headers
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.store.records import FileRecord, PartRecord
from lytsite_desktop.core.transfer import early
from lytsite_desktop.core.transfer.hashing import sha256_of, stat_source
from lytsite_desktop.core.transfer.identity import fresh_id, listed_entry, settled_id
from lytsite_desktop.core.transfer.planning import PartPlan, plan_parts
from lytsite_desktop.core.transfer.reader import SpanReader, source_error, span_checksums
from lytsite_desktop.core.transfer.task import EngineServices, FileTask

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A send whose checksum keeps failing though the file did not change fails after
#: this many tries.
DIGEST_TRIES = 3


def prepare(engine: EngineServices, task: FileTask) -> None:
    if not task.claimed:
        if not engine.journal.claim(task.id):
            raise PermanentError(
                "Another lytsite-desktop window or command is already uploading this file."
            )
        with engine.lock:
            task.claimed = True
    st = stat_source(task)
    rec = engine.journal.get(task.id)
    if early.may_start(engine, task, rec, st):
        return _start_unhashed(engine, task, rec, st)
    sha = sha256_of(engine, task, st)
    # The project's listing is asked only when the journal does not know these bytes.
    known = bool(rec.file_id) and rec.sha256 == sha
    listed = None if known else listed_entry(engine, task)
    key = original_key(task.project, settled_id(engine, task, sha, rec, listed), task.rel_path)
    if rec.upload_id and (rec.key != key or rec.sha256 != sha):
        # Source changed since its upload began: never stitch old and new bytes.
        if rec.key:
            try:
                engine.dest.abort_multipart(rec.key, rec.upload_id)
            except TransferError as exc:
                log.info("could not abort the outdated upload: %s", exc)
        rec = engine.journal.start_over(task.id)
    # Only content that may already be there is worth a HEAD: a key this journal
    # tried before (resume, re-publish, a crash after completing) or one the
    # project's listing names (published from another computer).
    maybe_there = rec.key == key or (listed is not None and listed.originalKey == key)
    # Durable before anything is sent: a crash after the upload is then
    # recognised by its key.
    task.record = rec = _record(engine, task, st, sha, key)
    metadata = {"sha256": sha}
    if maybe_there and already_there(engine, task, rec):
        log.info("%s: already in the store, nothing sent", task.rel_path)
        engine.original_up(task, rec, etag=None)
        return
    engine.set_state(task, FileState.UPLOADING)
    if _in_one_put(engine, rec):
        _put_small(engine, task, rec, metadata)
    else:
        _start_multipart(engine, task, rec, metadata)


def _start_unhashed(
    engine: EngineServices, task: FileTask, rec: FileRecord, st: os.stat_result
) -> None:
    """A big file new here: its parts leave while its SHA-256 is read (:mod:`.early`)."""
    continuing = bool(rec.upload_id)
    fid = rec.file_id if continuing and rec.file_id else fresh_id()
    with engine.lock:
        task.file_id = fid
    key = original_key(task.project, fid, task.rel_path)
    task.record = rec = _record(engine, task, st, None, key)
    early.hash_behind(engine, task, st)
    if continuing and already_there(engine, task, rec):  # completed just before a crash
        task.record = rec = early.settle(engine, task, rec)
        engine.original_up(task, rec, etag=None)
        return
    engine.set_state(task, FileState.UPLOADING)
    _start_multipart(engine, task, rec, {})


def _record(
    engine: EngineServices, task: FileTask, st: os.stat_result, sha: str | None, key: str
) -> FileRecord:
    """The journal's row as the upload begins: what is sent, from which bytes, where."""
    with engine.lock:
        task.size = st.st_size
        fid = task.file_id
    return engine.journal.update(
        task.id, state=FileState.UPLOADING.value, size=st.st_size, mtime_ns=st.st_mtime_ns,
        sha256=sha, file_id=fid, key=key, content_type=file_type(task).content_type, error=None,
    )  # fmt: skip


def _in_one_put(engine: EngineServices, rec: FileRecord) -> bool:
    """Below the cutoff a file goes up in one PUT; on a fast, clean link a bigger
    one too (:mod:`.linkrate`), unless its upload in parts is under way."""
    with engine.lock:
        whole = engine.meter.in_one_put(rec.size, under_way=bool(rec.upload_id))
        limit = engine.meter.limit()
    if rec.size >= engine.meter.cutoff:
        log.info("%s: %s (whole up to %d MiB on this link)", rec.rel_path,
                 "in one PUT" if whole else "in parts", limit // MiB)  # fmt: skip
    return whole


def file_type(task: FileTask) -> FileType:
    """What the file is, by content (recognised once, by whoever asks first)."""
    if task.ftype is None:
        try:
            task.ftype = sniff(task.source)
        except OSError as exc:
            raise source_error(exc, task.source) from exc
    return task.ftype


def already_there(engine: EngineServices, task: FileTask, rec: FileRecord) -> bool:
    """Is this exact content already at its key? (published before, or completed
    just before a crash). A HEAD, never a re-send."""
    key = rec.key
    assert key
    info = engine.retrying(task, lambda: engine.dest.head(key))
    if info is None or info.size != rec.size:
        return False
    if "sha256" in info.metadata:
        return info.metadata["sha256"] == rec.sha256
    # Sent before its SHA-256 was known (:mod:`.early`): the key's id was made for
    # this upload alone, and completed only once the bytes were checked.
    fresh = rec.sha256 is None or rec.file_id != file_id(rec.sha256, task.rel_path)
    return bool(rec.file_id) and fresh


def check_unchanged(task: FileTask, rec: FileRecord) -> None:
    try:
        st = os.stat(task.source)
    except OSError as exc:
        raise source_error(exc, task.source) from exc
    if (st.st_size, st.st_mtime_ns) != (rec.size, rec.mtime_ns):
        raise SourceChangedError("the file changed while it was being uploaded")


def _reader(engine: EngineServices, task: FileTask, offset: int, length: int) -> SpanReader:
    return SpanReader(
        task.source,
        offset,
        length,
        limiter=engine.limiter,
        on_bytes=lambda handed, arrived: engine.add_bytes(task, handed, arrived),
        should_stop=lambda: engine.should_stop(task),
    )


def _checksum(
    task: FileTask, rec: FileRecord, offset: int, length: int, algorithm: Algorithm
) -> Checksum:
    """What a request for this span carries: computed while the file was hashed,
    the content id itself for a whole file under SHA-256, else read now."""
    if algorithm == "sha256" and (offset, length) == (0, rec.size) and rec.sha256:
        return Checksum("sha256", bytes.fromhex(rec.sha256))
    known = task.span_sums.get((offset, length))
    if known is not None and known.algorithm == algorithm:
        return known
    return span_checksums(task.source, offset, length, algorithm)[0]


def _upload_algorithm(rec: FileRecord) -> Algorithm:
    """The checksum a multipart upload declared when it was created (an older
    journal's uploads declared none: Content-MD5)."""
    return next((a for a in ALGORITHMS if a == rec.checksum), "md5")


def _digest_checked(
    engine: EngineServices, task: FileTask, rec: FileRecord, fn: Callable[[], T]
) -> T:
    """Run a send; a checksum mismatch means the file changed (start over) or,
    if it did not, a corrupted transfer (retried)."""
    for _ in range(DIGEST_TRIES):
        try:
            return engine.retrying(task, fn)
        except DigestMismatchError:
            check_unchanged(task, rec)
            log.warning("%s: checksum mismatch in transit; sending again", task.rel_path)
    raise PermanentError("The data kept arriving corrupted at the storage service.")


def _put_small(
    engine: EngineServices, task: FileTask, rec: FileRecord, metadata: dict[str, str]
) -> None:
    key, ctype = rec.key, rec.content_type
    assert key and ctype
    checksum = _checksum(task, rec, 0, rec.size, engine.dest.checksum)
    check_unchanged(task, rec)

    def put() -> str:
        with _reader(engine, task, 0, rec.size) as body:
            return engine.dest.put_object(
                key, body, rec.size, checksum, ctype, metadata, headers.original(task.rel_path)
            )

    etag = _digest_checked(engine, task, rec, put)
    engine.original_up(task, rec, etag=etag)


def _start_multipart(
    engine: EngineServices, task: FileTask, rec: FileRecord, metadata: dict[str, str]
) -> None:
    assert rec.key and rec.content_type
    done: dict[int, PartRecord] = {}
    if rec.upload_id and rec.part_size:
        plan = PartPlan(rec.size, rec.part_size)  # stored: never recomputed
        try:
            done = _reconcile(engine, task, rec, plan)
        except UploadGoneError:
            log.info("%s: upload id unknown to the store; starting over", task.rel_path)
            rec = engine.journal.start_over(task.id)
    if not rec.upload_id:
        plan = plan_parts(rec.size, engine.settings.part_size)
        key, ctype = rec.key, rec.content_type
        assert key and ctype
        algorithm = engine.dest.part_checksum
        upload_id = engine.retrying(
            task,
            lambda: engine.dest.create_multipart(
                key, ctype, metadata, headers.original(task.rel_path), checksum=algorithm
            ),
        )
        rec = engine.journal.update(
            task.id, upload_id=upload_id, part_size=plan.part_size, checksum=algorithm
        )
    with engine.lock:
        task.record = rec
        task.plan = plan
        task.done_parts = done
        task.pending.clear()
        task.pending.extend(n for n in range(1, plan.count + 1) if n not in done)
        task.bytes_done = task.bytes_handed = task.reported = sum(p.size for p in done.values())
    if done:
        log.info("%s: %d of %d parts already in the store", task.rel_path, len(done), plan.count)
    engine.parts_ready(task)


def _reconcile(
    engine: EngineServices, task: FileTask, rec: FileRecord, plan: PartPlan
) -> dict[int, PartRecord]:
    """Parts both the journal and the store agree on; parts the store has that the
    journal missed (in flight at a crash) are adopted if their ETag is our MD5 or
    the store lists our checksum for them."""
    assert rec.key and rec.upload_id
    key, upload_id = rec.key, rec.upload_id
    listed = engine.retrying(task, lambda: engine.dest.list_parts(key, upload_id))
    server = {p.number: p for p in listed}
    journal_parts = engine.journal.parts(task.id)
    done: dict[int, PartRecord] = {}
    for number in range(1, plan.count + 1):
        mine, theirs = journal_parts.get(number), server.get(number)
        offset, length = plan.span(number)
        if theirs is None or theirs.size != length:
            if mine:
                engine.journal.forget_part(task.id, number)
            continue
        if mine and mine.etag == theirs.etag:
            done[number] = mine
            continue
        algorithm = _upload_algorithm(rec)
        md5, checksum = span_checksums(task.source, offset, length, "md5", algorithm)
        if theirs.etag == md5.digest.hex() or theirs.checksum == checksum:
            part = PartRecord(number, length, theirs.etag, checksum.token)
            engine.journal.record_part(task.id, part)
            done[number] = part
    return done


def send_part(engine: EngineServices, task: FileTask, number: int) -> None:
    assert task.plan and task.record
    rec = task.record
    assert rec.key and rec.upload_id
    offset, length = task.plan.span(number)
    try:
        checksum = _checksum(task, rec, offset, length, _upload_algorithm(rec))
        check_unchanged(task, rec)
        key, upload_id = rec.key, rec.upload_id

        def send() -> str:
            with _reader(engine, task, offset, length) as body:
                return engine.dest.upload_part(key, upload_id, number, body, length, checksum)

        part = PartRecord(number, length, _digest_checked(engine, task, rec, send), checksum.token)
        engine.journal.record_part(task.id, part)
    except UploadGoneError:
        with engine.lock:
            task.restart_requested = True
        return
    except BaseException:
        with engine.lock:
            if not task.finished:
                task.pending.appendleft(number)
        raise
    with engine.lock:
        task.done_parts[number] = part


def complete(engine: EngineServices, task: FileTask) -> None:
    assert task.record and task.plan
    task.record = rec = early.settle(engine, task, task.record)  # its SHA-256 known, checked
    assert rec.key and rec.upload_id
    check_unchanged(task, rec)
    declared = _upload_algorithm(rec) != "md5"
    parts = [
        PartInfo(p.number, p.size, p.etag, Checksum.parse(p.checksum) if declared else None)
        for p in (task.done_parts[n] for n in range(1, task.plan.count + 1))
    ]
    key, upload_id = rec.key, rec.upload_id
    try:
        etag = engine.retrying(task, lambda: engine.dest.complete_multipart(key, upload_id, parts))
    except UploadGoneError:
        # Completed by an earlier attempt whose answer was lost?
        if already_there(engine, task, rec):
            etag = ""
        else:
            raise SourceChangedError("the upload vanished from the store") from None
    engine.original_up(task, rec, etag=etag)
