"""The interface every destination implements, and the records it returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Body(Protocol):
    """A request body: read from the start, rewound for a retry."""

    def read(self, amt: int | None = -1, /) -> bytes: ...

    def seek(self, pos: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class PartInfo:
    number: int
    size: int
    etag: str


@dataclass(frozen=True)
class StoredObject:
    """An object under a prefix, as a listing shows it."""

    key: str
    size: int
    modified: datetime | None


@dataclass(frozen=True)
class Headers:
    """What an object tells a browser when it is served (see shared/DESIGN.md)."""

    cache_control: str | None = None
    content_disposition: str | None = None


NO_HEADERS = Headers()


@dataclass(frozen=True)
class MultipartUploadInfo:
    key: str
    upload_id: str
    initiated: datetime | None


class Destination(Protocol):
    """A bucket-like store. Keys are relative to the destination's prefix.

    Methods raise the errors in :mod:`lytsite_desktop.core.errors`: TransientError,
    PermanentError, UploadGoneError, DigestMismatchError. Bodies are file-like
    readers positioned at their start; ``md5_b64`` is the base64 Content-MD5 the
    store must verify.
    """

    #: Stable identity used in the journal (URL without credentials).
    ident: str
    #: The least time, in seconds, between two writes of one manifest (R2 takes
    #: one a second per key; a folder on disk has no such limit).
    write_interval: float

    def head(self, key: str) -> ObjectInfo | None: ...

    def get_bytes(self, key: str) -> bytes | None: ...

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        """The object and its ETag (for a conditional rewrite), or None."""
        ...

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        *,
        cache_control: str = "no-cache",
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        """Write a small object whole; returns its ETag. ``if_match`` (its ETag as
        read) or ``if_none_match`` (it must not exist yet) make the write
        conditional: PreconditionFailed when another writer came first."""
        ...

    def list_objects(self, prefix: str) -> list[StoredObject]:
        """Every object below ``prefix``, with its size (all pages)."""
        ...

    def delete_keys(self, keys: list[str]) -> None:
        """Delete these objects (missing ones are fine: already gone)."""
        ...

    def list_folders(self, prefix: str) -> list[str]:
        """The names one level below ``prefix`` (which ends in "/"), like `ls`."""
        ...

    def read_range(self, key: str, start: int) -> tuple[int, Iterator[bytes]]:
        """The object's total size and its bytes from ``start`` on, in chunks.

        Raises PermanentError if the key does not exist."""
        ...

    def put_object(
        self,
        key: str,
        body: Body,
        size: int,
        md5_b64: str,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
    ) -> str: ...

    def create_multipart(
        self, key: str, content_type: str, metadata: dict[str, str], headers: Headers = NO_HEADERS
    ) -> str: ...

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, md5_b64: str
    ) -> str: ...

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]: ...

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> str: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def list_multipart_uploads(self, prefix: str) -> list[MultipartUploadInfo]: ...

    def check_access(self) -> None:
        """One cheap real request proving the bucket exists and the keys work."""
        ...

    def close(self) -> None: ...
