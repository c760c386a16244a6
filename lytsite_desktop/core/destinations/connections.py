"""The app's HTTP connections (urllib3's, to a bucket or an upload server).

Each connection tells a body it is about to send which connection carries it: a
file's progress counts only what the link has taken, so the body (the transfer's
SpanReader) asks its socket what the peer has acknowledged (see
core.platform.sendqueue). Bodies that do not ask go as before.

A request that says ``Expect: 100-continue`` sends its headers, then waits (at
most :data:`EXPECT_WAIT`) for the store's word before its body: a final answer
(a refusal) means the body is never sent, and the connection is closed after
the answer is read (the store may still be waiting for that body).

Sockets get TCP_NODELAY and SO_LINGER 0: a connection closed mid-body (pause,
cancel, Ctrl-C) is reset at once, so what sat in the kernel's send buffer is
dropped instead of trickling out after the user asked for the link back.
"""

from __future__ import annotations

import functools
import http.client
import select
import socket
import struct
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

import urllib3

SOCKET_OPTIONS = [
    (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
    (socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)),
]
#: How long a request that asks "100 Continue" waits before sending its body anyway
#: (a server that answers nothing until the body comes: botocore's wait too).
EXPECT_WAIT = 1.0
#: What urllib3 reads and sends a body by.
BLOCK = 256 * 1024


class _KnownStatus(http.client.HTTPResponse):
    """A response whose status line was read while waiting for "100 Continue"."""

    def __init__(self, sock: socket.socket, *args: Any, status_line: Any, **kw: Any) -> None:
        super().__init__(sock, *args, **kw)
        self._status_line = status_line

    def _read_status(self) -> Any:
        return self._status_line


class _AppConnection:
    """Mixed into urllib3's connection classes (see the module's docstring)."""

    _expecting = False
    _body_held = False

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, *args: Any, **kw: Any
    ) -> Any:
        watch = getattr(body, "watch_connection", None)
        if callable(watch):
            watch(self)
        self._expecting = any(
            k.lower() == "expect" and v.lower() == "100-continue"
            for k, v in (headers or {}).items()
        )
        self._body_held = False
        return super().request(method, url, body, headers, *args, **kw)  # type: ignore[misc]

    def endheaders(self, *args: Any, **kw: Any) -> None:
        super().endheaders(*args, **kw)  # type: ignore[misc]
        if self._expecting:
            self._expecting = False
            self._await_continue()

    def _await_continue(self) -> None:
        sock: socket.socket = self.sock  # type: ignore[attr-defined]
        ready, _, _ = select.select([sock], [], [], EXPECT_WAIT)
        if not ready:
            return  # no word: the body goes
        with sock.makefile("rb", 0) as fp:  # unbuffered: what follows stays for the response
            parts = fp.readline(65537).split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
                return  # no status line: the response fails on what follows
            if parts[1] == b"100":
                while fp.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # the interim answer's headers
                return
        reason = parts[2].decode("latin-1").strip() if len(parts) > 2 else ""
        status = (parts[0].decode("ascii"), int(parts[1]), reason)
        # The final answer came first: the body stays here, the response reads the rest.
        self.response_class: Any = functools.partial(_KnownStatus, status_line=status)
        self._body_held = True

    def send(self, data: Any) -> None:
        if not self._body_held:
            super().send(data)  # type: ignore[misc]

    def getresponse(self) -> Any:
        try:
            response = super().getresponse()  # type: ignore[misc]
        finally:
            if self._body_held:
                self.response_class = http.client.HTTPResponse
        if self._body_held:
            self._body_held = False
            self.close()  # type: ignore[attr-defined]  # (the response keeps the socket)
        return response


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url``, if any."""
    parts = urlsplit(url)
    proxy = getproxies().get(parts.scheme)
    if not proxy or proxy_bypass(parts.netloc):
        return None
    return proxy


def _app_pool(pool: type) -> type:
    connection = pool.ConnectionCls  # type: ignore[attr-defined]
    ours = type(connection.__name__, (_AppConnection, connection), {})
    return type(pool.__name__, (pool,), {"ConnectionCls": ours})


def connection_pool(max_connections: int, url: str) -> urllib3.PoolManager:
    """A pool of up to ``max_connections`` kept connections per host, made as the
    module's docstring says, through the proxy the environment names for ``url``
    (HTTPS_PROXY, HTTP_PROXY; NO_PROXY), as AWS's own tools go."""
    options: dict[str, Any] = {
        "maxsize": max_connections, "blocksize": BLOCK, "socket_options": SOCKET_OPTIONS,
    }  # fmt: skip
    proxy = proxy_for(url)
    if proxy is None:
        pools = urllib3.PoolManager(**options)
    else:  # a proxy's user and password (http://user:pass@proxy:3128) go as its header
        parts = urlsplit(proxy)
        auth = unquote(parts.netloc.rpartition("@")[0]) if "@" in parts.netloc else None
        if auth:
            proxy = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
            options["proxy_headers"] = urllib3.make_headers(proxy_basic_auth=auth)
        pools = urllib3.ProxyManager(proxy, **options)
    pools.pool_classes_by_scheme = {
        scheme: _app_pool(pool) for scheme, pool in pools.pool_classes_by_scheme.items()
    }
    return pools
