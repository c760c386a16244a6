"""moto's S3 server, checking request bodies as S3 and R2 do.

moto keeps a Content-MD5, x-amz-checksum-sha256, -crc32 or -crc32c header as it was sent and
never compares it with the body. AWS, R2, B2 and MinIO do: a body that does not
match is refused with 400 BadDigest and nothing is stored. This runs moto's own
app on its own server (werkzeug, threaded, moto's request handler) with that
check in front, so that the tests' store refuses a corrupted body as a real one
does. An aws-chunked body (checksum in a trailer) is left to moto.

A presigned URL is refused once its X-Amz-Date plus X-Amz-Expires has passed
(403 AccessDenied, "Request has expired"), as S3 and R2 do; moto serves it for
ever.

    python -m tests.support.checked_moto HOST PORT
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import signal
import sys
import urllib.parse
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any


class _Crc32:
    def __init__(self, data: bytes) -> None:
        self._value = zlib.crc32(data)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


class _Crc32c(_Crc32):
    def __init__(self, data: bytes) -> None:
        import google_crc32c

        self._value = google_crc32c.value(data)


_HEADERS: dict[str, tuple[Callable[[bytes], Any], str]] = {
    "HTTP_CONTENT_MD5": (
        hashlib.md5,
        "The Content-MD5 you specified did not match what was received.",
    ),
    "HTTP_X_AMZ_CHECKSUM_SHA256": (
        hashlib.sha256,
        "The SHA256 you specified did not match the calculated checksum.",
    ),
    "HTTP_X_AMZ_CHECKSUM_CRC32": (
        _Crc32,
        "The CRC32 you specified did not match the calculated checksum.",
    ),
    "HTTP_X_AMZ_CHECKSUM_CRC32C": (
        _Crc32c,
        "The CRC32C you specified did not match the calculated checksum.",
    ),
}

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _expired(query: str) -> bool:
    params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if "X-Amz-Date" not in params or "X-Amz-Expires" not in params:
        return False
    signed = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.now(UTC) > signed + timedelta(seconds=int(params["X-Amz-Expires"]))


def checking(app: App) -> App:
    def checked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _expired(environ.get("QUERY_STRING", "")):
            return _error(start_response, "403 Forbidden", "AccessDenied", "Request has expired")
        claims = [(h, environ[h]) for h in _HEADERS if environ.get(h)]
        length = environ.get("CONTENT_LENGTH")
        if environ["REQUEST_METHOD"] == "PUT" and claims and length:
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
            for header, claimed in claims:
                algorithm, message = _HEADERS[header]
                if base64.b64encode(algorithm(body).digest()).decode() != claimed:
                    return _bad_digest(start_response, message)
        return app(environ, start_response)

    return checked


def _bad_digest(start_response: Callable[..., Any], message: str) -> list[bytes]:
    return _error(start_response, "400 Bad Request", "BadDigest", message)


def _error(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(xml)))])
    return [xml]


def main() -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        checking(app),  # type: ignore[arg-type]
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
