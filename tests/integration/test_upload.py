"""Uploads over real HTTP to a moto S3 server process: content, layout, part sizes."""

from __future__ import annotations

import json

from lytsite_desktop.core.events import FileDone
from lytsite_desktop.core.gallery.page import ASSETS
from lytsite_desktop.core.publish import writer as writer_module
from lytsite_desktop.core.sizes import MiB
from tests.conftest import object_sha256, sha256_file, write_random
from tests.support.engines import Recorder, engine, requests_for
from tests.support.netproxy import TcpProxy


def test_multipart_and_small_files_arrive_byte_exact(tmp_path, bucket, s3, s3_server):
    folder = tmp_path / "Shoot"
    big = write_random(folder / "raw" / "big.tif", 23 * MiB + 12345, seed=1)
    smalls = [write_random(folder / f"img_{i:03d}.jpg", 1000 + i * 5003, seed=i) for i in range(40)]
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    rec = Recorder()
    with engine(bucket, s3_server.url) as eng:
        eng.subscribe(rec)
        summary = eng.run(requests_for(folder))
    assert summary.published == 42 and summary.failed == 0
    done = {e.rel_path: e for e in rec.of(FileDone)}
    for path in [big, *smalls, empty]:
        rel = path.relative_to(folder).as_posix()
        assert object_sha256(s3, bucket, done[rel].key) == sha256_file(path), rel
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key="projects/shoot/manifest.json")["Body"].read()
    )
    assert manifest["schema"] == "lytsite.manifest/1"
    assert {f["path"] for f in manifest["files"]} == set(done)
    entry = next(f for f in manifest["files"] if f["path"] == "raw/big.tif")
    assert entry["sha256"] == sha256_file(big)
    assert entry["originalKey"] == done["raw/big.tif"].key
    assert entry["originalKey"].startswith(f"projects/shoot/files/{entry['fileId']}/big.tif")
    assert entry["preview"] is None and entry["contentType"] == "image/tiff"


def test_parts_are_uniform_as_the_server_received_them(tmp_path, bucket, s3, s3_server):
    src = write_random(tmp_path / "a" / "pano.tif", 5 * (6 * MiB) + 777, seed=3)
    rec = Recorder()
    with engine(bucket, s3_server.url, part_size=6 * MiB) as eng:
        eng.subscribe(rec)
        eng.run(requests_for(tmp_path / "a"))
    key = rec.of(FileDone)[0].key
    head = s3.head_object(Bucket=bucket, Key=key, PartNumber=1)
    assert head["PartsCount"] == 6
    sizes = [
        s3.head_object(Bucket=bucket, Key=key, PartNumber=n)["ContentLength"] for n in range(1, 7)
    ]
    assert sizes == [6 * MiB] * 5 + [777]
    assert object_sha256(s3, bucket, key) == sha256_file(src)


def test_same_content_twice_sends_nothing(tmp_path, bucket, s3_server):
    folder = tmp_path / "set"
    write_random(folder / "one.jpg", 2 * MiB, seed=5)
    write_random(folder / "two.tif", 13 * MiB, seed=6)
    with engine(bucket, s3_server.url) as eng:
        assert eng.run(requests_for(folder)).published == 2
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
        rec = Recorder()
        eng.subscribe(rec)
        summary = eng.run(requests_for(folder))
    assert summary.published == 2 and summary.bytes_sent == 0
    assert all(e.already_published for e in rec.of(FileDone))
    assert proxy.bytes_up < 64 * 1024  # a few HEADs and the manifest, no file content


def test_content_published_from_another_computer_is_not_sent_again(
    tmp_path, bucket, s3_server, monkeypatch
):
    folder = tmp_path / "set"
    write_random(folder / "one.jpg", 3 * MiB, seed=7)
    write_random(folder / "two.tif", 12 * MiB, seed=8)
    with engine(bucket, s3_server.url) as eng:
        assert eng.run(requests_for(folder)).published == 2
    monkeypatch.setenv("LYTSITE_HOME", str(tmp_path / "second-computer"))  # empty journal
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
        rec = Recorder()
        eng.subscribe(rec)
        summary = eng.run(requests_for(folder))
    assert summary.published == 2 and summary.bytes_sent == 0
    assert all(e.already_published for e in rec.of(FileDone))
    assert proxy.bytes_up < 64 * 1024


