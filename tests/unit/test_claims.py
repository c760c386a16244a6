"""A file no decoder claims gets its note at once, without a worker; a file any
decoder claims (whatever its name) still goes to one."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.ingest.filetypes import Kind, sniff
from lytsite_desktop.core.previews.claims import some_decoder_claims
from lytsite_desktop.core.previews.maker import PreviewMaker
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
