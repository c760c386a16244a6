"""A published original, on this computer: the source file when it is still there
and unchanged, else downloaded from the bucket (resumable, verified)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import DigestMismatchError, Interrupted, PermanentError
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.store.journal import Journal

PART_SUFFIX = ".part"


def local_original(journal: Journal, dest: str, project: str, entry: ManifestEntry) -> Path | None:
    """The file that was published, if it is still where it was, unchanged (same
    content hash, size and modification time as when it was sent)."""
    rec = journal.published_copy(dest, project, entry.path)
    if rec is None or rec.sha256 != entry.sha256:
        return None
    try:
        st = os.stat(rec.source_path)
    except OSError:
        return None
    if st.st_size != rec.size or st.st_mtime_ns != rec.mtime_ns:
        return None
    return Path(rec.source_path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def download_original(
    destination: Destination,
    entry: ManifestEntry,
    target: Path,
    progress: Callable[[int, int], None] = lambda done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Path:
    """Download the original to ``target``, continuing a ``target.part`` left by an
    earlier try; checked against the manifest's SHA-256 before it takes its name.

    Raises TransferError (offline, gone), DigestMismatchError, Interrupted, OSError.
    """
    if not entry.originalKey:
        raise PermanentError(f"{entry.fileName}: its original is not uploaded yet")
    part = target.with_name(target.name + PART_SUFFIX)
    target.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > entry.size:
        part.unlink()
        have = 0
    progress(have, entry.size)
    if have < entry.size:
        total, chunks = destination.read_range(entry.originalKey, have)
        if total != entry.size:
            raise PermanentError(
                f"{entry.fileName}: the bucket holds {total} bytes, the manifest says {entry.size}"
            )
        with part.open("ab") as fh:
            for chunk in chunks:
                fh.write(chunk)
                have += len(chunk)
                progress(have, total)
                if should_stop():
                    raise Interrupted("download paused")
    if _sha256(part) != entry.sha256:
        part.unlink()
        raise DigestMismatchError(f"{entry.fileName}: the download does not match the original")
    os.replace(part, target)
    return target
