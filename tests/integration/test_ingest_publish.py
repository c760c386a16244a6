"""Dual-quality publishing over real HTTP: previews first, hazards, nothing made twice."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import unicodedata

import pikepdf
import pytest
from PIL import Image

from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.events import FileDone, FileStateChanged, PreviewDone, Progress
from lytsite_desktop.core.ingest.scan import ScanItem, scan
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.engine import UploadRequest
from tests.conftest import object_sha256, sha256_file
from tests.support.engines import Recorder, engine
from tests.support.images import XMP, exif_with, jpeg_bytes, marked_image, png_header_only
from tests.support.netproxy import TcpProxy


@pytest.fixture
def previews():
    maker = PreviewMaker(PreviewSettings(workers=2), AppPaths.discover().cache_dir)
    yield maker
    maker.close()


def requests_from_scan(folder) -> list[UploadRequest]:
    return [
        UploadRequest(i.source, i.rel_path, "shoot")
        for i in scan([str(folder)])
        if isinstance(i, ScanItem)
    ]


def manifest_of(s3, bucket) -> dict:
    body = s3.get_object(Bucket=bucket, Key="projects/shoot/manifest.json")["Body"].read()
    return {f["path"]: f for f in json.loads(body)["files"]}


def test_folder_published_with_previews_hazards_keep_their_originals(
    tmp_path, bucket, s3, s3_server, previews
):
    folder = tmp_path / "Shoot"
    (folder / "day 2").mkdir(parents=True)
    gps = jpeg_bytes(marked_image((3000, 2000)), exif=exif_with(6, gps=True, camera=True), xmp=XMP)
    (folder / "portrait.jpg").write_bytes(gps)
    marked_image((800, 600)).save(folder / "day 2" / "flat.png")
    png_header_only(folder / "bomb.png", 30000, 30000)
    (folder / "cut.jpg").write_bytes(jpeg_bytes(marked_image((2000, 1500)))[:4000])
    (folder / "clip.mp4").write_bytes(b"\0\0\0\x20ftypisom" + os.urandom(50_000))
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(b"1 0 0 rg 10 10 200 200 re f\n" * 300)
    pdf.save(folder / "invoice.pdf", compress_streams=False)
    nfd = unicodedata.normalize("NFD", "Zoë.jpg")
    (folder / nfd).write_bytes(jpeg_bytes(marked_image((640, 480))))
    os.mkfifo(folder / "fifo.jpg")

    rec = Recorder()
    with engine(bucket, s3_server.url, previews=previews) as eng:
        eng.subscribe(rec)
        summary = eng.run(requests_from_scan(folder))
    assert (summary.published, summary.failed) == (7, 0)

    files = manifest_of(s3, bucket)
    assert set(files) == {
        "portrait.jpg", "day 2/flat.png", "bomb.png", "cut.jpg", "clip.mp4", "invoice.pdf",
        unicodedata.normalize("NFC", "Zoë.jpg"),
    }  # fmt: skip
    for path, entry in files.items():
        source = folder / (nfd if path.startswith("Zo") else path)
        assert object_sha256(s3, bucket, entry["originalKey"]) == sha256_file(source), path

    photo = files["portrait.jpg"]
    assert (photo["width"], photo["height"]) == (2000, 3000), "upright size of the original"
    assert photo["preview"]["key"] == f"projects/shoot/previews/{photo['fileId']}/portrait.webp"
    assert photo["thumb"]["key"] == f"projects/shoot/thumbs/{photo['fileId']}/portrait.webp"
    assert photo["camera"]["model"] == "TestCam 1" and photo["note"] is None
    obj = s3.get_object(Bucket=bucket, Key=photo["preview"]["key"])
    assert obj["ContentType"] == "image/webp"
    data = obj["Body"].read()
    assert len(data) == photo["preview"]["size"]
    preview = Image.open(io.BytesIO(data))
    assert preview.format == "WEBP" and preview.size == (1200, 1800)
    assert not preview.getexif() and b"GPS" not in data and b"xmpmeta" not in data
    thumb = Image.open(
        io.BytesIO(s3.get_object(Bucket=bucket, Key=photo["thumb"]["key"])["Body"].read())
    )
    assert thumb.size == (320, 480)

    assert files["bomb.png"]["preview"] is None and "safety limit" in files["bomb.png"]["note"]
    assert files["cut.jpg"]["preview"] is None and "cut short" in files["cut.jpg"]["note"]
    assert files["clip.mp4"]["preview"] is None and "video" in files["clip.mp4"]["note"]
    assert files["clip.mp4"]["contentType"] == "video/mp4"
    invoice = files["invoice.pdf"]
    assert invoice["preview"]["key"].endswith("/invoice.pdf") and invoice["thumb"] is not None
    notes = {e.rel_path: e.note for e in rec.of(FileDone)}
    assert notes["portrait.jpg"] == "" and "safety limit" in notes["bomb.png"]


def test_preview_is_listed_before_its_original_lands(tmp_path, bucket, s3, s3_server, previews):
    folder = tmp_path / "Shoot"
    folder.mkdir()
    big = folder / "huge.jpg"  # a real JPEG with 24 MiB of trailing data: a slow original
    big.write_bytes(jpeg_bytes(marked_image((2400, 1600))) + os.urandom(24 * MiB))
    seen: list[dict] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                seen.append(manifest_of(s3, bucket)["huge.jpg"])
            except Exception:  # no manifest yet
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    rec = Recorder()
    with engine(bucket, s3_server.url, previews=previews, bwlimit=8 * MiB) as eng:
        eng.subscribe(rec)
        watcher.start()
        try:
            summary = eng.run(requests_from_scan(folder))
        finally:
            stop.set()
            watcher.join()
    assert summary.published == 1
    kinds = [type(e) for e in rec.events if isinstance(e, PreviewDone | FileDone)]
    assert kinds == [PreviewDone, FileDone], "the preview was up before the original"
    early = [e for e in seen if e["originalKey"] is None]
    assert early, "the manifest listed the file while its original was still uploading"
    assert early[0]["preview"] is not None and early[0]["thumb"] is not None
    s3.head_object(Bucket=bucket, Key=early[0]["preview"]["key"])
    final = manifest_of(s3, bucket)["huge.jpg"]
    assert final["originalKey"] and final["preview"] == early[0]["preview"]
    assert object_sha256(s3, bucket, final["originalKey"]) == sha256_file(big)


def test_publishing_again_makes_and_sends_nothing(tmp_path, bucket, s3_server, previews):
    folder = tmp_path / "Shoot"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.jpg").write_bytes(jpeg_bytes(marked_image((1600 + i, 1200))))
    with engine(bucket, s3_server.url, previews=previews) as eng:
        assert eng.run(requests_from_scan(folder)).published == 4
    cache = previews.cache.root
    made = {p: p.stat().st_mtime_ns for p in cache.rglob("preview.webp")}
    assert len(made) == 4
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url, previews=previews) as eng:
        rec = Recorder()
        eng.subscribe(rec)
        assert eng.run(requests_from_scan(folder)).published == 4
    assert all(e.already_published and e.note == "" for e in rec.of(FileDone)), rec.of(FileDone)
    puts = {r.target.split("?")[0].rsplit("/", 1)[-1] for r in proxy.requests if r.method == "PUT"}
    assert puts <= {"manifest.json", "index.html"}, puts  # the page's assets are there already
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("preview.webp")} == made


def test_cancel_after_the_preview_unlists_the_file(tmp_path, bucket, s3, s3_server, previews):
    folder = tmp_path / "Shoot"
    folder.mkdir()
    (folder / "keep.jpg").write_bytes(jpeg_bytes(marked_image((800, 600))))
    slow = folder / "slow.jpg"
    slow.write_bytes(jpeg_bytes(marked_image((2400, 1600))) + os.urandom(24 * MiB))
    rec = Recorder()
    with engine(bucket, s3_server.url, previews=previews, bwlimit=4 * MiB) as eng:
        eng.subscribe(rec)
        ids = eng.add(requests_from_scan(folder))
        slow_id = ids[1]

        listed_before_cancel = []

        def cancel_when_listed() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not listed_before_cancel:
                try:
                    entry = manifest_of(s3, bucket).get("slow.jpg")
                    if entry:
                        listed_before_cancel.append(entry)
                except Exception:
                    pass
                time.sleep(0.05)
            eng.cancel([slow_id])

        rec.when(
            lambda e: isinstance(e, PreviewDone) and e.rel_path == "slow.jpg",
            lambda: threading.Thread(target=cancel_when_listed).start(),
        )
        eng.wait(60)
    assert eng.summary().cancelled == 1 and eng.summary().published == 1
    (entry,) = listed_before_cancel
    assert entry["originalKey"] is None and entry["preview"] is not None
    files = manifest_of(s3, bucket)
    assert list(files) == ["keep.jpg"], "a cancelled file is not left listed by its preview"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_photo_edited_mid_upload_gets_the_preview_of_its_new_content(
    tmp_path, bucket, s3, s3_server, previews
):
    folder = tmp_path / "Shoot"
    folder.mkdir()
    photo = folder / "edit.jpg"
    tail = os.urandom(20 * MiB)  # a slow original: multipart at the engine's 5 MiB parts
    photo.write_bytes(jpeg_bytes(marked_image((1600, 1200))) + tail)
    retouched = Image.new("RGB", (1600, 1200), (30, 60, 220))  # all blue now

    def photographer_saves_an_edit() -> None:
        photo.write_bytes(jpeg_bytes(retouched) + tail)
        st = photo.stat()
        os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    rec = Recorder()
    with engine(bucket, s3_server.url, previews=previews, bwlimit=8 * MiB) as eng:
        eng.subscribe(rec)
        rec.when(
            lambda e: isinstance(e, Progress) and e.bytes_done > 6 * MiB, photographer_saves_an_edit
        )
        assert eng.run(requests_from_scan(folder)).published == 1
    entry = manifest_of(s3, bucket)["edit.jpg"]
    assert object_sha256(s3, bucket, entry["originalKey"]) == sha256_file(photo)
    assert entry["sha256"] == sha256_file(photo)
    data = s3.get_object(Bucket=bucket, Key=entry["preview"]["key"])["Body"].read()
    r, _, b = Image.open(io.BytesIO(data)).convert("RGB").getpixel((10, 10))
    assert b > 180 and r < 80, "the preview shows the edit, not the photo before it"
    assert entry["preview"]["key"].split("/")[3] == entry["fileId"]
    assert any("changed" in e.detail for e in rec.of(FileStateChanged)), "it did start over"
    assert rec.of(PreviewDone)[-1].preview_key == entry["preview"]["key"]
