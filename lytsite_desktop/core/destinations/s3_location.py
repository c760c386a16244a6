"""Where an S3-compatible bucket is, and the keys to it: plain values, so that
naming a bucket (parsing a URL, a saved destination) needs no S3 library."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from lytsite_desktop.core.destinations.base import Algorithm, fast_crc32c


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ends with "/"
    endpoint_url: str | None
    region: str | None
    addressing_style: str = "path"
    #: The integrity check bodies carry: "sha256" where the store is known to
    #: verify x-amz-checksum-sha256 (R2, AWS), else Content-MD5 (see checksum_for).
    checksum: Algorithm = "md5"

    @property
    def part_checksum(self) -> Algorithm:
        """A part's checksum is computed for it alone: CRC-32C (a tenth of a
        SHA-256's time), or CRC-32 where it has no C implementation."""
        if self.checksum == "md5":
            return "md5"
        return "crc32c" if fast_crc32c() else "crc32"


#: Hosts known to check x-amz-checksum-sha256 on every PUT and part.
_CHECKS_SHA256 = (".r2.cloudflarestorage.com", ".amazonaws.com")
#: Hosts that take one write a second to one key (429 beyond).
_ONE_WRITE_A_SECOND = (".r2.cloudflarestorage.com", "storage.googleapis.com")


def key_pace_for(endpoint_url: str | None) -> float:
    """The least seconds between two writes of one key the store allows."""
    host = (urlsplit(endpoint_url).hostname or "").lower() if endpoint_url else ""
    return 1.0 if host.endswith(_ONE_WRITE_A_SECOND) else 0.0


def checksum_for(endpoint_url: str | None) -> Algorithm:
    """The integrity check a store gets unless its URL says (``checksum=``)."""
    if endpoint_url is None:
        return "sha256"  # AWS itself
    host = (urlsplit(endpoint_url).hostname or "").lower()
    return "sha256" if host.endswith(_CHECKS_SHA256) else "md5"


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None  # temporary keys (AWS STS) come with one
