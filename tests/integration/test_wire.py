"""What actually goes over the wire, seen by the proxy: integrity headers, no
aws-chunked bodies, uniform part sizes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from lytsite_desktop.core.sizes import MiB
from tests.conftest import write_random
from tests.support.engines import engine, requests_for
from tests.support.netproxy import TcpProxy


def test_every_body_carries_content_md5_and_no_checksum_trailer(tmp_path, bucket, s3_server):
    folder = tmp_path / "w"
    write_random(folder / "big.tif", 17 * MiB + 3, seed=1)
    write_random(folder / "small.jpg", 200_000, seed=2)
    with TcpProxy(s3_server.port) as proxy:
        with engine(bucket, proxy.url, part_size=5 * MiB) as eng:
            assert eng.run(requests_for(folder)).published == 2
        puts = [r for r in proxy.requests if r.method == "PUT"]
    parts = [r for r in puts if "partNumber" in parse_qs(urlsplit(r.target).query)]
    assert len(parts) == 4  # 5+5+5+2 MiB
    assert sorted(int(r.headers["content-length"]) for r in parts) == [2 * MiB + 3] + [5 * MiB] * 3
    # Parts go at once; a single PUT first asks whether the server will take it.
    assert not any("expect" in r.headers for r in parts)
    (small,) = [r for r in puts if "small.jpg" in r.target]
    assert small.headers.get("expect") == "100-continue"
    for r in puts:
        assert "content-md5" in r.headers, r.target
        assert "aws-chunked" not in r.headers.get("content-encoding", "")
        assert "x-amz-trailer" not in r.headers
        assert not any(h.startswith("x-amz-checksum-") for h in r.headers)
        if "manifest.json" not in r.target:
            # Content-MD5 guards the body; the signature does not hash it again.
            assert r.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
