"""A signing server's endpoints (Uppy Companion's S3 multipart protocol), and what
its answers and the store's mean in a photographer's words.

The server holds the bucket's keys; this computer holds a bearer token for the
server and sends bytes straight to the store on the URLs it signs. See
shared/DESIGN.md for the endpoints and the README for a studio's set-up.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from lytsite_desktop.core.errors import (
    ConfigError,
    DigestMismatchError,
    PermanentError,
    TransferError,
    TransientError,
    UploadGoneError,
)

if TYPE_CHECKING:  # loaded with the destination (signed.py): a library needs no HTTP
    import urllib3

log = logging.getLogger(__name__)

SCHEMES = ("companion+https://", "companion+http://")
#: The variable a token may come from when none is saved with the destination.
TOKEN_VARIABLE = "LYTSITE_SIGNER_TOKEN"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

TOKEN_REFUSED = (
    "The upload server did not accept this computer's token. Check the token saved "
    f"with this destination (or {TOKEN_VARIABLE})."
)
TOKEN_REVOKED = (
    "The upload server refused this computer's token: it may have been revoked. "
    "Ask whoever runs the server for a new one."
)
NOT_AN_UPLOAD_SERVER = (
    "This address does not answer as an upload server (Uppy Companion with S3 "
    "uploads turned on). Check the address."
)


@dataclass(frozen=True)
class SignerLocation:
    """``companion+https://HOST[/PATH]``: the server's base URL (https, or http on
    this computer only) and the destination's identity."""

    base_url: str
    ident: str


def parse_signer_url(url: str) -> SignerLocation:
    if not url.startswith(SCHEMES):
        raise ConfigError(f"not a companion+https:// URL: {url}")
    inner = url.removeprefix("companion+")
    parts = urlsplit(inner)
    if not parts.hostname:
        raise ConfigError(f"the upload server's address has no host: {url}")
    if parts.query or parts.fragment:
        raise ConfigError(f"an upload server's address takes no options: {url}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigError(
            f"an upload server must be reached over https (http only on this computer): {url}"
        )
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return SignerLocation(base_url=base, ident=f"companion+{base}")


def public_under(public_url: str | None, prefix: str | None) -> str | None:
    """The public address of this computer's files: the bucket's public address
    followed by the folder the upload server keeps them in (the share link's
    start)."""
    if not public_url or not prefix:
        return public_url
    base = public_url.rstrip("/") + "/"
    return base if base.endswith("/" + prefix) else base + prefix


@dataclass(frozen=True)
class Created:
    """A multipart upload the server started: the key it chose, and its id."""

    key: str
    upload_id: str


