"""A bucket reached through a signing server: the computer never holds the
bucket's keys (``companion+https://HOST[/PATH]``).

Every object goes up as a multipart upload (a small one in one part: R2 has no
presigned POST); each part is signed by the server just before it is sent, in
batches, and signed again when the store says the address expired. Parts carry
Content-MD5 (not part of the signature; the store still checks it).

The server decides keys: the app asks for the key it wants and the server may
put it under a prefix of its own (one user's folder). That prefix is this
destination's prefix, as a bucket's is for an s3:// one, so keys stay relative
and so do the web page's links. A server that puts objects elsewhere (names of
its own) is said in the log and by :meth:`SignedDestination.check_access`: the
page could not link them.

The server signs uploads only: it cannot read, list or delete. What the app
reads back (the manifests, the page it wrote) comes from a copy kept on this
computer as it is written (``mirror``), which is also what makes each project's
manifest writes build on the last one.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast
from urllib.parse import parse_qs, urlsplit

import urllib3

from lytsite_desktop.core.destinations.base import (
    NO_HEADERS,
    Algorithm,
    Body,
    Checksum,
    Headers,
    MultipartUploadInfo,
    ObjectInfo,
    PartInfo,
    StoredObject,
)
from lytsite_desktop.core.destinations.connections import connection_pool
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.destinations.signer import (
    SignatureExpired,
    SignerClient,
    SignerLocation,
    store_error,
)
from lytsite_desktop.core.errors import (
    PermanentError,
    PreconditionFailed,
    TransientError,
    UploadGoneError,
)

log = logging.getLogger(__name__)

#: Parts signed in one request: enough to keep the upload slots busy, few enough
#: that none waits long with its address ticking.
BATCH = 6
#: A signed address is used while less than this share of its life has passed.
FRESH_SHARE = 0.5
#: Times a part is signed again after the store refused its address.
RESIGN_TRIES = 3
_SEPARATOR = "\n"

CANNOT_DELETE = (
    "Files published through an upload server cannot be deleted from this computer "
    "(the server only signs uploads). Whoever runs the server can remove them."
)
SCATTERED = (
    "The upload server stores files under names of its own, so the web gallery "
    "cannot link them. Its getKey must keep the name the app asks for (under a "
    "prefix if it likes): see the README, 'An upload server for a studio'."
)


@dataclass
class _Signed:
    """The addresses signed for one upload's parts, and when each stops being fresh."""

    urls: dict[int, tuple[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class SignedDestination:
    """Uploads through a signing server (Uppy Companion's S3 endpoints)."""

    #: R2 behind the server takes one write a second to one key.
    write_interval = 1.0
    #: The store behind the server is not known here: paced as R2 must be.
    key_pace = 1.0
    checksum: Algorithm = "md5"
    part_checksum: Algorithm = "md5"
    #: The server signs uploads only: curation that deletes is refused up front.
    deletes = False
    #: The server is sent each object's SHA-256 with its name (its own checks may use it).
    sends_unhashed = False

    def __init__(
        self,
        location: SignerLocation,
        token: str,
        mirror: Path,
        *,
        max_connections: int = 12,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
    ) -> None:
        self.location = location
        self.ident = location.ident
        self._pool = connection_pool(max_connections, location.base_url)
        timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._timeout = timeout
        self.server = SignerClient(location, token, self._pool, timeout)
        self.mirror = LocalDestination(mirror)
        #: The prefix the server puts the requested keys under (learned from its
        #: first answer); None until then.
        self.prefix: str | None = None
        #: Set when the server answered a key that is not the one asked for.
        self.scattered = False
        self._signed: dict[str, _Signed] = {}
        self._lock = threading.Lock()

    # -- keys -----------------------------------------------------------------------

    def _placed(self, key: str, answered: str) -> bool:
        """Learn the server's prefix from an answer; False when the server put the
        object elsewhere (said once in the log)."""
        with self._lock:
            if answered.endswith(key) and self.prefix in (None, answered[: -len(key)]):
                self.prefix = answered[: -len(key)]
                return True
            if not self.scattered:
                log.warning("%s (asked for %s, got %s)", SCATTERED, key, answered)
            self.scattered = True
            return False

    @staticmethod
    def _handle(answered: str, upload_id: str) -> str:
        """What the journal keeps as the upload's id: the store's id and the key
        the server answered (both are needed to sign, list, complete, abort)."""
        return f"{upload_id}{_SEPARATOR}{answered}"

    @staticmethod
    def _unpack(handle: str) -> tuple[str, str]:
        upload_id, sep, answered = handle.partition(_SEPARATOR)
        if not sep:
            raise UploadGoneError("not an upload this destination started")
        return answered, upload_id

    # -- multipart ------------------------------------------------------------------

    def create_multipart(
        self,
        key: str,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
        *,
        checksum: Algorithm = "md5",
    ) -> str:
        """Start one through the server. Its Cache-Control and Content-Disposition
        are the server's to set (Companion sets neither): ``headers`` go unused.
        An object the server would put where the page cannot link it is not sent:
        the upload is aborted and the file fails with the reason."""
        created = self.server.create(key, content_type, metadata)
        if not self._placed(key, created.key):
            try:
                self.server.abort(created.key, created.upload_id)
            except (TransientError, PermanentError, UploadGoneError) as exc:
                log.info("the misplaced upload was not aborted: %s", exc)
            raise PermanentError(SCATTERED)
        return self._handle(created.key, created.upload_id)

    def upload_part(
        self, key: str, upload_id: str, number: int, body: Body, size: int, checksum: Checksum
    ) -> str:
        answered, uid = self._unpack(upload_id)
        for attempt in range(RESIGN_TRIES + 1):
            url = self._url(answered, uid, number, fresh=attempt > 0)
            body.seek(0)
            try:
                return self._put(url, body, size, checksum)
            except SignatureExpired:
                log.info("part %d: the signed address was refused; signing again", number)
        raise PermanentError(
            "The storage service keeps refusing the upload server's signatures "
            "(is the server's clock or its bucket key right?)."
        )

    def _url(self, answered: str, uid: str, number: int, *, fresh: bool) -> str:
        """A signed address for this part: from the last batch while fresh, else a
        new batch of this part and the next few."""
        with self._lock:
            signed = self._signed.setdefault(uid, _Signed())
        with signed.lock:
            now = time.monotonic()
            url, good_until = signed.urls.get(number, ("", 0.0))
            if url and not fresh and now < good_until:
                return url
            wanted = [number, *(n for n in range(number + 1, number + BATCH) if n <= 10_000)]
            urls = self.server.sign(answered, uid, wanted)
            if number not in urls:
                raise PermanentError("The upload server did not sign the part it was asked for.")
            for n, u in urls.items():
                signed.urls[n] = (u, now + FRESH_SHARE * _lifetime(u))
            return urls[number]

    def _put(self, url: str, body: Body, size: int, checksum: Checksum) -> str:
        headers = {
            "Content-Length": str(size),
            "Content-MD5": checksum.b64,
            "Content-Type": "application/octet-stream",
        }
        try:
            resp = self._pool.request(
                "PUT", url, body=cast(IO[bytes], body), headers=headers, timeout=self._timeout,
                retries=False, redirect=False, preload_content=True,
            )  # fmt: skip
        except urllib3.exceptions.HTTPError as exc:
            log.info("storage unreachable: %s", exc)
            raise TransientError("The storage service cannot be reached.", network=True) from exc
        if resp.status >= 300:
            raise store_error(resp.status, resp.data)
        return (resp.headers.get("ETag") or "").strip('"')

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        answered, uid = self._unpack(upload_id)
        return [
            PartInfo(int(p["PartNumber"]), int(p["Size"]), str(p["ETag"]).strip('"'))
            for p in self.server.list_parts(answered, uid)
        ]

    def complete_multipart(self, key: str, upload_id: str, parts: list[PartInfo]) -> str:
        answered, uid = self._unpack(upload_id)
        self.server.complete(answered, uid, [(p.number, p.etag) for p in parts])
        with self._lock:
            self._signed.pop(uid, None)
        return ""

    def abort_multipart(self, key: str, upload_id: str) -> None:
        answered, uid = self._unpack(upload_id)
        try:
            self.server.abort(answered, uid)
        except UploadGoneError:
            pass  # already gone: what an abort wants
        with self._lock:
            self._signed.pop(uid, None)

    def list_multipart_uploads(self, prefix: str) -> list[MultipartUploadInfo]:
        """None to offer: the server cannot list uploads (the journal resumes or
        aborts its own by id). Asked before a batch, so it proves the token with
        one cheap request (signing touches no storage): TokenRefused at once."""
        self.server.sign(f"{prefix}.lytsite-check", "lytsite-check", [1])
        return []

    # -- whole objects ---------------------------------------------------------------

    def put_object(
        self,
        key: str,
        body: Body,
        size: int,
        checksum: Checksum,
        content_type: str,
        metadata: dict[str, str],
        headers: Headers = NO_HEADERS,
    ) -> str:
        """One part of one multipart upload, aborted if it cannot be finished."""
        handle = self.create_multipart(key, content_type, metadata, headers)
        try:
            etag = self.upload_part(key, handle, 1, body, size, checksum)
            self.complete_multipart(key, handle, [PartInfo(1, size, etag)])
        except BaseException:
            try:
                self.abort_multipart(key, handle)
            except Exception as exc:  # the first failure is the one worth telling
                log.info("could not abort the one-part upload of %s: %s", key, exc)
            raise
        return etag

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
        """Written through the server, and kept in the mirror. A conditional write
        is checked against the mirror (the server cannot tell what is there)."""
        if if_match or if_none_match:
            current = self.mirror.get_versioned(key)
            etag = current[1] if current else None
            if (if_none_match and etag is not None) or (if_match and etag != if_match):
                raise PreconditionFailed("changed on this computer since it was read")
        checksum = Checksum.of_bytes("md5", data)
        metadata = {"sha256": hashlib.sha256(data).hexdigest()}  # as every object carries
        self.put_object(key, io.BytesIO(data), len(data), checksum, content_type, metadata)
        return self.mirror.put_bytes(key, data, content_type, cache_control=cache_control)

    # -- reading: what this computer wrote -----------------------------------------

    def head(self, key: str) -> ObjectInfo | None:
        return self.mirror.head(key)

    def get_bytes(self, key: str) -> bytes | None:
        return self.mirror.get_bytes(key)

    def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        return self.mirror.get_versioned(key)

    def list_objects(self, prefix: str) -> list[StoredObject]:
        return self.mirror.list_objects(prefix)

    def list_folders(self, prefix: str) -> list[str]:
        return self.mirror.list_folders(prefix)

    def read_range(
        self, key: str, start: int, length: int | None = None
    ) -> tuple[int, Iterator[bytes]]:
        if self.mirror.head(key) is None:
            raise PermanentError(
                "Files published through an upload server cannot be downloaded by the app "
                "(the server only signs uploads): the original is on the computer it came from."
            )
        return self.mirror.read_range(key, start, length)

    def delete_keys(self, keys: list[str]) -> None:
        raise PermanentError(CANNOT_DELETE)

    # -- connecting -----------------------------------------------------------------

    def check_access(self) -> None:
        """Start, sign and abort one upload: proves the server answers, takes the
        token and signs; learns its prefix (PermanentError when it scatters names)."""
        key = f"projects/.lytsite-check/{uuid.uuid4().hex}"
        handle = self.create_multipart(key, "application/octet-stream", {})
        try:
            self._url(*self._unpack(handle), 1, fresh=True)
        finally:
            self.abort_multipart(key, handle)

    def close(self) -> None:
        self._pool.clear()
        self.mirror.close()


def _lifetime(url: str) -> float:
    """How long a presigned address lives (X-Amz-Expires), in seconds."""
    query = parse_qs(urlsplit(url).query)
    try:
        return float(query.get("X-Amz-Expires", ["60"])[0])
    except ValueError:
        return 60.0
