"""S3's REST interface on the wire: signed requests over kept connections, and
what the answers say.

The app asks a bucket for a dozen things (put, multipart, list, get, delete);
each is one HTTP request, signed (``s3_sign``) and sent on a connection from
:func:`~.connections.connection_pool`. An answer of 300 or more (and a 200 whose
body is an ``<Error>``: CompleteMultipartUpload's way) raises :class:`S3Error`,
which ``s3_errors`` words for a photographer. Nothing is retried here: the engine
retries with its own policy, so it can say it is waiting for the network.
"""

from __future__ import annotations

import logging
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import urllib3

from lytsite_desktop import __version__
from lytsite_desktop.core.config.redact import redact
from lytsite_desktop.core.destinations.connections import connection_pool
from lytsite_desktop.core.destinations.s3_location import S3Credentials, S3Location
from lytsite_desktop.core.destinations.s3_sign import Signer, query_string, quote_path

log = logging.getLogger(__name__)

#: Who is asking, in the store's logs.
USER_AGENT = f"lytsite-desktop/{__version__}"


def aws_endpoint(region: str) -> str:
    """AWS's endpoint for a region (a destination that names no endpoint)."""
    return f"https://s3.{region}.amazonaws.com"


class S3Error(Exception):
    """The store refused a request: its HTTP status, S3's error code and message."""

    def __init__(
        self,
        status: int,
        code: str = "",
        message: str = "",
        region: str = "",
        server_time: datetime | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}".strip())
        self.status, self.code, self.message = status, code, message
        #: The bucket's region when the store says it is elsewhere (AWS).
        self.region = region
        #: The store's clock when it says this computer's is too far off.
        self.server_time = server_time


class NoKeysError(Exception):
    """No keys were given for a bucket, and none were found where AWS's tools look."""


class KeySource:
    """The keys requests are signed with: the ones given (the keychain's), else
    AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else
    what botocore finds where AWS's tools look (a profile in ~/.aws, an instance
    role), loaded only then. Looked for at the first request, as AWS's tools do."""

    def __init__(self, given: S3Credentials | None) -> None:
        self._keys = given  # given, or found in the environment: kept
        self._found: Any = None  # botocore's credentials, refreshed as it sees fit

    def current(self) -> S3Credentials:
        if self._keys is not None:
            return self._keys
        env = os.environ
        key_id, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if key_id and secret:
            self._keys = S3Credentials(key_id, secret, env.get("AWS_SESSION_TOKEN") or None)
            _never_logged(self._keys)
            return self._keys
        if self._found is None:
            import botocore.session

            self._found = botocore.session.get_session().get_credentials()
        if self._found is None:
            raise NoKeysError
        frozen = self._found.get_frozen_credentials()
        found = S3Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)
        _never_logged(found)  # (they may be refreshed: each time)
        return found


def _never_logged(keys: S3Credentials) -> None:
    for secret in (keys.secret_access_key, keys.session_token):
        redact.remember(secret)


