"""What actually goes over the wire, seen by the proxy: integrity headers, no
aws-chunked bodies, uniform part sizes."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import google_crc32c
import pytest

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.gallery.page import ASSETS
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.task import UploadRequest
from tests.conftest import dest_url, write_random
from tests.support.engines import engine, requests_for
from tests.support.netproxy import TcpProxy


def _b64(data: bytes, algorithm: str) -> str:
    if algorithm == "crc32c":
        return base64.b64encode(google_crc32c.value(data).to_bytes(4, "big")).decode()
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


@pytest.mark.parametrize("checksum", ["sha256", "md5"])
def test_every_body_carries_its_checksum_in_a_header_and_no_trailer(
    tmp_path, bucket, s3_server, checksum
):
    """R2 and AWS: a single PUT carries x-amz-checksum-sha256 (a file's being its
    content id), a multipart upload declares CRC32C and each part carries its
    x-amz-checksum-crc32c. Other stores: Content-MD5 on every body. One check per
    body, never an aws-chunked trailer."""
    folder = tmp_path / "w"
    big = write_random(folder / "big.tif", 17 * MiB + 3, seed=1).read_bytes()
    small = write_random(folder / "small.jpg", 200_000, seed=2).read_bytes()
    photo = write_random(folder / "a.jpg", 3 * MiB, seed=3).read_bytes()
    header = "x-amz-checksum-sha256" if checksum == "sha256" else "content-md5"
    part_algorithm = "crc32c" if checksum == "sha256" else "md5"
    part_header = "x-amz-checksum-crc32c" if checksum == "sha256" else "content-md5"
    with TcpProxy(s3_server.port) as proxy:
        with engine(bucket, proxy.url, part_size=5 * MiB, checksum=checksum) as eng:
            assert eng.run(requests_for(folder)).published == 3
        puts = [r for r in proxy.requests if r.method == "PUT"]
        (create,) = [r for r in proxy.requests if r.target.endswith("?uploads")]
    parts = [r for r in puts if "partNumber" in parse_qs(urlsplit(r.target).query)]
    assert len(parts) == 4  # 5+5+5+2 MiB
    assert sorted(int(r.headers["content-length"]) for r in parts) == [2 * MiB + 3] + [5 * MiB] * 3
    for r in parts:
        number = int(parse_qs(urlsplit(r.target).query)["partNumber"][0])
        span = big[(number - 1) * 5 * MiB : number * 5 * MiB]
        assert r.headers[part_header] == _b64(span, part_algorithm)
    (small_put,) = [r for r in puts if "small.jpg" in r.target]
    assert small_put.headers[header] == _b64(small, checksum)
    (photo_put,) = [r for r in puts if r.target.endswith("/a.jpg")]
    assert photo_put.headers[header] == _b64(photo, checksum)
    if checksum == "sha256":
        assert create.headers["x-amz-checksum-algorithm"] == "CRC32C"
    else:
        assert "x-amz-checksum-algorithm" not in create.headers
    assert {r.headers["user-agent"].split("/")[0] for r in puts} == {"lytsite-desktop"}
    # Parts and small bodies (previews, the manifest, the page) go at once.
    assert not any("expect" in r.headers for r in parts)
    small_bodies = [r for r in puts if r not in parts and r is not photo_put]
    assert small_bodies and not any("expect" in r.headers for r in small_bodies)
    for r in puts:
        expected = part_header if r in parts else header
        checks = [h for h in r.headers if h.startswith("x-amz-checksum-") or h == "content-md5"]
        assert checks == [expected], r.target
        assert "aws-chunked" not in r.headers.get("content-encoding", "")
        assert "x-amz-trailer" not in r.headers
        if "manifest.json" not in r.target:
            # The checksum guards the body; the signature does not hash it again.
            assert r.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"


def test_a_photo_asks_the_store_first_until_one_put_has_succeeded(tmp_path, bucket, s3_server):
    """A single PUT of a photo waits for "100 Continue" (keys that may not write
    cost a round trip, not the photo) only until the store has taken one."""
    folder = tmp_path / "e"
    for name, seed in (("a.jpg", 1), ("b.jpg", 2), ("c.jpg", 3)):
        write_random(folder / name, 3 * MiB, seed=seed)
    with TcpProxy(s3_server.port) as proxy:
        with engine(bucket, proxy.url, concurrency=1) as eng:  # one at a time, in name order
            assert eng.run(requests_for(folder)).published == 3
        photos = [r for r in proxy.requests if r.method == "PUT" and r.target.endswith(".jpg")]
    assert [r.target.rsplit("/", 1)[1] for r in photos] == ["a.jpg", "b.jpg", "c.jpg"]
    assert [r.headers.get("expect") for r in photos] == ["100-continue", None, None]


def test_a_new_projects_page_assets_go_first_and_its_photos_ask_nothing(
    tmp_path, bucket, s3_server
):
    """A project this computer has never published: its page's assets go up with
    the manifest's read, before the first photo, and the photos go without asking
    "100 Continue" (the assets' answer proved the keys a round trip sooner).
    Published again from here, its assets are not put again."""
    folder = tmp_path / "Shoot"
    for name, seed in (("a.jpg", 1), ("b.jpg", 2), ("c.jpg", 3)):
        write_random(folder / name, 3 * MiB, seed=seed)
    app = App()
    try:
        with TcpProxy(s3_server.port, latency=0.1) as proxy:  # the read: 0.2 s
            service = PublishingService(app, TransferSettings(concurrency=3), previews=False)
            ref = app.ref(dest_url(bucket, proxy.url))
            files = sorted(folder.iterdir())
            puts = []
            for batch in (files[:2], files[2:]):
                proxy.requests.clear()
                service.publish([UploadRequest(str(f), f.name, "shoot") for f in batch], ref)
                assert service.wait(60)
                puts.append([r for r in proxy.requests if r.method == "PUT"])
            service.close()
    finally:
        app.close()
    first, again = puts
    names = [r.target.rsplit("/", 1)[1] for r in first]
    first_photo = min(names.index(n) for n in ("a.jpg", "b.jpg"))
    assert {n for n, _ in ASSETS[:-1]} <= set(names[:first_photo]), names
    photos = [r for r in first if r.target.endswith(".jpg")]
    assert len(photos) == 2 and not any("expect" in r.headers for r in photos)
    names = [r.target.rsplit("/", 1)[1] for r in again]
    assert names and not {n for n, _ in ASSETS} & set(names), names
