"""A small TCP proxy that shapes and breaks a link: rate, latency, resets, stalls, outages,
503 Slow Down, and a flipped byte in a request body.

Used by the integration tests (faults) and the benchmark (a ~100 Mbit/s, 40 ms
link). It counts the bytes that actually crossed it in each direction.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

_CHUNK = 64 * 1024


class _Bucket:
    """Token bucket shared by every connection in one direction (one link). A
    bucket replaced by a new rate wakes whoever waits on it."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.replaced = threading.Event()
        self.lock = threading.Lock()
        self.tokens = 0.0
        self.stamp = time.monotonic()
        self.burst = max(rate * 0.02, 16 * 1024)

    def take(self, n: int) -> None:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= n
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self.replaced.wait(wait)


@dataclass
class Faults:
    """What to break. Counted per connection, on client->server bytes."""

    #: Reset every ``reset_every``-th connection once it has carried this many bytes up.
    reset_after: int | None = None
    reset_every: int = 2
    #: Stop forwarding (both ways, without closing) on every ``stall_every``-th
    #: connection once it has carried this many bytes up.
    stall_after: int | None = None
    stall_every: int = 3
    #: How long a stalled connection hangs before the proxy drops it.
    stall_seconds: float = 15.0
    #: Every ``reject_every``-th connection answers its first request itself with
    #: 503 Slow Down (as S3 and R2 do under load) and closes; nothing reaches the server.
    reject_every: int | None = None
    #: The first ``reject_first`` connections do the same (a store busy for a moment).
    reject_first: int = 0
    #: Flip one byte in the body of the next ``corrupt_times`` requests whose
    #: target contains this text (the head, and so its checksum, left alone).
    corrupt: str | None = None
    corrupt_times: int = 1


@dataclass
class SeenRequest:
    method: str
    target: str
    headers: dict[str, str]
    #: When its head crossed the proxy (monotonic)
    at: float = field(default_factory=time.monotonic)


class _HttpSniffer:
    """Parses the client->server byte stream of one connection into request heads.

    Bodies are skipped by Content-Length (the client sends no chunked bodies; a
    chunked one is recorded and then no longer parsed)."""

    #: Bodies at least this large are "bulk" (file data, not API chatter).
    BULK = 1024 * 1024

    def __init__(self, proxy: TcpProxy) -> None:
        self._buf = b""
        self._skip = 0
        self._proxy = proxy
        self._lost = False
        self._bulk = False
        self._corrupt = False

    def feed(self, data: bytes) -> int | None:
        """Read ``data``; returns the index in it of a body byte to corrupt, if due."""
        if self._lost:
            return None
        base = len(self._buf)  # self._buf[base + i] is data[i]
        self._buf += data
        flip: int | None = None
        while True:
            if self._skip:
                n = min(self._skip, len(self._buf))
                if self._corrupt and max(0, base) < n:
                    flip, self._corrupt = max(0, base) - base, False
                self._buf = self._buf[n:]
                base -= n
                self._skip -= n
                if self._skip:
                    return flip
                if self._bulk:
                    self._proxy._bulk_mark(time.monotonic())
                    self._bulk = False
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return flip
            head, self._buf = self._buf[:end].decode("latin-1"), self._buf[end + 4 :]
            base -= end + 4
            lines = head.split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            with self._proxy._lock:
                self._proxy.requests.append(SeenRequest(method, target, headers))
                self._corrupt = self._proxy._take_corruption(target)
            if "chunked" in headers.get("transfer-encoding", ""):
                self._lost = True
                return flip
            self._skip = int(headers.get("content-length", "0"))
            if self._skip >= self.BULK:
                self._bulk = True
                self._proxy._bulk_mark(time.monotonic())


