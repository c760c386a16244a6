"""Answers of AWS S3 that moto does not give, from a server on loopback that gives
them as S3 does: a bucket in another region than the one named (301 with the
bucket's region), a completion that fails after its 200 (an <Error> body), an
answer cut short or missing what it must carry (an upload id, an ETag), and a
computer whose clock is an hour off the store's."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from lytsite_desktop.core.destinations import s3_wire
from lytsite_desktop.core.destinations.base import Checksum, PartInfo
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_location import S3Credentials, S3Location
from lytsite_desktop.core.errors import TransientError

KEYS = S3Credentials("AKIAIOSFODNN7EXAMPLE", "secret")
HOME = "eu-central-1"


class _Aws(BaseHTTPRequestHandler):
    """The bucket lives in HOME: a request signed for another region gets a 301
    naming it. A completion answers 200, then an InternalError in its body."""

    regions: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _moved(self) -> bool:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        region = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", self.headers["Authorization"])
        assert region
        self.regions.append(region.group(1))
        if region.group(1) == HOME:
            return False
        self._answer(
            301, b"<Error><Code>PermanentRedirect</Code><Message>Use the endpoint.</Message>"
            b"</Error>", x_amz_bucket_region=HOME,
        )  # fmt: skip
        return True

    def do_GET(self) -> None:
        if not self._moved():
            self._answer(200, b'{"schema": "lytsite.manifest/1"}', ETag='"m1"')

    def do_PUT(self) -> None:  # a part taken, its ETag left out
        if not self._moved():
            self._answer(200, b"")

    def do_POST(self) -> None:
        if self._moved():
            return
        if self.path.endswith("?uploads"):  # an empty 200 where the upload id should be
            self._answer(200, b"")
        elif "cut.tif" in self.path:  # the answer ends half-way
            self._answer(200, b"<CompleteMultipartUploadResult><ETag>&quot;")
        else:
            self._answer(
                200, b"<?xml version='1.0'?>\n<Error><Code>InternalError</Code>"
                b"<Message>We encountered an internal error.</Message></Error>",
            )  # fmt: skip


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Destination]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Aws)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    monkeypatch.setattr(s3_wire, "aws_endpoint", lambda region: f"http://{host!s}:{port}")
    _Aws.regions = []
    # No endpoint: AWS itself; no region named: us-east-1 is asked first.
    location = S3Location("photos", "", None, None, addressing_style="path")
    dest = S3Destination(location, KEYS, connect_timeout=2, read_timeout=5)
    yield dest
    dest.close()
    server.shutdown()


def test_a_bucket_in_another_region_is_asked_there(aws):
    assert aws.get_bytes("projects/p/manifest.json") == b'{"schema": "lytsite.manifest/1"}'
    assert aws.get_bytes("projects/p/manifest.json") is not None
    assert _Aws.regions == ["us-east-1", HOME, HOME]  # asked there from then on


def test_answers_that_fail_after_their_200_are_not_taken_for_success(aws):
    """A completion with an <Error> body, or cut short; an upload id or an ETag left out."""
    with pytest.raises(TransientError, match="busy or failing"):
        aws.complete_multipart("projects/p/files/1/big.tif", "u1", [PartInfo(1, 5, "e1")])
    with pytest.raises(TransientError):  # cut short: tried again, not a failed file
        aws.complete_multipart("projects/p/files/1/cut.tif", "u1", [PartInfo(1, 5, "e1")])
    with pytest.raises(TransientError, match="no upload id"):
        aws.create_multipart("projects/p/files/1/big.tif", "image/tiff", {})
    part = Checksum.of_bytes("md5", b"12345")
    with pytest.raises(TransientError, match="no ETag"):
        aws.upload_part("projects/p/files/1/big.tif", "u1", 1, io.BytesIO(b"12345"), 5, part)


class _LaterClock(BaseHTTPRequestHandler):
    """A store whose clock is an hour ahead of this computer's: a request signed more
    than 15 minutes off it is refused (403 RequestTimeTooSkewed), as S3 and R2 do."""

    dates: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate((datetime.now(UTC) + timedelta(hours=1)).timestamp(), usegmt=True)

    def do_GET(self) -> None:
        now = datetime.now(UTC) + timedelta(hours=1)
        signed = datetime.strptime(self.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        self.dates.append(self.headers["X-Amz-Date"])
        late = abs(now - signed.replace(tzinfo=UTC)) > timedelta(minutes=15)
        body = (
            b"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the "
            b"request time and the current time is too large.</Message></Error>"
            if late
            else b"{}"
        )
        self.send_response(403 if late else 200)  # (its Date: date_time_string)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_computer_whose_clock_is_off_signs_by_the_stores(monkeypatch):
    """Its requests were refused for ever ("busy or failing"); the store's Date says
    how far off this computer is, and requests are signed by the store's time."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LaterClock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _LaterClock.dates = []
    url = f"http://127.0.0.1:{server.server_address[1]}"
    dest = S3Destination(S3Location("photos", "", url, "auto"), KEYS, read_timeout=5)
    try:
        assert dest.get_bytes("projects/p/manifest.json") == b"{}"
        assert dest.get_bytes("projects/p/manifest.json") == b"{}"
    finally:
        dest.close()
        server.shutdown()
    assert len(_LaterClock.dates) == 3  # refused once, then asked by the store's clock
