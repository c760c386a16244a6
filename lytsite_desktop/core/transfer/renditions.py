"""A file's preview and thumbnail: made ahead of the upload, sent before the original.

Ingest threads hash each file, recognise it and make its renditions (from the
preview cache, else in a worker process); a sender of their own puts them in the
store, so a gallery is shareable while originals still stream. Renditions the
project's listing already names (same content, same size) are not sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from lytsite_desktop.core.errors import Interrupted, TransferError
from lytsite_desktop.core.keys import rendition_key
from lytsite_desktop.core.previews.cache import Cached
from lytsite_desktop.core.previews.jobs import RenditionFile
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.headers import RENDITION
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.transfer.hashing import sha256_of, stat_source
from lytsite_desktop.core.transfer.identity import listed_entry, settled_id
from lytsite_desktop.core.transfer.original import file_type
from lytsite_desktop.core.transfer.reader import SpanReader, span_checksums
from lytsite_desktop.core.transfer.task import EngineServices, FileTask

log = logging.getLogger(__name__)
T = TypeVar("T")

#: What each kind of rendition is, by its file's ending.
CONTENT_TYPES = {"webp": "image/webp", "pdf": "application/pdf", "mp4": "video/mp4"}


def ingest(engine: EngineServices, task: FileTask) -> Cached | None:
    """Hash, recognise and make the renditions of one file (None: it changed
    meanwhile, or the engine stopped; nothing to do)."""
    previews = engine.previews
    assert previews is not None
    try:
        st = stat_source(task)
        sha = sha256_of(engine, task, st)
        ftype = file_type(task)
        with engine.lock:
            showing = task.state in (FileState.QUEUED, FileState.HASHING)
        if showing:
            engine.set_state(task, FileState.MAKING_PREVIEW)
        made = previews.make(task.source, sha, ftype, task.project)
    except Interrupted:
        raise
    except TransferError as exc:  # unreadable: the upload reports it
        engine.settle_preview(task, f"no preview: {exc}")
        return None
    except Exception:
        log.exception("preview of %s failed", task.rel_path)
        engine.settle_preview(task, "no preview: an unexpected error (the log has the details)")
        return None
    if made.result.detail:
        log.info("no preview of %s: %s", task.rel_path, made.result.detail)
    with engine.lock:
        if task.sha256 != sha:
            return None  # the file changed meanwhile: it is queued again for its new content
    return made


def send(engine: EngineServices, task: FileTask) -> None:
    """Put the preview and thumbnail (unless the listing already names them)."""
    made = task.renditions
    assert made is not None and task.sha256
    try:
        listed = listed_entry(engine, task)
        rec = task.record or engine.journal.get(task.id)
        fid = settled_id(engine, task, task.sha256, rec, listed)
        preview, thumb = _side_by_side(
            lambda: _send_one(engine, task, made, "previews", made.result.preview, fid, listed),
            lambda: _send_one(engine, task, made, "thumbs", made.result.thumb, fid, listed),
        )
    except TransferError as exc:
        engine.settle_preview(task, f"preview not published: {exc}")
        return
    with engine.lock:
        task.published_renditions = (preview, thumb)
    engine.settle_preview(task, made.result.note, damaged=made.result.damaged)


def _side_by_side(first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
    """``first`` on this thread and ``second`` on one of its own, at once: the
    preview's and the thumbnail's round trips overlap (one round trip a file, not
    two, which on a distant store is what a folder of photos' end waits for).
    Returns once both ended; the first one's error, else the second one's."""
    with ThreadPoolExecutor(1, "lytsite-thumb") as side:
        later = side.submit(second)
        try:
            done = first()
        except BaseException:
            later.exception()  # nothing outlives the unit that started it
            raise
        return done, later.result()


def _send_one(
    engine: EngineServices,
    task: FileTask,
    made: Cached,
    role: str,
    rf: RenditionFile | None,
    fid: str,
    listed: ManifestEntry | None,
) -> Rendition | None:
    if rf is None:
        return None
    ext = rf.name.rsplit(".", 1)[-1]
    key = rendition_key(task.project, role, fid, task.rel_path, ext, rf.tag)
    ctype = CONTENT_TYPES.get(ext, "image/webp")
    rendition = Rendition(key, rf.width, rf.height, rf.size, ctype)
    before = (listed.preview if role == "previews" else listed.thumb) if listed else None
    if before is not None and (before.key, before.size) == (key, rf.size):
        return rendition  # listed already: same content (the key holds its id), same size
    path = str(made.path(rf))
    # Its SHA-256 goes with it (metadata), as an original's does; one read for both.
    checksum, sha256 = span_checksums(path, 0, rf.size, engine.dest.checksum, "sha256")
    metadata = {"sha256": sha256.digest.hex()}

    def put() -> str:
        body = SpanReader(
            path, 0, rf.size, limiter=engine.limiter, on_bytes=lambda handed, arrived: None,
            should_stop=lambda: engine.should_stop(task),
        )  # fmt: skip
        with body:
            return engine.dest.put_object(key, body, rf.size, checksum, ctype, metadata, RENDITION)

    engine.retrying(task, put)
    return rendition