class S3Wire:
    """Requests to one bucket (see the module's docstring)."""

    def __init__(
        self,
        location: S3Location,
        credentials: S3Credentials | None,
        *,
        max_connections: int,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        self.location = location
        self._keys = KeySource(credentials)
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._lock = threading.Lock()
        self._signer: Signer | None = None
        self._skew = timedelta(0)  # the store's clock less this computer's, once known
        aws = location.endpoint_url is None
        self._region = location.region or ("us-east-1" if aws else "auto")
        scheme, host, _ = self._base()
        self._pool = connection_pool(max_connections, f"{scheme}://{host}/")

    # -- where -----------------------------------------------------------------

    def _base(self) -> tuple[str, str, str]:
        """The scheme, the host (with its port) and the path before the key."""
        loc = self.location
        parts = urlsplit(loc.endpoint_url or aws_endpoint(self._region))
        scheme, host, root = parts.scheme, parts.netloc, parts.path.rstrip("/")
        if loc.addressing_style == "virtual" and "." not in loc.bucket:
            return scheme, f"{loc.bucket}.{host}", root + "/"
        return scheme, host, f"{root}/{loc.bucket}"

    def _signer_now(self) -> Signer:
        keys = self._keys.current()
        with self._lock:
            if self._signer is None or self._signer.credentials != keys:
                self._signer = Signer(keys, self._region)
            return self._signer

    # -- requests --------------------------------------------------------------

    def request(
        self,
        method: str,
        key: str = "",
        params: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        *,
        stream: bool = False,
    ) -> urllib3.BaseHTTPResponse:
        """One request (``key`` under the bucket, not its prefix: the caller's);
        the answer, read whole unless ``stream``. Raises :class:`S3Error`."""
        try:
            return self._send(method, key, list(params), headers or {}, body, stream)
        except S3Error as exc:
            if not self._learn(exc):
                raise
            if body is not None and not isinstance(body, bytes):
                raise  # a file's body is not read twice here: the engine sends it again
            return self._send(method, key, list(params), headers or {}, body, stream)

    def _learn(self, exc: S3Error) -> bool:
        """What a refusal teaches about asking (the bucket's region on AWS, the
        store's clock against this computer's); True if asking again may work."""
        if exc.server_time is not None:
            skew = exc.server_time - datetime.now(UTC)
            log.warning("this computer's clock is %+.0f s off the store's: signing by the "
                        "store's", -skew.total_seconds())  # fmt: skip
            with self._lock:
                self._skew = skew
            return True
        if self.location.endpoint_url is not None or not exc.region or exc.region == self._region:
            return False
        log.info("the bucket is in %s, not %s: asking there", exc.region, self._region)
        with self._lock:
            self._region, self._signer = exc.region, None
        return True

    def _send(
        self,
        method: str,
        key: str,
        params: list[tuple[str, str]],
        headers: Mapping[str, str],
        body: Any,
        stream: bool,
    ) -> urllib3.BaseHTTPResponse:
        scheme, host, root = self._base()
        path = quote_path(f"{root}/{key}" if key and not root.endswith("/") else root + key)
        signed = self._signer_now().sign(
            method, path, query_string(params), {"Host": host, **headers},
            datetime.now(UTC) + self._skew,
        )  # fmt: skip
        query = query_string(params, canonical=False)
        url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
        signed["User-Agent"] = USER_AGENT
        log.debug("request %s %s %s", method, url, signed)  # (the log redacts signatures)
        response = self._pool.urlopen(
            method, url, body=body, headers=signed, timeout=self._timeout, retries=False,
            redirect=False, preload_content=not stream,
        )  # fmt: skip
        if response.status >= 300:
            data = response.data if method != "HEAD" else b""
            response.release_conn()
            raise _error(response.status, data, response.headers)
        return response

    def call(
        self,
        method: str,
        key: str = "",
        params: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> ET.Element | None:
        """A request whose answer is XML (or nothing): its root, None if empty."""
        data = self.request(method, key, params, headers, body).data
        if not data.strip():
            return None
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:  # cut short on the way (a proxy, a reset): try again
            raise S3Error(502, "MalformedAnswer", f"the answer is not XML ({exc})") from exc
        if local(root.tag) == "Error":  # a 200 that is an error (CompleteMultipartUpload)
            raise S3Error(200, text(root, "Code"), text(root, "Message"))
        return root

    def close(self) -> None:
        self._pool.clear()


def _error(status: int, data: bytes, headers: Mapping[str, str]) -> S3Error:
    code = message = ""
    region = headers.get("x-amz-bucket-region", "")
    if data.strip():
        try:
            root = ET.fromstring(data)
            code, message = text(root, "Code"), text(root, "Message")
            region = region or text(root, "Region")
        except ET.ParseError:
            message = data[:200].decode("utf-8", "replace")
    if not code and status in (301, 400) and region:
        code = "PermanentRedirect"
    server_time = None
    if code == "RequestTimeTooSkewed":
        try:
            server_time = parsedate_to_datetime(headers.get("Date", "")).astimezone(UTC)
        except (TypeError, ValueError):
            pass  # no usable Date: the engine's retries say so, as before
    return S3Error(status, code, message, region if status in (301, 400) else "", server_time)


# -- reading S3's XML ------------------------------------------------------------


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if local(child.tag) == name)


def text(element: ET.Element, name: str, default: str = "") -> str:
    found = next(children(element, name), None)
    return found.text or default if found is not None else default


def when(value: str) -> datetime | None:
    """S3's timestamps (``2026-12-01T10:00:00.000Z``), aware of their zone."""
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def xml_body(root: str, items: Iterable[tuple[str, Mapping[str, str]]], **fields: str) -> bytes:
    """A request's XML body: ``<root>`` holding ``fields`` then each item as an
    element of plain text children (``CompleteMultipartUpload``'s parts,
    ``Delete``'s objects)."""
    top = ET.Element(root, xmlns="http://s3.amazonaws.com/doc/2006-03-01/")
    for name, value in fields.items():
        ET.SubElement(top, name).text = value
    for tag, values in items:
        item = ET.SubElement(top, tag)
        for name, value in values.items():
            ET.SubElement(item, name).text = value
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)
