"""Where an S3-compatible bucket is, and the keys to it: plain values, so that
naming a bucket (parsing a URL, a saved destination) needs no S3 library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ends with "/"
    endpoint_url: str | None
    region: str | None
    addressing_style: str = "path"


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str
