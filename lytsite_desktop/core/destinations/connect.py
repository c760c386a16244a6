"""Connecting a bucket for the first time: a form's fields to an s3:// URL, the
mistakes that show before any request, and a connection test that says in plain
words what went wrong.

The common mistakes, as people make them with Cloudflare R2:

- the endpoint copied from a bucket's settings page ends with ``/BUCKET``;
- the account ID and the bucket name swapped, or the account ID typed as the bucket;
- the public r2.dev address (for sharing) typed as the S3 API endpoint;
- the Cloudflare API token's value pasted instead of its S3 access key pair;
- a token without access to this bucket, or read-only.
"""

from __future__ import annotations

import re
import socket
import uuid
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote, urlsplit

from urllib3.exceptions import SSLError

from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_location import S3Credentials, S3Location
from lytsite_desktop.core.destinations.s3_wire import NoKeysError, S3Error
from lytsite_desktop.core.errors import TransferError

R2_HOST = "r2.cloudflarestorage.com"
_R2_ACCOUNT = re.compile(r"^[0-9a-f]{32}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
#: Cloudflare's R2 S3 key pairs: a 32-character key ID and a 64-character secret.
R2_KEY_ID_LENGTH, R2_SECRET_LENGTH = 32, 64
TOKEN_HELP = (
    "In Cloudflare: R2 → Manage R2 API Tokens → Create API Token, permission "
    "'Object Read & Write', applied to this bucket. Copy the 'Access Key ID' and the "
    "'Secret Access Key' (shown once), not the token value above them."
)


class Provider(Enum):
    R2 = "Cloudflare R2"
    S3 = "Amazon S3"
    OTHER = "Other S3-compatible (Backblaze B2, MinIO, Wasabi…)"
    #: A studio's signing server: no bucket keys on this computer (signer_connect.py).
    SIGNER = "Upload server (a studio's, no bucket keys here)"


@dataclass
class BucketFields:
    """What the photographer typed. ``where`` is the R2 account ID, the AWS region,
    or another service's endpoint URL, by provider."""

    provider: Provider
    where: str
    bucket: str
    access_key_id: str = ""
    secret: str = ""


@dataclass
class Checked:
    """The fields read: the URL to save, corrections made, and what is still wrong."""

    url: str | None
    #: The account ID / region / endpoint and the bucket as read (corrected).
    where: str = ""
    bucket: str = ""
    #: Things fixed on the way, said so the photographer learns them.
    notes: list[str] = field(default_factory=list)
    #: Problems that stop the test; each says what to do.
    problems: list[str] = field(default_factory=list)


def read_fields(fields: BucketFields) -> Checked:
    """Check the fields without the network and build the destination URL."""
    where, bucket = fields.where.strip(), fields.bucket.strip().strip("/")
    out = Checked(None)
    if fields.provider is Provider.R2:
        where, bucket = _r2_where(where, bucket, out)
    elif fields.provider is Provider.OTHER:
        where, bucket = _endpoint_where(where, bucket, out)
    elif not where:
        where = "us-east-1"
    out.where, out.bucket = where, bucket
    _check_bucket(bucket, fields.provider, out)
    _check_keys(fields, out)
    if out.problems:
        return out
    if fields.provider is Provider.R2:
        endpoint = f"https://{where}.{R2_HOST}"
        out.url = f"s3://{bucket}?endpoint={quote(endpoint, safe=':/')}&region=auto"
    elif fields.provider is Provider.OTHER:
        out.url = f"s3://{bucket}?endpoint={quote(where, safe=':/')}"
    else:
        out.url = f"s3://{bucket}?region={quote(where)}"
    return out


def _r2_where(where: str, bucket: str, out: Checked) -> tuple[str, str]:
    """The account ID (or ``ACCOUNT.eu`` for the EU jurisdiction), from an ID or a
    pasted endpoint URL; a bucket found at the end of the URL is taken too."""
    if "://" in where or R2_HOST in where or ".r2.dev" in where:
        parts = urlsplit(where if "://" in where else "https://" + where)
        host = parts.hostname or ""
        if host.endswith(".r2.dev"):
            out.problems.append(
                f"{host} is the bucket's public address, for sharing links, not the address "
                "uploads go to. Enter your account ID here (R2 → Overview, on the right), and "
                "put the public address in 'Public address'."
            )
            return where, bucket
        if not host.endswith(R2_HOST):
            out.problems.append(
                f"{host} is not a Cloudflare R2 address. R2's is "
                f"https://ACCOUNT_ID.{R2_HOST}; for another service choose "
                f"'{Provider.OTHER.value}'."
            )
            return where, bucket
        in_path = parts.path.strip("/").split("/")[0]
        if in_path:
            if bucket and bucket != in_path:
                out.problems.append(
                    f"The address ends with /{in_path}, but the bucket is '{bucket}'. "
                    "Which one is it? The bucket name goes in 'Bucket' only."
                )
            elif not bucket:
                out.notes.append(f"The address ended with the bucket's name: bucket '{in_path}'.")
                bucket = in_path
        where = host.removesuffix("." + R2_HOST)
        out.notes.append(f"Account ID {where.split('.')[0]} taken from the address.")
    account = where.split(".")[0].lower()
    if not where:
        out.problems.append("Enter your Cloudflare account ID (R2 → Overview, on the right).")
    elif not _R2_ACCOUNT.match(account):
        if _BUCKET.match(account) and (not bucket or _R2_ACCOUNT.match(bucket)):
            out.problems.append(
                f"'{where}' looks like a bucket name, not an account ID. The account ID is "
                "32 letters and digits (0-9, a-f), on the R2 overview page, on the right."
            )
        else:
            out.problems.append(
                f"An R2 account ID is 32 letters and digits (0-9, a-f); '{where}' has "
                f"{len(account)} characters. It is on the R2 overview page, on the right."
            )
    return where.lower(), bucket


def _endpoint_where(where: str, bucket: str, out: Checked) -> tuple[str, str]:
    if not where:
        out.problems.append(
            "Enter the service's S3 endpoint, e.g. https://s3.us-west-004.backblazeb2.com."
        )
        return where, bucket
    if "://" not in where:
        where = "https://" + where
    parts = urlsplit(where)
    if not parts.hostname:
        out.problems.append(f"'{where}' is not a web address.")
        return where, bucket
    in_path = parts.path.strip("/").split("/")[0]
    if in_path:
        if not bucket:
            bucket = in_path
        if bucket == in_path:
            out.notes.append(f"'{in_path}' at the end of the endpoint is the bucket's name.")
        else:
            out.notes.append(f"'{in_path}' at the end of the endpoint was left out.")
        where = f"{parts.scheme}://{parts.netloc}"
    if parts.hostname.endswith(R2_HOST):
        out.notes.append(f"This is Cloudflare R2: '{Provider.R2.value}' explains its fields.")
    return where.rstrip("/"), bucket


def _check_bucket(bucket: str, provider: Provider, out: Checked) -> None:
    if not bucket:
        out.problems.append("Enter the bucket's name, as your storage dashboard lists it.")
    elif provider is Provider.R2 and _R2_ACCOUNT.match(bucket):
        out.problems.append(
            f"'{bucket}' looks like your account ID, not a bucket name. The bucket name is "
            "the one you chose when creating it (R2 → Overview lists your buckets)."
        )
    elif not _BUCKET.match(bucket):
        out.problems.append(
            f"'{bucket}' cannot be a bucket name: they are 3 to 63 lowercase letters, digits, "
            "dots and hyphens."
        )


def _check_keys(fields: BucketFields, out: Checked) -> None:
    key_id, secret = fields.access_key_id.strip(), fields.secret.strip()
    if not key_id or not secret:
        out.problems.append("Enter both the access key ID and the secret access key.")
        return
    if fields.provider is Provider.R2 and (
        len(key_id) != R2_KEY_ID_LENGTH or len(secret) != R2_SECRET_LENGTH
    ):
        out.problems.append(
            f"R2 access keys are a {R2_KEY_ID_LENGTH}-character key ID and a "
            f"{R2_SECRET_LENGTH}-character secret; these have {len(key_id)} and "
            f"{len(secret)}. {TOKEN_HELP}"
        )


# -- the connection test ---------------------------------------------------------------------

PROBE_PREFIX = ".lytsite-connection-test/"


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)
    #: What to do, when a step failed.
    advice: str = ""
    #: An upload server's prefix for this computer's files, once a test learned it.
    prefix: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


