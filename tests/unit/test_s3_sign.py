"""The app's Signature Version 4 against botocore's (AWS's own implementation, the
one the app used before): the same requests get the same Authorization, for the
keys, queries and headers the app sends (names in any script, spaces, plus
signs, a session token, conditional writes, metadata)."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from lytsite_desktop.core.destinations.s3_location import S3Credentials
from lytsite_desktop.core.destinations.s3_sign import Signer, query_string, quote_path

NOW = datetime(2026, 12, 1, 23, 59, 58, tzinfo=UTC)
KEYS = S3Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

DISPOSITION = "attachment; filename=\"Ana (1).jpg\"; filename*=UTF-8''Ana%20%26%20Jo%C3%A3o.jpg"
TOKEN = "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
CASES = [
    ("GET", "/photos/projects/p/manifest.json", [], {}),
    ("PUT", "/photos/projects/wedding-ana-joao/files/1f3a/Ana & João (1).jpg", [], {
        "Content-Length": "6700679", "x-amz-checksum-sha256": "n4bQgYhMfWWaL+qgxVrQFaO/Tx=",
        "Content-Type": "image/jpeg", "x-amz-meta-sha256": "9f86d081884c7d65",
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Disposition": DISPOSITION, "Expect": "100-continue",
    }),
    ("PUT", "/photos/p/files/x/a+b=c~d*e'f.jpg", [("partNumber", "12"),
                                                  ("uploadId", "2~abc/def+ghi=")], {
        "Content-Length": "8388608", "x-amz-checksum-crc32c": "yZRlqg==",
    }),
    ("POST", "/photos/p/files/x/big.tif", [("uploads", "")], {
        "Content-Type": "image/tiff", "x-amz-checksum-algorithm": "CRC32C",
    }),
    ("GET", "/photos", [("list-type", "2"), ("prefix", "projects/Hochzeit Mia/"),
                        ("delimiter", "/"), ("continuation-token", TOKEN)], {}),
    ("PUT", "/photos/projects/p/manifest.json", [], {
        "Content-Length": "712", "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "If-Match": '"3858f62230ac3c915f300c664312c63f"',
        "Content-Type": "application/json", "Cache-Control": "no-cache",
    }),
    ("POST", "/photos", [("delete", "")], {"Content-MD5": "abc==",
                                           "Content-Type": "application/xml"}),
    ("DELETE", "/ph.otos/日本語/ключ/file name.png", [("uploadId", "a b")], {}),
]  # fmt: skip


def _botocore(method, path, params, headers, host, region, token):  # type: ignore[no-untyped-def]
    url = f"http://{host}{quote_path(path)}"
    if params:
        url += "?" + query_string(params, canonical=False)
    request = AWSRequest(method=method, url=url, headers={"Host": host, **headers})
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    creds = Credentials(KEYS.access_key_id, KEYS.secret_access_key, token)
    auth = botocore.auth.S3SigV4Auth(creds, "s3", region)
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: NOW.replace(tzinfo=None)
    try:
        auth.add_auth(request)
    finally:
        botocore.auth.get_current_datetime = original
    return dict(request.headers)


@pytest.mark.parametrize("method,path,params,headers", CASES)
@pytest.mark.parametrize("region", ["auto", "eu-central-1"])
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEJr//////////wEaDH+token="])
def test_the_signature_is_the_one_aws_computes(method, path, params, headers, region, token):
    host = "127.0.0.1:9000" if region == "auto" else "photos.s3.eu-central-1.amazonaws.com"
    keys = S3Credentials(KEYS.access_key_id, KEYS.secret_access_key, token)
    ours = Signer(keys, region).sign(
        method, quote_path(path), query_string(params), {"Host": host, **headers}, NOW
    )
    theirs = _botocore(method, path, params, headers, host, region, token)
    assert ours["Authorization"] == theirs["Authorization"]
    for name in ("X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token"):
        assert ours.get(name) == theirs.get(name)
    assert "expect" not in ours["Authorization"]  # a proxy may drop it: never signed


def test_a_new_day_gets_a_new_signing_key():
    signer = Signer(KEYS, "auto")
    today = signer.sign("GET", "/b/k", "", {"Host": "h"}, NOW)
    tomorrow = signer.sign("GET", "/b/k", "", {"Host": "h"}, NOW.replace(day=2, month=12))
    fresh = Signer(KEYS, "auto").sign("GET", "/b/k", "", {"Host": "h"}, NOW.replace(day=2))
    assert today["Authorization"] != tomorrow["Authorization"] == fresh["Authorization"]


def test_a_query_names_a_valueless_parameter_alone_in_the_url():
    params = [("uploads", ""), ("prefix", "a b/ç")]
    assert query_string(params) == "prefix=a%20b%2F%C3%A7&uploads="
    assert query_string(params, canonical=False) == "prefix=a%20b%2F%C3%A7&uploads"