class SignerClient:
    """The signing server's five endpoints, one JSON request each."""

    def __init__(
        self, location: SignerLocation, token: str, pool: urllib3.PoolManager,
        timeout: urllib3.Timeout,
    ) -> None:  # fmt: skip
        self.location = location
        self._auth = {"Authorization": f"Bearer {token}"}
        self._pool = pool
        self._timeout = timeout

    def create(self, key: str, content_type: str, metadata: dict[str, str]) -> Created:
        body = {"filename": key, "type": content_type, "metadata": metadata}
        answer = self._call("POST", "/s3/multipart", body=body)
        try:
            return Created(str(answer["key"]), str(answer["uploadId"]))
        except (KeyError, TypeError):
            raise PermanentError(NOT_AN_UPLOAD_SERVER) from None

    def sign(self, key: str, upload_id: str, numbers: list[int]) -> dict[int, str]:
        query = {"key": key, "partNumbers": ",".join(map(str, numbers))}
        answer = self._call("GET", f"/s3/multipart/{quote(upload_id, safe='')}/batch", query)
        try:
            return {int(n): str(url) for n, url in answer["presignedUrls"].items()}
        except (KeyError, TypeError, AttributeError, ValueError):
            raise PermanentError(NOT_AN_UPLOAD_SERVER) from None

    def list_parts(self, key: str, upload_id: str) -> list[dict[str, Any]]:
        answer = self._call("GET", f"/s3/multipart/{quote(upload_id, safe='')}", {"key": key})
        if not isinstance(answer, list):
            raise PermanentError(NOT_AN_UPLOAD_SERVER)
        return answer

    def complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        body = {"parts": [{"PartNumber": n, "ETag": f'"{etag}"'} for n, etag in parts]}
        path = f"/s3/multipart/{quote(upload_id, safe='')}/complete"
        self._call("POST", path, {"key": key}, body=body)

    def abort(self, key: str, upload_id: str) -> None:
        self._call("DELETE", f"/s3/multipart/{quote(upload_id, safe='')}", {"key": key})

    def _call(
        self, method: str, path: str, query: dict[str, str] | None = None, *,
        body: dict[str, Any] | None = None,
    ) -> Any:  # fmt: skip
        import urllib3  # already loaded by the destination holding this client

        url = self.location.base_url + path + ("?" + urlencode(query) if query else "")
        headers = dict(self._auth)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            resp = self._pool.request(
                method, url, body=data, headers=headers, timeout=self._timeout,
                retries=False, redirect=False,
            )  # fmt: skip
        except urllib3.exceptions.HTTPError as exc:
            log.info("upload server unreachable: %s", exc)
            raise TransientError("The upload server cannot be reached.", network=True) from exc
        if resp.status >= 300:
            raise server_error(resp.status, resp.data, path)
        try:
            return json.loads(resp.data or b"null")
        except ValueError:
            raise PermanentError(NOT_AN_UPLOAD_SERVER) from None


class TokenRefused(PermanentError):
    """The signing server turned this computer's token down (401, 403)."""


def server_error(status: int, data: bytes, path: str) -> TransferError:
    """What the signing server's refusal means (its own words go to the log)."""
    detail = data[:500].decode("utf-8", "replace")
    log.info("upload server answered %d to %s: %s", status, path, detail)
    if status == 401:
        return TokenRefused(TOKEN_REFUSED)
    if status == 403:
        return TokenRefused(TOKEN_REVOKED)
    if status == 404 and not path.startswith("/s3/multipart/"):
        return PermanentError(NOT_AN_UPLOAD_SERVER)
    if status in (404, 500) and _NO_SUCH_UPLOAD.search(detail):
        return UploadGoneError("the storage no longer knows this upload")
    if status == 429 or status >= 500:
        return TransientError(f"The upload server is busy or failing (it answered {status}).")
    return PermanentError(f"The upload server refused the request (it answered {status}).")


#: Companion passes the store's error on: an upload the store no longer knows.
_NO_SUCH_UPLOAD = re.compile(r"NoSuchUpload|upload does not exist|upload ID", re.IGNORECASE)
_S3_CODE = re.compile(rb"<Code>([^<]+)</Code>")
_S3_MESSAGE = re.compile(rb"<Message>([^<]+)</Message>")


class SignatureExpired(TransferError):
    """The store refused a presigned URL: it expired (or was signed wrongly): sign
    it again before counting anything as failed."""


def store_error(status: int, data: bytes) -> TransferError:
    """What the store's answer to a presigned PUT means."""
    code_match, message_match = _S3_CODE.search(data), _S3_MESSAGE.search(data)
    code = code_match.group(1).decode("ascii", "replace") if code_match else ""
    message = message_match.group(1).decode("utf-8", "replace") if message_match else ""
    log.info("storage answered %d (%s) to a presigned PUT: %s", status, code, message)
    if code in ("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"):
        return DigestMismatchError("the bytes received differ from the file's checksum")
    if code == "NoSuchUpload":
        return UploadGoneError("the storage no longer knows this upload")
    if status == 403:
        return SignatureExpired("the storage refused the signed address")
    if status in (408, 429) or status >= 500 or code == "SlowDown":
        return TransientError(f"The storage service is busy (it answered {status}).")
    return PermanentError(f"The storage service refused a part (it answered {status}).")
