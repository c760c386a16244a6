"""The integrity check on every body, as the store applies it: a byte flipped on
the way is refused by the server (400 BadDigest, nothing stored) and sent again.

The test server checks bodies as AWS and R2 do (tests/support/checked_moto.py);
the proxy flips one byte of one request's body after its headers (and so its
checksum) have gone by.
"""

from __future__ import annotations

import logging

import google_crc32c
import pytest

from lytsite_desktop.core.sizes import MiB
from tests.conftest import object_sha256, sha256_file, write_random
from tests.support.engines import engine, requests_for
from tests.support.netproxy import Faults, TcpProxy


@pytest.mark.parametrize("checksum", ["sha256", "md5"])
@pytest.mark.parametrize("target", ["small.jpg", "partNumber=2"])
def test_a_body_corrupted_on_the_way_is_refused_by_the_store_and_sent_again(
    tmp_path, bucket, s3, s3_server, caplog, checksum, target
):
    folder = tmp_path / "c"
    big = write_random(folder / "big.tif", 12 * MiB + 77, seed=5)
    small = write_random(folder / "small.jpg", 300_000, seed=6)
    caplog.set_level(logging.WARNING, "lytsite_desktop.core.transfer.original")
    with TcpProxy(s3_server.port, faults=Faults(corrupt=target)) as proxy:
        with engine(bucket, proxy.url, part_size=5 * MiB, checksum=checksum) as eng:
            summary = eng.run(requests_for(folder))
        (corrupted,) = proxy.corrupted
        sent = [r.target for r in proxy.requests if r.method == "PUT" and target in r.target]
    assert summary.published == 2 and summary.failed == 0
    # The store refused the corrupted copy (the engine heard BadDigest) and the
    # same request went again, whole.
    assert sent == [corrupted, corrupted]
    assert any("checksum mismatch in transit" in r.getMessage() for r in caplog.records)
    listed = {
        o["Key"].rsplit("/", 1)[-1]: o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]
    }
    assert object_sha256(s3, bucket, listed["big.tif"]) == sha256_file(big)
    assert object_sha256(s3, bucket, listed["small.jpg"]) == sha256_file(small)


@pytest.mark.parametrize("field", ["ChecksumSHA256", "ChecksumCRC32C"])
def test_the_test_store_refuses_a_body_whose_checksum_does_not_match(bucket, s3, field):
    """What the engine relies on, asked of the server directly: a single PUT's
    SHA-256, a part's CRC-32C."""
    import base64
    import hashlib

    from botocore.exceptions import ClientError

    other = b"other bytes"
    digest = (
        hashlib.sha256(other).digest()
        if field == "ChecksumSHA256"
        else google_crc32c.value(other).to_bytes(4, "big")
    )
    wrong = base64.b64encode(digest).decode()
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=bucket, Key="k", Body=b"these bytes", **{field: wrong})
    assert refused.value.response["Error"]["Code"] == "BadDigest"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
