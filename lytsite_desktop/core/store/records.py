"""What the journal hands out and takes in: plain records of its rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FileRecord:
    id: int
    dest: str
    project: str
    rel_path: str
    source_path: str
    size: int
    mtime_ns: int
    state: str
    sha256: str | None
    file_id: str | None
    key: str | None
    content_type: str | None
    upload_id: str | None
    part_size: int | None
    etag: str | None
    error: str | None
    created_at: float
    updated_at: float
    #: Why the file has no preview (None: it has one, or previews were not made).
    note: str | None
    #: The checksum algorithm its multipart upload declared (None: Content-MD5).
    checksum: str | None
    #: A failed file the window has let go of (not listed again at its start).
    dismissed: int = 0
    #: Its project's title as typed when it was queued (None: not told).
    title: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """What the journal needs to know of a file when it is queued."""

    dest: str
    project: str
    rel_path: str
    source_path: str
    size: int
    mtime_ns: int
    title: str | None = None  # its project's, as typed


@dataclass(frozen=True)
class HashEntry:
    """A file's SHA-256, valid while its path, size, mtime and inode stay the same."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    sha256: str


@dataclass(frozen=True)
class PartRecord:
    number: int
    size: int
    etag: str
    #: The checksum it was sent with (Checksum.token).
    checksum: str


@dataclass(frozen=True)
class PendingDeletion:
    """Files (path: fileId), or a whole project (``versions`` None), or objects no
    manifest names (``versions`` empty), being deleted from a destination."""

    id: int
    dest: str
    project: str
    versions: dict[str, str] | None
    keys: list[str]
    created_at: float
