"""A file's SHA-256 (its content id), read once whoever asks first.

Both the ingest thread (the preview is cached by content) and the upload worker
(the key holds the content id) need it; the second waits for the first and takes
its answer. The journal caches hashes by path, size, mtime and inode, so a folder
dropped again is not read again. A small file gets its Content-MD5 in the same
read, so it is read once more (to send it), not twice.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat

from lytsite_desktop.core.errors import Interrupted, PermanentError, SourceChangedError
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.store.journal import HashEntry
from lytsite_desktop.core.transfer.reader import source_error
from lytsite_desktop.core.transfer.task import EngineServices, FileTask

_CHUNK = 1024 * 1024


def stat_source(task: FileTask) -> os.stat_result:
    try:
        st = os.stat(task.source)
    except OSError as exc:
        raise PermanentError(str(source_error(exc, task.source))) from exc
    if not stat.S_ISREG(st.st_mode):
        raise PermanentError("it is not a regular file any more")
    return st


def sha256_of(engine: EngineServices, task: FileTask, st: os.stat_result) -> str:
    with engine.lock:
        engine.lock.wait_for(lambda: not task.hashing or engine.should_stop(task))
        if engine.should_stop(task):
            raise Interrupted()
        now = (st.st_size, st.st_mtime_ns, st.st_ino)
        if task.sha256 and task.hashed_stat == now:
            return task.sha256  # hashed (and cached) by the other side
        task.hashing = True
    try:
        sha, entry = _hash_once(engine, task, st)
        if entry is not None:
            engine.journal.store_hash(entry)
        with engine.lock:
            task.sha256, task.hashed_stat = sha, now
        return sha
    finally:
        with engine.lock:
            task.hashing = False
            engine.lock.notify_all()


def _hash_once(
    engine: EngineServices, task: FileTask, st: os.stat_result
) -> tuple[str, HashEntry | None]:
    cached = engine.journal.cached_hash(task.source, st.st_size, st.st_mtime_ns, st.st_ino)
    if cached:
        return cached, None
    engine.set_state(task, FileState.HASHING)
    digest = hashlib.sha256()
    md5 = hashlib.md5() if st.st_size < engine.settings.multipart_threshold else None
    try:
        with open(task.source, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                if engine.should_stop(task):
                    raise Interrupted()
                digest.update(chunk)
                if md5 is not None:
                    md5.update(chunk)
    except OSError as exc:
        raise PermanentError(str(source_error(exc, task.source))) from exc
    sha = digest.hexdigest()
    after = os.stat(task.source)
    if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
        raise SourceChangedError("the file changed while it was being read")
    if md5 is not None:
        task.small_md5 = base64.b64encode(md5.digest()).decode()
    return sha, HashEntry(task.source, st.st_size, st.st_mtime_ns, st.st_ino, sha)
