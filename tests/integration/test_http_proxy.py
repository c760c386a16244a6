"""A studio's network that reaches the store only through an HTTP proxy
(HTTP_PROXY, as AWS's own tools read it): the app's requests go through it, and
NO_PROXY names the hosts reached directly."""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from lytsite_desktop.core.destinations.resolve import parse_s3_url
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_location import S3Credentials
from tests.conftest import dest_url
from tests.support.s3server import ACCESS_KEY, SECRET_KEY

pytestmark = pytest.mark.integration


class _ForwardProxy(BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: each request (an absolute URL) is sent on to its
    server and the answer relayed; the request lines are kept."""

    seen: ClassVar[list[str]] = []
    authorization: ClassVar[list[str | None]] = []
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionResetError:
            pass  # the app closes its kept connections with a reset (SO_LINGER 0)

    def _forward(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        self.authorization.append(self.headers.get("Proxy-Authorization"))
        target = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.netloc, timeout=10)
        headers = {k: v for k, v in self.headers.items() if not k.lower().startswith("proxy-")}
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ForwardProxy.seen, _ForwardProxy.authorization = [], []
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", url)
    yield url
    server.shutdown()


def _round_trip(url: str) -> None:
    dest = S3Destination(parse_s3_url(url), S3Credentials(ACCESS_KEY, SECRET_KEY))
    try:
        etag = dest.put_bytes("p/manifest.json", b"{}", "application/json")
        assert dest.get_versioned("p/manifest.json") == (b"{}", etag)
    finally:
        dest.close()


def test_requests_go_through_the_proxy_the_environment_names(bucket, s3_server, proxy):
    _round_trip(dest_url(bucket, s3_server.url))
    assert _ForwardProxy.seen == [
        f"PUT {s3_server.url}/{bucket}/p/manifest.json",
        f"GET {s3_server.url}/{bucket}/p/manifest.json",
    ]


def test_no_proxy_names_the_hosts_reached_directly(bucket, s3_server, proxy, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _round_trip(dest_url(bucket, s3_server.url))
    assert _ForwardProxy.seen == []


def test_a_proxy_that_wants_a_password_gets_it(bucket, s3_server, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.replace("http://", "http://studio:p%40ss@"))
    _round_trip(dest_url(bucket, s3_server.url))
    expected = "Basic " + base64.b64encode(b"studio:p@ss").decode()
    assert len(_ForwardProxy.seen) == 2 and set(_ForwardProxy.authorization) == {expected}
