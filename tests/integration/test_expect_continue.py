"""A photo's PUT that asks "100 Continue" (until the store has taken one), against a
server on loopback that answers as S3 does: a refusal before the body (keys that
may read but not write), or "100 Continue" and then the body. moto cannot show the
first: it reads a body before it refuses it. A photo made while a small PUT is in
the air (a new project's page assets) waits for that one's answer instead."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from lytsite_desktop.core.destinations.base import Checksum
from lytsite_desktop.core.destinations.resolve import parse_s3_url
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_location import S3Credentials
from lytsite_desktop.core.destinations.s3_requests import EXPECT_MIN_BODY
from lytsite_desktop.core.errors import PermanentError

DENIED = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>AccessDenied</Code>"
    b"<Message>Access Denied</Message></Error>"
)
KEYS = S3Credentials("AKIAIOSFODNN7EXAMPLE", "secret")


class _Store:
    """Answers each request on a connection of its own (and says so): ``refuse``
    puts with a 403 before their body; otherwise "100 Continue", then reads the
    body and answers 200. Counts the body bytes that arrived and the requests'
    first lines; small bodies' answers wait for ``answer_small``."""

    def __init__(self, *, refuse: bool) -> None:
        self.refuse = refuse
        self.body_bytes = 0
        self.requests: list[str] = []
        self.expects: list[bool] = []  # whether each request asked "100 Continue"
        #: Small bodies' answers wait for this (set: at once).
        self.answer_small = threading.Event()
        self.answer_small.set()
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
            self.expects.append(headers.get("expect") == "100-continue")
            if length < EXPECT_MIN_BODY:
                self.answer_small.wait(10)
            if self.refuse:
                conn.sendall(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(DENIED), DENIED)
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
            conn.sendall(
                b'HTTP/1.1 200 OK\r\nETag: "abc"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
            )

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


def _in_the_air(dest: S3Destination, store: _Store, put) -> threading.Thread:  # type: ignore[no-untyped-def]
    """``put`` on a thread of its own, once a small PUT is held at the store."""
    store.answer_small.clear()

    def small_put() -> None:
        with contextlib.suppress(PermanentError):
            dest.put_bytes("projects/p/gallery.js", b"x" * 1000, "text/javascript")

    small = threading.Thread(target=small_put, daemon=True)
    small.start()
    while not store.requests:
        time.sleep(0.01)
    photo = threading.Thread(target=put, daemon=True)
    photo.start()
    return photo


def test_a_photo_waits_for_a_small_put_in_the_air_instead_of_asking(photo):
    """A new project's page assets go up as its batch starts: the first photos
    wait for their answer (the keys proven) instead of each asking "100 Continue"
    (a round trip after their start)."""
    for store, dest in _store(refuse=False):
        done = _in_the_air(dest, store, functools.partial(_put, dest, photo))
        time.sleep(0.3)
        assert store.requests == ["PUT /photos/projects/p/gallery.js HTTP/1.1"], (
            "the photo went before the small PUT's answer"
        )
        store.answer_small.set()
        done.join(10)
        assert store.expects == [False, False]
        assert store.body_bytes == 1000 + len(photo)


def test_a_photo_asks_when_the_small_put_in_the_air_is_refused(photo):
    refused: list[Exception] = []

    def put(dest: S3Destination) -> None:
        try:
            _put(dest, photo)
        except PermanentError as exc:
            refused.append(exc)

    for store, dest in _store(refuse=True):
        done = _in_the_air(dest, store, functools.partial(put, dest))
        store.answer_small.set()
        done.join(10)
        assert store.expects == [False, True] and len(refused) == 1
        assert store.body_bytes == 1000, "the photo went up only to be refused"