class TcpProxy:
    """Listens on 127.0.0.1:``port`` and forwards to ``target``."""

    def __init__(
        self,
        target_port: int,
        *,
        target_host: str = "127.0.0.1",
        up_rate: float | None = None,
        down_rate: float | None = None,
        latency: float = 0.0,
        faults: Faults | None = None,
        receive_buffer: int | None = None,
    ) -> None:
        self.target = (target_host, target_port)
        self.latency = latency
        self.faults = faults or Faults()
        self._up = _Bucket(up_rate) if up_rate else None
        self._down = _Bucket(down_rate) if down_rate else None
        self._lock = threading.Lock()
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        #: monotonic times of the first and last client bytes delivered upstream
        self.first_up: float | None = None
        self.last_up: float | None = None
        #: when the first bulk body (>= 1 MiB: file data) began and the last one ended
        self.bulk_first: float | None = None
        self.bulk_last: float | None = None
        self.resets = 0
        self.stalls = 0
        self.rejected = 0
        #: Targets of the requests whose body had a byte flipped.
        self.corrupted: list[str] = []
        self._down_flag = False
        #: Request heads seen going to the server (method, target, headers).
        self.requests: list[SeenRequest] = []
        self._socks: set[socket.socket] = set()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if receive_buffer:
            # A small window toward the client (set before listen(), so accepted
            # sockets inherit it): what the proxy has not forwarded stays unacknowledged
            # in the client's send queue, as on a real link, instead of in a large
            # loopback receive buffer that acknowledges it at once.
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    # -- controls --------------------------------------------------------------------

    def set_network_down(self, down: bool) -> None:
        """Down: every open connection is reset and new ones are refused at once."""
        self._down_flag = down
        if down:
            with self._lock:
                socks = list(self._socks)
            for s in socks:
                _hard_close(s)

    def set_up_rate(self, rate: float | None) -> None:
        """Shape the upload direction to ``rate`` bytes/s from now on (None: unshaped);
        a read waiting for the old rate's turn goes on at once."""
        old, self._up = self._up, _Bucket(rate) if rate else None
        if old is not None:
            old.replaced.set()

    def reset_counters(self) -> None:
        with self._lock:
            self.bytes_up = self.bytes_down = 0
            self.first_up = self.last_up = None
            self.bulk_first = self.bulk_last = None
            self.requests.clear()

    def _bulk_mark(self, now: float) -> None:
        with self._lock:
            self.bulk_first = self.bulk_first or now
            self.bulk_last = now

    def close(self) -> None:
        self._closed.set()
        _hard_close(self._listener)
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            _hard_close(s)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down_flag:
                _hard_close(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _hard_close(client)
                continue
            server.settimeout(None)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                index = self.connections
                self._socks.update((client, server))
            conn = _Conn(self, index, client, server)
            conn.start()

    def _take_corruption(self, target: str) -> bool:
        """Called with the lock held, for each request head."""
        f = self.faults
        if f.corrupt is None or f.corrupt not in target or len(self.corrupted) >= f.corrupt_times:
            return False
        self.corrupted.append(target)
        return True

    def _count(self, up: bool, n: int) -> None:
        with self._lock:
            if up:
                now = time.monotonic()
                self.first_up = self.first_up or now
                self.last_up = now
                self.bytes_up += n
            else:
                self.bytes_down += n

    def _forget(self, *socks: socket.socket) -> None:
        with self._lock:
            for s in socks:
                self._socks.discard(s)


class _Conn:
    def __init__(self, proxy: TcpProxy, index: int, client: socket.socket, server: socket.socket):
        self.proxy = proxy
        self.index = index
        self.client = client
        self.server = server
        self.up_bytes = 0
        self.dead = threading.Event()
        self._ended = 0
        self._ended_lock = threading.Lock()
        f = proxy.faults
        self.reset_at = (
            f.reset_after if f.reset_after is not None and index % f.reset_every == 0 else None
        )
        self.stall_at = (
            f.stall_after if f.stall_after is not None and index % f.stall_every == 0 else None
        )
        self.sniffer = _HttpSniffer(proxy)
        self.reject = (
            f.reject_every is not None and index % f.reject_every == 0
        ) or index <= f.reject_first

    def start(self) -> None:
        if self.reject:
            threading.Thread(target=self._slow_down, daemon=True).start()
            return
        for src, dst, up in ((self.client, self.server, True), (self.server, self.client, False)):
            q: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
            threading.Thread(target=self._pump, args=(src, q, up), daemon=True).start()
            threading.Thread(target=self._deliver, args=(dst, q, up), daemon=True).start()

    def _slow_down(self) -> None:
        """Read the first request's head, answer 503 and close, as a busy store does."""
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                data = self.client.recv(_CHUNK)
                if not data:
                    break
                head += data
            body = (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
                b"<Message>Please reduce your request rate.</Message></Error>"
            )
            self.client.sendall(
                b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            with self.proxy._lock:
                self.proxy.rejected += 1
            # Let the client read the answer: take (and drop) what it still sends.
            self.client.shutdown(socket.SHUT_WR)
            self.client.settimeout(2)
            while self.client.recv(_CHUNK):
                pass
        except OSError:
            pass
        self._kill()

    def _kill(self) -> None:
        if not self.dead.is_set():
            self.dead.set()
            _hard_close(self.client)
            _hard_close(self.server)
            self.proxy._forget(self.client, self.server)

    def _pump(self, src: socket.socket, q: queue.Queue, up: bool) -> None:
        try:
            while not self.dead.is_set():
                bucket = self.proxy._up if up else self.proxy._down  # set_up_rate: from now on
                data = src.recv(_CHUNK)
                if not data:
                    break
                if up:
                    flip = self.sniffer.feed(data)
                    if flip is not None:
                        changed = bytearray(data)
                        changed[flip] ^= 0xFF
                        data = bytes(changed)
                    self.up_bytes += len(data)
                    if self.reset_at is not None and self.up_bytes >= self.reset_at:
                        with self.proxy._lock:
                            self.proxy.resets += 1
                        self._kill()
                        return
                    if self.stall_at is not None and self.up_bytes >= self.stall_at:
                        with self.proxy._lock:
                            self.proxy.stalls += 1
                        # hold the connection open, forward nothing, then drop it
                        self.dead.wait(self.proxy.faults.stall_seconds)
                        self._kill()
                        return
                if bucket:
                    bucket.take(len(data))
                q.put((time.monotonic() + self.proxy.latency, data))
        except OSError:
            pass
        q.put(None)

    def _deliver(self, dst: socket.socket, q: queue.Queue, up: bool) -> None:
        try:
            while True:
                item = q.get()
                if item is None:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    with self._ended_lock:
                        self._ended += 1
                        both = self._ended == 2
                    if both:
                        self._kill()
                    return
                due, data = item
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                dst.sendall(data)
                self.proxy._count(up, len(data))
        except OSError:
            self._kill()


def _hard_close(s: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): what a dropped connection looks like to a client."""
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        s.close()