def provider_of(location: S3Location) -> Provider:
    """Which service a saved destination is on, for the advice's wording."""
    endpoint = location.endpoint_url or ""
    if R2_HOST in endpoint:
        return Provider.R2
    return Provider.OTHER if endpoint else Provider.S3


def check_connection(dest: S3Destination, *, provider: Provider | None = None) -> Report:
    """Find the server, list the bucket, write and delete a small object. Stops at the
    first failure, which ``advice`` explains. Never raises for a network or S3 error."""
    location = dest.location
    provider = provider or provider_of(location)
    report = Report()
    endpoint = location.endpoint_url or "https://s3.amazonaws.com"
    host = urlsplit(endpoint).hostname or endpoint
    port = urlsplit(endpoint).port or (443 if endpoint.startswith("https") else 80)
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        report.steps.append(Step(f"Find {host}", False, str(exc)))
        report.advice = _no_such_host(host, provider)
        return report
    report.steps.append(Step(f"Find {host}", True, "found"))
    probe = f"{PROBE_PREFIX}{uuid.uuid4().hex}.txt"
    for name, action in (
        (f"Open bucket '{location.bucket}'", dest.check_access),
        ("Upload a test file", lambda: dest.put_bytes(probe, b"lytsite", "text/plain")),
        ("Delete the test file", lambda: dest.delete_keys([probe])),
    ):
        try:
            action()
        except TransferError as exc:
            report.steps.append(Step(name, False, str(exc)))
            report.advice = _advice(exc, name, location, provider)
            return report
        report.steps.append(Step(name, True, "done"))
    return report