def test_new_files_are_not_probed_before_upload(tmp_path, bucket, s3_server):
    folder = tmp_path / "fresh"
    for i in range(5):
        write_random(folder / f"{i}.jpg", 200_000, seed=i)
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
        eng.run(requests_for(folder))
    probes = [r for r in proxy.requests if r.method == "HEAD"]
    # Only the page's checks of its assets (are they this version?: with the
    # first manifest, and again with the page), no file.
    assert [r.target.rsplit("/", 1)[-1] for r in probes] == [ASSETS[-1][0]] * 2


def _film_and_photos(
    tmp_path, bucket: str, s3_server, rate: int
) -> tuple[list[tuple[str, str, str]], int]:  # fmt: skip
    """A 12 MiB film and three photos published through a link of ``rate`` bytes/s:
    the requests the server saw (method, object name, target), and which of them
    completed the film."""
    folder = tmp_path / "a"
    write_random(folder / "film.mov", 12 * MiB, seed=1)
    for i in range(3):
        write_random(folder / f"{i}.jpg", 100_000, seed=10 + i)
    with TcpProxy(s3_server.port, up_rate=rate) as proxy:
        with engine(bucket, proxy.url, concurrency=4) as eng:
            assert eng.run(requests_for(folder)).published == 4
        seen = [(r.method, r.target.split("?")[0].rsplit("/", 1)[1], r.target)
                for r in proxy.requests]  # fmt: skip
    complete = next(i for i, (m, n, t) in enumerate(seen) if m == "POST" and "uploadId=" in t)
    return seen, complete


def test_the_page_assets_go_up_while_files_still_stream(tmp_path, bucket, s3_server):
    """The page's assets go up with the project's first manifest (a small file
    done), before the big file completes; the end of the batch finds them there
    (a HEAD) and puts only the page."""
    seen, complete = _film_and_photos(tmp_path, bucket, s3_server, 6 * MiB)
    asset_puts = [i for i, (m, n, _) in enumerate(seen) if m == "PUT" and n in dict(ASSETS)]
    assert len(asset_puts) == len(ASSETS) and max(asset_puts) < complete
    page = [i for i, (m, n, _) in enumerate(seen) if m == "PUT" and n == "index.html"]
    assert page and min(page) > complete
    # Each asset went up once; the end asked again (a HEAD of the last one, beside
    # the page), found them there, and put only the page.
    heads = [i for i, (m, n, _) in enumerate(seen) if m == "HEAD" and n == ASSETS[-1][0]]
    assert len(heads) == 2 and heads[0] < min(asset_puts) and complete < heads[1]
    assert len(page) == 1


def test_a_new_projects_page_goes_up_while_a_big_file_still_streams(
    tmp_path, bucket, s3, s3_server, monkeypatch
):
    """Seen in the walk: the wedding's previews all up, its link answered 404 for as
    long as the originals streamed (the page went up at the batch's end only).
    Now it goes up a while after the first write (shortened here), and again at
    the end; the wait doubles in between."""
    monkeypatch.setattr(writer_module, "FIRST_PAGE", 0.5, raising=False)
    seen, complete = _film_and_photos(tmp_path, bucket, s3_server, 2 * MiB)
    pages = [i for i, (m, n, _) in enumerate(seen) if m == "PUT" and n == "index.html"]
    assert pages and pages[0] < complete, "a page while the film still streamed"
    assert pages[-1] > complete, "and the page of the whole batch at its end"
    assert len(pages) <= 4  # 6 s of streaming: 0.5, then 1, 2, 4 s apart at most
    body = s3.get_object(Bucket=bucket, Key="projects/shoot/index.html")["Body"].read().decode()
    assert all(f"{i}.jpg" in body for i in range(3)) and "film.mov" in body
