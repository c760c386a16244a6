"""A part's reader counts what it handed out and what arrived, and settles the
count when the send ends: all of it when the store took it, none when it failed."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.reader import SpanReader


class Tally:
    def __init__(self) -> None:
        self.handed = self.acknowledged = 0

    def __call__(self, handed: int, acknowledged: int) -> None:
        self.handed += handed
        self.acknowledged += acknowledged


def reader(path, tally: Tally, length: int) -> SpanReader:
    return SpanReader(str(path), 0, length, limiter=RateLimiter(None), on_bytes=tally,
                      should_stop=lambda: False)  # fmt: skip


def test_a_send_that_succeeds_counts_the_whole_span(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1_000_000)
    tally = Tally()
    with reader(path, tally, 1_000_000) as body:
        body.read(300_000)
    assert (tally.handed, tally.acknowledged) == (1_000_000, 1_000_000)


def test_a_send_that_fails_takes_everything_back(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1_000_000)
    tally = Tally()
    with pytest.raises(ConnectionResetError), reader(path, tally, 1_000_000) as body:
        body.read(300_000)
        assert tally.handed == 300_000
        raise ConnectionResetError
    assert (tally.handed, tally.acknowledged) == (0, 0)


def test_a_rewind_takes_back_what_follows(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1_000_000)
    tally = Tally()
    body = reader(path, tally, 1_000_000)
    body.read(600_000)
    body.seek(100_000)
    assert (tally.handed, tally.acknowledged) == (100_000, 100_000)
    body.close()


class Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock


@pytest.mark.skipif(
    sys.platform not in ("linux", "darwin"), reason="the send queue is read on Linux and macOS"
)
def test_only_what_the_peer_read_counts_and_the_end_waits_for_it(tmp_path):
    """Over a real TCP connection whose peer reads slowly: the count follows the
    peer, and the read that ends the body returns once the peer has it all."""
    size = 2 * 1024 * 1024
    path = tmp_path / "f"
    path.write_bytes(b"x" * size)
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
    received = 0

    def slow_peer() -> None:
        nonlocal received
        while received < size:
            data = peer.recv(64 * 1024)
            if not data:
                return
            received += len(data)
            time.sleep(0.005)

    tally = Tally()
    leads: list[int] = []
    with client, peer:
        thread = threading.Thread(target=slow_peer)
        thread.start()
        body = reader(path, tally, size)
        body.watch_connection(Connection(client))
        while data := body.read(256 * 1024):
            leads.append(tally.acknowledged - received)
            client.sendall(data)
        assert received >= size - 64 * 1024  # the end waited for the peer
        thread.join(10)
        body.close()
    assert max(leads) <= 2 * 32 * 1024 + 64 * 1024
    assert tally.acknowledged >= size - 64 * 1024