def open_for_test(
    location: S3Location, credentials: S3Credentials | None, *, timeout: float = 10.0
) -> S3Destination:
    """A destination for a connection test: short time limits, two connections."""
    return S3Destination(
        location, credentials, max_connections=2, connect_timeout=timeout, read_timeout=timeout
    )


def _no_such_host(host: str, provider: Provider) -> str:
    if provider is Provider.R2 or host.endswith(R2_HOST):
        return (
            f"There is no server called {host}. Check the account ID: it is 32 letters "
            "and digits, on the R2 overview page, on the right (not the bucket's name). "
            "If this computer is offline, connect it and test again."
        )
    return f"There is no server called {host}. Check the endpoint address and your network."


def _advice(exc: TransferError, step: str, loc: S3Location, provider: Provider) -> str:
    cause = exc.__cause__
    code = ""
    if isinstance(cause, S3Error):
        code = cause.code or ("AccessDenied" if cause.status == 403 else "")
    r2 = provider is Provider.R2
    if isinstance(cause, NoKeysError):
        return str(exc)  # nothing was asked of the service: the keys are not here
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "Unauthorized", "InvalidToken"):
        return (
            "The access keys were not accepted: the key ID or the secret is wrong, or they "
            "belong to different tokens. " + (TOKEN_HELP if r2 else "Copy both again.")
        )
    if code == "NoSuchBucket":
        hint = (
            " Bucket names are the ones listed on R2's overview page; the account ID is not one."
            if r2
            else ""
        )
        return f"There is no bucket called '{loc.bucket}' here. Check its spelling.{hint}"
    if code in ("AccessDenied", "AllAccessDisabled"):
        if step.startswith("Open"):
            return f"The keys are valid, but they may not use bucket '{loc.bucket}'. " + (
                "Edit the R2 API token: permission 'Object Read & Write', and include "
                f"'{loc.bucket}' under the buckets it applies to (or all buckets)."
                if r2
                else "Give them read and write access to this bucket."
            )
        return (
            f"The keys may read bucket '{loc.bucket}' but not change it (a read-only token). "
            + (
                "Edit the R2 API token to 'Object Read & Write'."
                if r2
                else "Give them write and delete access."
            )
        )
    if isinstance(cause, SSLError):
        return "The secure connection failed: check the endpoint starts with https:// and is right."
    if getattr(exc, "network", False):
        return (
            "The server did not answer. Check the endpoint address (and its port), and "
            "that this computer is online."
        )
    said = code or str(exc).rstrip(".")
    return f"The service refused the test ({said}). Check the fields against its dashboard."
