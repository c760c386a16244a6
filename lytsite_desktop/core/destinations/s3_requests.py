"""What S3 requests carry: the header with a body's checksum, the headers a browser
is served, an object's metadata, and when a PUT waits for "100 Continue"."""

from __future__ import annotations

from collections.abc import Mapping

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
