"""AWS Signature Version 4, as S3 and every S3-compatible store check it.

A request is signed over its method, path, query, headers and a payload hash;
bodies are not hashed for the signature (``UNSIGNED-PAYLOAD``): each carries its
own checksum header, which the store verifies (see ``s3_requests``). The key
derived for a day and region is kept: signing a request costs two HMACs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

from lytsite_desktop.core.destinations.s3_location import S3Credentials

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: Headers a proxy or the HTTP library may change on the way: never signed.
_NOT_SIGNED = frozenset({"expect", "user-agent", "connection", "keep-alive", "authorization"})


def quote_path(path: str) -> str:
    """An object key as it goes in a URL's path (and the signature's)."""
    return quote(path, safe="/~")


def quote_param(value: str) -> str:
    return quote(value, safe="-_.~")


def query_string(params: Iterable[tuple[str, str]], *, canonical: bool = True) -> str:
    """The query as the signature has it (sorted, every name with its ``=``), or
    (``canonical`` False) as the URL has it: a name without a value stands alone
    (``?uploads``), as AWS's own tools send it."""
    pairs = sorted((quote_param(k), quote_param(v)) for k, v in params)
    return "&".join(f"{k}={v}" if v or canonical else k for k, v in pairs)


class Signer:
    """Signs requests with one set of keys for one region."""

    def __init__(self, credentials: S3Credentials, region: str, service: str = "s3") -> None:
        self.credentials, self.region, self._service = credentials, region, service
        self._key: tuple[str, bytes] | None = None  # the day and its signing key

    def _signing_key(self, day: str) -> bytes:
        if self._key is None or self._key[0] != day:
            key = f"AWS4{self.credentials.secret_access_key}".encode()
            for part in (day, self.region, self._service, "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._key = (day, key)
        return self._key[1]

    def sign(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        now: datetime | None = None,
    ) -> dict[str, str]:
        """``headers`` (which name the host) with the date, the payload's and the
        keys' headers and the Authorization that covers them. ``path`` is quoted
        (:func:`quote_path`), ``query`` canonical (:func:`query_string`)."""
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        signed = dict(headers)
        signed["X-Amz-Date"] = stamp
        signed["X-Amz-Content-SHA256"] = UNSIGNED_PAYLOAD
        if self.credentials.session_token:
            signed["X-Amz-Security-Token"] = self.credentials.session_token
        names = sorted(
            (name.lower(), " ".join(str(value).split()))
            for name, value in signed.items()
            if name.lower() not in _NOT_SIGNED
        )
        signed_names = ";".join(name for name, _ in names)
        canonical = "\n".join(
            [
                method,
                path,
                query,
                "".join(f"{name}:{value}\n" for name, value in names),
                signed_names,
                UNSIGNED_PAYLOAD,
            ]
        )
        scope = f"{stamp[:8]}/{self.region}/{self._service}/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        signature = hmac.new(
            self._signing_key(stamp[:8]), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        signed["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed_names}, Signature={signature}"
        )
        return signed
