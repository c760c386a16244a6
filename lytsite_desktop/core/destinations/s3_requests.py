"""How requests to an S3-compatible store go on the wire: the header that carries
a body's checksum, the headers a browser is served, the sockets' options, and
when a PUT waits for "100 Continue"."""

from __future__ import annotations

import logging
import socket
import struct
from typing import Any

from lytsite_desktop.core.destinations.base import Algorithm, Checksum, Headers
from lytsite_desktop.core.destinations.connections import watching_pools

log = logging.getLogger(__name__)

#: TCP_NODELAY as botocore sets it, plus SO_LINGER 0: a connection closed mid-body
#: (pause, cancel, Ctrl-C) is reset at once, so what sat in the kernel's send buffer
#: is dropped instead of trickling out after the user asked for the link back.
SOCKET_OPTIONS = [
    (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
    (socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)),
]


#: boto3's parameter (and the API's field) for each x-amz-checksum-* header.
FIELDS: dict[Algorithm, str] = {
    "sha256": "ChecksumSHA256",
    "crc32": "ChecksumCRC32",
    "crc32c": "ChecksumCRC32C",
}


def checksum_args(checksum: Checksum) -> dict[str, str]:
    """The header that carries a body's checksum for the store to verify."""
    if checksum.algorithm == "md5":
        return {"ContentMD5": checksum.b64}
    return {FIELDS[checksum.algorithm]: checksum.b64}


def header_args(headers: Headers) -> dict[str, str]:
    args = {}
    if headers.cache_control:
        args["CacheControl"] = headers.cache_control
    if headers.content_disposition:
        args["ContentDisposition"] = headers.content_disposition
    return args


def tune_connections(client: Any) -> None:
    """Give the client's connections SOCKET_OPTIONS, and have them tell a body
    which connection sends it (:mod:`.connections`: progress counts what the link
    took).

    botocore's Config has neither, so this reaches into its HTTP session (private
    attributes). If they ever move, uploads still work; only a pause or cancel
    drains the kernel's buffer instead of dropping it, and progress counts what
    was handed to the kernel.
    """
    session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    manager = getattr(session, "_manager", None)
    pool_kw = getattr(manager, "connection_pool_kw", None)
    pools = getattr(session, "_pool_classes_by_scheme", None)
    if not isinstance(pool_kw, dict) or not isinstance(pools, dict):
        log.debug("cannot tune connections on this botocore version")
        return
    session._socket_options = SOCKET_OPTIONS  # type: ignore[union-attr]
    pool_kw["socket_options"] = SOCKET_OPTIONS
    watched = watching_pools(pools)
    session._pool_classes_by_scheme = watched  # type: ignore[union-attr]
    manager.pool_classes_by_scheme = watched  # type: ignore[union-attr]


#: A single PUT at least this large asks "100 Continue" until one has succeeded.
EXPECT_MIN_BODY = 1024 * 1024


def no_expect_continue(request: Any, **_: Any) -> None:
    """Send part bodies at once, without waiting a round trip for "100 Continue".

    botocore asks for it on every PUT with a body, so a rejected request does not
    waste its upload. For a part that protects nothing: CreateMultipartUpload has
    already proven the keys, the bucket and the permission. On a long link the
    round trip per part left every upload slot idle at once at the end of each
    wave of parts. Single PUTs keep it until one has succeeded: with keys that
    may not write, every file would otherwise send its whole body just to be
    refused.
    """
    if "Expect" in request.headers:
        del request.headers["Expect"]
