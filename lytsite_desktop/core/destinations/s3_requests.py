"""What S3 requests carry: the header with a body's checksum, the headers a browser
is served, an object's metadata, and when a PUT waits for "100 Continue"."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from lytsite_desktop.core.destinations.base import Algorithm, Checksum, Headers

#: The API's field (in ListParts' and CompleteMultipartUpload's XML) for each
#: x-amz-checksum-* header.
FIELDS: dict[Algorithm, str] = {
    "sha256": "ChecksumSHA256",
    "crc32": "ChecksumCRC32",
    "crc32c": "ChecksumCRC32C",
}

#: A single PUT at least this large asks "100 Continue" until one has succeeded.
EXPECT_MIN_BODY = 1024 * 1024
#: How long such a PUT waits for a smaller one in the air to prove the keys
#: before it asks "100 Continue" itself.
PROOF_WAIT = 1.0


def checksum_header(checksum: Checksum) -> dict[str, str]:
    """The header that carries a body's checksum for the store to verify."""
    if checksum.algorithm == "md5":
        return {"Content-MD5": checksum.b64}
    return {f"x-amz-checksum-{checksum.algorithm}": checksum.b64}


def object_headers(
    content_type: str, metadata: Mapping[str, str], headers: Headers
) -> dict[str, str]:
    """What an object is served with, and its metadata (``x-amz-meta-*``)."""
    out = {"Content-Type": content_type}
    if headers.cache_control:
        out["Cache-Control"] = headers.cache_control
    if headers.content_disposition:
        out["Content-Disposition"] = headers.content_disposition
    out.update({f"x-amz-meta-{name}": value for name, value in metadata.items()})
    return out


class PutProof:
    """Whether a PUT has proven that the keys may write here.

    Until one has, a single PUT of a body worth saving (a photo, not a preview,
    a thumbnail, the manifest or the page) asks "100 Continue" before its body:
    a token that may read but not write then costs each file a round trip, not
    its whole body. Once the store has taken one, the round trip would only
    leave an upload slot idle. While a smaller PUT is in the air (the page's
    assets, put ahead of a new project's first photos), a large one waits for
    its answer instead (for at most :data:`PROOF_WAIT`): the answer comes
    sooner than "100 Continue" would. (Parts never ask: CreateMultipartUpload
    has already proven the keys, the bucket and the permission.)"""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._proven = False
        self._trying = 0  # small PUTs in the air, before any has succeeded

    def headers(self, size: int) -> dict[str, str]:
        """What a single PUT of ``size`` bytes adds to its headers."""
        if size < EXPECT_MIN_BODY:
            return {}
        with self._cv:
            if not self._proven and self._trying:
                self._cv.wait_for(lambda: self._proven or not self._trying, PROOF_WAIT)
            return {} if self._proven else {"Expect": "100-continue"}

    @contextmanager
    def put(self, size: int) -> Iterator[None]:
        """Around a single PUT of ``size`` bytes: its success proves the keys."""
        with self._cv:
            trying = int(size < EXPECT_MIN_BODY and not self._proven)
            self._trying += trying
        succeeded = False
        try:
            yield
            succeeded = True
        finally:
            with self._cv:
                self._trying -= trying
                self._proven = self._proven or succeeded
                self._cv.notify_all()
