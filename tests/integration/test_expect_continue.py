"""A photo's PUT that asks "100 Continue" (until the store has taken one), against a
server on loopback that answers as S3 does: a refusal before the body (keys that
may read but not write), or "100 Continue" and then the body. moto cannot show the
first: it reads a body before it refuses it."""

from __future__ import annotations

import io
import os
import socket
import threading
from collections.abc import Iterator

import pytest

from lytsite_desktop.core.destinations.base import Checksum
from lytsite_desktop.core.destinations.resolve import parse_s3_url
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_location import S3Credentials
from lytsite_desktop.core.errors import PermanentError

DENIED = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>AccessDenied</Code>"
    b"<Message>Access Denied</Message></Error>"
)
KEYS = S3Credentials("AKIAIOSFODNN7EXAMPLE", "secret")


class _Store:
    """Answers each request on its own connection: ``refuse`` puts with a 403 before
    their body; otherwise "100 Continue", then reads the body and answers 200. Counts
    the body bytes that arrived and the requests' first lines."""

    def __init__(self, *, refuse: bool) -> None:
        self.refuse = refuse
        self.body_bytes = 0
        self.requests: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            self.requests.append(lines[0])
            headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
            length = int(headers.get("content-length", "0"))
            if self.refuse:
                conn.sendall(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(DENIED), DENIED)
                )
                conn.settimeout(0.5)  # what would still come is counted, then closed
                try:
                    while chunk := conn.recv(65536):
                        rest += chunk
                except OSError:
                    pass
                self.body_bytes += len(rest)
                return
            if headers.get("expect") == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            while len(rest) < length:
                rest += conn.recv(65536)
            self.body_bytes += len(rest)
            conn.sendall(b'HTTP/1.1 200 OK\r\nETag: "abc"\r\nContent-Length: 0\r\n\r\n')

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def photo() -> bytes:
    return os.urandom(3 * 1024 * 1024)


def _store(refuse: bool) -> Iterator[tuple[_Store, S3Destination]]:
    store = _Store(refuse=refuse)
    url = f"s3://photos?endpoint=http://127.0.0.1:{store.port}&region=auto"
    dest = S3Destination(parse_s3_url(url), KEYS, connect_timeout=2, read_timeout=5)
    yield store, dest
    dest.close()
    store.close()


def _put(dest: S3Destination, data: bytes) -> str:
    return dest.put_object(
        "projects/p/files/1/a.jpg", io.BytesIO(data), len(data), Checksum.of_bytes("md5", data),
        "image/jpeg", {"sha256": "x"},
    )  # fmt: skip


def test_a_photo_refused_before_its_body_costs_a_round_trip_not_the_photo(photo):
    for store, dest in _store(refuse=True):
        with pytest.raises(PermanentError, match="not allowed to write"):
            _put(dest, photo)
        assert store.body_bytes == 0, "the photo went up only to be refused"
        with pytest.raises(PermanentError):  # the next asks on a connection of its own
            _put(dest, photo)
        assert len(store.requests) == 2 and store.body_bytes == 0


def test_a_photo_goes_after_100_continue_and_the_next_without_asking(photo):
    for store, dest in _store(refuse=False):
        assert _put(dest, photo) == "abc"
        assert _put(dest, photo) == "abc"
        assert store.body_bytes == 2 * len(photo)
