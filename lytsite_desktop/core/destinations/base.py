"""The interface every destination implements, and the records it returns."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Literal, Protocol

#: The integrity checks a request body can carry for the store to verify:
#: Content-MD5 (every S3-compatible store checks it), or where the store checks
#: them (R2, AWS) x-amz-checksum-sha256 (a single PUT reuses the file's SHA-256,
#: its content id) and x-amz-checksum-crc32c (a part's: the CPU's CRC32 instruction,
#: a tenth of SHA-256's time). CRC-32 is kept for uploads begun with it.
Algorithm = Literal["md5", "sha256", "crc32", "crc32c"]
ALGORITHMS: tuple[Algorithm, ...] = ("md5", "sha256", "crc32", "crc32c")


class Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    """CRC-32 with hashlib's face (the 4 bytes big-endian, as S3 wants them)."""

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes | memoryview, /) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


class _Crc32c(_Crc32):
    """CRC-32C (Castagnoli), as x-amz-checksum-crc32c carries it."""

    def update(self, data: bytes | memoryview, /) -> None:
        import google_crc32c  # C, with the CPU's CRC32 instruction where it has one

        # It takes bytes only: a memoryview (a span's end inside a read) is copied.
        chunk = data if isinstance(data, bytes) else bytes(data)
        self._value = google_crc32c.extend(self._value, chunk)


@cache
def fast_crc32c() -> bool:
    """Is CRC-32C computed in C here? (Its pure-Python fallback would crawl.)"""
    try:
        import google_crc32c
    except ImportError:
        return False
    return bool(google_crc32c.implementation == "c")


class Body(Protocol):
    """A request body: read from the start, rewound for a retry."""

    def read(self, amt: int | None = -1, /) -> bytes: ...

    def seek(self, pos: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


def new_hash(algorithm: Algorithm) -> Hasher:
    if algorithm == "crc32":
        return _Crc32()
    if algorithm == "crc32c":
        return _Crc32c()
    return hashlib.md5() if algorithm == "md5" else hashlib.sha256()


@dataclass(frozen=True)
class Checksum:
    """A body's digest, sent with it so that the store rejects a corrupted copy."""

    algorithm: Algorithm
    digest: bytes

    @property
    def b64(self) -> str:
        return base64.b64encode(self.digest).decode()

    @property
    def token(self) -> str:
        """How the journal keeps it: ``sha256:BASE64``."""
        return f"{self.algorithm}:{self.b64}"

    @classmethod
    def parse(cls, token: str | None) -> Checksum | None:
        """A journal's token back; None for one it cannot read (an older journal
        kept a part's MD5 in hex: a part completes by its ETag alone there)."""
        name, _, b64 = (token or "").partition(":")
        algorithm = next((a for a in ALGORITHMS if a == name), None)
        if algorithm is None or not b64:
            return None
        return cls(algorithm, base64.b64decode(b64))

    @classmethod
    def of_bytes(cls, algorithm: Algorithm, data: bytes) -> Checksum:
        h = new_hash(algorithm)
        h.update(data)
        return cls(algorithm, h.digest())


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class PartInfo:
    """A part the store holds (ListParts) or that a completion names. ``checksum``:
    the one it was sent with, when the upload declared an algorithm (its
    completion must repeat each part's)."""

    number: int
    size: int
    etag: str
    checksum: Checksum | None = None


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
    readers positioned at their start; each carries a :class:`Checksum` of the
    destination's ``checksum`` algorithm, which the store verifies.
    """

    #: Stable identity used in the journal (URL without credentials).
    ident: str
    #: The least time, in seconds, between two writes of one manifest: completions
    #: arriving meanwhile share the next write.
    write_interval: float
    #: The least time the store allows between two writes of one key (R2 and
    #: Google Cloud Storage: one a second, 429 beyond; 0: no such limit).
    key_pace: float
    #: The integrity check a whole object's body carries (put_object) ...
    checksum: Algorithm
    #: ... and a multipart upload's parts (declared when it is created).
    part_checksum: Algorithm
    #: Whether objects can be deleted from here (an upload server only signs uploads).
    deletes: bool
    #: Whether a big file's parts may leave before its SHA-256 is known (a key with
    #: a fresh id, no ``sha256`` metadata: see transfer/early.py).
    sends_unhashed: bool

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

    def read_range(
        self, key: str, start: int, length: int | None = None
    ) -> tuple[int, Iterator[bytes]]:
        """The object's total size and its bytes from ``start`` on (at most
        ``length`` of them), in chunks.

        Raises PermanentError if the key does not exist."""
        ...

    def put_object(
        self,
        key: str,
        body: Body,
        size: int,
        checksum: Checksum,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
    ) -> str: ...

    def create_multipart(
        self,
        key: str,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
        *,
        checksum: Algorithm = "md5",
    ) -> str:
        """Start one; a ``checksum`` other than MD5 is declared, so that every part
        (and the completion) must carry one of that algorithm."""
        ...

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, checksum: Checksum
    ) -> str: ...

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]: ...

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> str: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def list_multipart_uploads(self, prefix: str) -> list[MultipartUploadInfo]: ...

    def check_access(self) -> None:
        """One cheap real request proving the bucket exists and the keys work."""
        ...

    def close(self) -> None: ...
