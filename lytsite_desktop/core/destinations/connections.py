"""HTTP connections that tell the body they are about to send which connection
carries it.

A file's progress counts only what the link has taken: the body (the transfer's
SpanReader) asks its socket what the peer has acknowledged (see
core.platform.sendqueue), so it has to know the socket. urllib3 makes the
connections, botocore's or the upload server's pool manager picks their
classes: these are the same classes, each
connection handing itself to a body that asks (``watch_connection``) before it
sends. Bodies that do not ask, and every other request, go as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class _TellsTheBody:
    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, *args: Any, **kw: Any
    ) -> Any:
        watch = getattr(body, "watch_connection", None)
        if callable(watch):
            watch(self)
        return super().request(method, url, body, headers, *args, **kw)  # type: ignore[misc]


def _watching(pool: type) -> type:
    connection = pool.ConnectionCls  # type: ignore[attr-defined]
    told = type(connection.__name__, (_TellsTheBody, connection), {})
    return type(pool.__name__, (pool,), {"ConnectionCls": told})


def watching_pools(pools: Mapping[str, type]) -> dict[str, type]:
    """The same connection pool classes (by scheme), their connections telling
    each body that asks which connection sends it."""
    return {scheme: _watching(pool) for scheme, pool in pools.items()}
