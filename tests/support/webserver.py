"""A folder served over HTTP on loopback, as a bucket's public address serves a
gallery: real Content-Types, Range requests (206), and an optional fault (the
connection cut midway through one file, once) for the download-all tests."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".webp": "image/webp", ".mp4": "video/mp4",
    }  # fmt: skip
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Range")))
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            super().do_GET()
            return
        data = path.read_bytes()
        start, status = 0, HTTPStatus.OK
        spec = self.headers.get("Range", "")
        if spec.startswith("bytes=") and spec.endswith("-"):
            start, status = int(spec[6:-1]), HTTPStatus.PARTIAL_CONTENT
        body = data[start:]
        kind = self.guess_type(str(path))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if (
            self.server.compress
            and status == HTTPStatus.OK
            and kind.startswith(_TEXT)
            and ("gzip" in self.headers.get("Accept-Encoding", ""))
        ):  # as Cloudflare (R2's public buckets) and CloudFront compress text
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        cut = self.server.cut
        if cut and self.path.endswith(cut) and start == 0:
            self.server.cut = None  # once
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(0.5)  # the half is read before the connection goes
            self.connection.close()
            return
        self.wfile.write(body)


_TEXT = ("text/", "application/json")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str | None]]
    cut: str | None
    compress: bool


@contextmanager
def serve(
    folder: Path, *, cut: str | None = None, compress: bool = False
) -> Iterator[tuple[str, _Server]]:
    """``folder`` at http://127.0.0.1:PORT/ (a secure context, as https is).
    ``cut``: the first response for a path ending so stops halfway; ``compress``:
    text gzipped for browsers that accept it."""
    server = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
    server.requests, server.cut, server.compress = [], cut, compress
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        server.server_close()
