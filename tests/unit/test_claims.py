"""A file no decoder claims gets its note at once, without a worker; a file any
decoder claims (whatever its name) still goes to one. The workers start with the
first file that wants one, not with the upload."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.ingest.filetypes import Kind, sniff
from lytsite_desktop.core.previews.claims import (
    LOOK_AHEAD,
    first_files_want_workers,
    some_decoder_claims,
)
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.transfer.task import UploadRequest
from tests.support import oddfiles
from tests.support.previews import make

MISNAMED = "no preview: not a picture the app can read, though it is named .jpg"


@pytest.fixture
def maker(tmp_path: Path):
    m = PreviewMaker(PreviewSettings(workers=1, timeout=30), tmp_path / "cache")
    yield m
    m.close()


def unclaimed_files(folder: Path) -> dict[Path, str]:
    """Files no decoder reads, and the note each gets."""
    folder.mkdir()
    noise = folder / "IMG_0001.jpg"  # random bytes named like a photo
    noise.write_bytes(os.urandom(200_000))
    archive = folder / "contract.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("contract.txt", "terms")
    sidecar = folder / "IMG_0001.xmp"
    sidecar.write_text('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta/>\n')
    return {
        noise: MISNAMED,
        archive: "no preview: ZIP files have none",
        sidecar: "no preview: XMP files have none",
    }


def test_a_file_no_decoder_claims_is_answered_without_a_worker(maker, tmp_path):
    for path, note in unclaimed_files(tmp_path / "odd").items():
        assert sniff(str(path)).kind is Kind.OTHER
        assert not some_decoder_claims(str(path)), path.name
        r, preview = make(maker, path)
        assert preview is None and r.note == note, path.name
    assert maker._slots[0].pid is None  # no worker was started for any of them
    assert not any((tmp_path / "cache").rglob("meta.json"))  # nor a cache entry left


def test_every_format_a_decoder_reads_is_claimed_whatever_its_name(tmp_path):
    written = oddfiles.write_every_format(tmp_path / "odd")
    assert {p.suffix for p in written} >= {".tga", ".spi", ".pcx", ".sgi", ".xbm", ".msp"}
    for path in written:
        renamed = path.with_name(path.stem + ".jpg")
        path.rename(renamed)
        assert some_decoder_claims(str(renamed)), path.name


def test_a_picture_named_wrong_still_gets_its_preview(maker, tmp_path):
    scan = tmp_path / "scan.jpg"  # a PCX and a TGA: first bytes the app does not list
    render = tmp_path / "render"
    oddfiles.scene().save(scan, "PCX")
    oddfiles.scene().save(render, "TGA")
    for path in (scan, render):
        assert sniff(str(path)).kind is Kind.OTHER
        r, preview = make(maker, path)
        assert preview is not None and preview.size == (96, 64), (path.name, r.note)
    assert maker._slots[0].pid is not None


def test_an_unreadable_file_is_left_to_a_worker_to_explain(tmp_path):
    gone = tmp_path / "vanished.jpg"
    assert some_decoder_claims(str(gone))  # the worker's result says the file cannot be read


def test_an_iso_media_file_of_an_unlisted_brand_is_claimed(tmp_path):
    odd = tmp_path / "burst.heif"
    odd.write_bytes(b"\x00\x00\x00\x18ftypzzzz" + bytes(200))
    assert sniff(str(odd)).kind is Kind.OTHER
    assert some_decoder_claims(str(odd))  # the workers' HEIF decoder decides


def test_a_publish_starts_its_workers_with_the_first_file_that_wants_one(tmp_path):
    """Every upload started two preview workers and the server they are forked
    from (about 0.2 CPU-s), also when no file turned out to need them: a folder
    of documents, archives or random bytes."""
    odd = unclaimed_files(tmp_path / "odd")
    photo = tmp_path / "odd" / "IMG_0002.jpg"
    oddfiles.scene().save(photo, "JPEG")
    app = App()
    service = PublishingService(app, previews=True)
    try:
        ref = app.ref((tmp_path / "lib").as_uri())
        service.publish([UploadRequest(str(p), p.name, "odd") for p in odd], ref)
        assert service.wait(60)
        maker = service._previews
        assert maker is not None
        assert [slot.pid for slot in maker._slots] == [None, None], "workers started for nothing"
        project = tmp_path / "lib" / "projects" / "odd"
        assert len(list((project / "files").glob("*/*"))) == 3  # published all the same
        service.publish([UploadRequest(str(photo), photo.name, "odd")], ref)
        assert service.wait(60)
        assert all(slot.pid is not None for slot in maker._slots), "both start with the first"
        assert len(list((project / "previews").glob("*/IMG_0002.webp"))) == 1
    finally:
        service.close()
        app.close()


def test_the_command_lines_early_look_finds_photos_among_the_first_files(tmp_path):
    """`upload` starts the workers' server before loading its commands when the
    first files are pictures by their first bytes; otherwise the first file that
    wants a worker starts it."""
    odd = tmp_path / "odd"
    unclaimed_files(odd)
    assert not first_files_want_workers([str(odd)])
    oddfiles.scene().save(odd / "scan.jpg", "PCX")  # claimed only by a decoder's check:
    assert not first_files_want_workers([str(odd)])  # left to its turn
    oddfiles.scene().save(odd / "a.jpg", "JPEG")
    assert first_files_want_workers([str(odd)])
    assert first_files_want_workers([str(tmp_path / "missing"), str(odd / "a.jpg")])
    late = tmp_path / "late"
    late.mkdir()
    for n in range(LOOK_AHEAD):
        (late / f"{n:03}.txt").write_text("notes")
    oddfiles.scene().save(late / "zz.jpg", "JPEG")
    assert not first_files_want_workers([str(late)]), "the look reads a bounded number"
