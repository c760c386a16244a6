"""Scanning dropped folders: loops, FIFOs, clutter, NFC/NFD names, collisions, key limits."""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path

import pytest

from lytsite_desktop.core.ingest.filetypes import Kind, classify
from lytsite_desktop.core.ingest.scan import ScanItem, ScanProblem, scan
from lytsite_desktop.core.keys import MAX_KEY_BYTES, MAX_PREFIX_BYTES, original_key, rendition_key


def items(paths: list[str]) -> list[ScanItem]:
    return [i for i in scan(paths) if isinstance(i, ScanItem)]


def test_symlink_loop_fifo_and_clutter(tmp_path):
    root = tmp_path / "Wedding 2026"
    (root / "day1").mkdir(parents=True)
    (root / "day1" / "a.jpg").write_bytes(b"a")
    (root / "b.jpg").write_bytes(b"b")
    (root / "day1" / "loop").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.jpg")
    for clutter in (".DS_Store", "Thumbs.db", "desktop.ini", "._b.jpg"):
        (root / clutter).write_bytes(b"x")
    (root / ".git").mkdir()
    (root / ".git" / "c.jpg").write_bytes(b"c")

    found: list[ScanItem] = []
    t = threading.Thread(target=lambda: found.extend(items([str(root)])), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "the scan blocked (on the FIFO or in the loop)"
    assert sorted(i.rel_path for i in found) == ["b.jpg", "day1/a.jpg"]
    assert {i.project for i in found} == {"wedding-2026"}


def test_nfd_and_nfc_names_are_told_apart(tmp_path):
    root = tmp_path / "Cafe"
    root.mkdir()
    nfc = unicodedata.normalize("NFC", "café.jpg")
    nfd = unicodedata.normalize("NFD", "café.jpg")
    assert nfc != nfd
    (root / nfc).write_bytes(b"composed")
    (root / nfd).write_bytes(b"decomposed")
    (root / unicodedata.normalize("NFD", "Ångström.png")).write_bytes(b"x")
    found = items([str(root)])
    rel = sorted(i.rel_path for i in found)
    assert rel == sorted([nfc, "café (2).jpg", "Ångström.png"])
    assert all(unicodedata.is_normalized("NFC", r) for r in rel)
    renamed = [i for i in found if i.renamed_from]
    assert len(renamed) == 1 and renamed[0].renamed_from == nfc
    sources = {Path(i.source).read_bytes() for i in found if i.rel_path.startswith("caf")}
    assert sources == {b"composed", b"decomposed"}, "both files kept, neither lost"


def test_two_dropped_folders_with_the_same_name(tmp_path):
    for side in ("x", "y"):
        folder = tmp_path / side / "Shoot"
        folder.mkdir(parents=True)
        (folder / "IMG_1.jpg").write_bytes(side.encode())
    found = items([str(tmp_path / "x" / "Shoot"), str(tmp_path / "y" / "Shoot")])
    assert sorted(i.rel_path for i in found) == ["IMG_1 (2).jpg", "IMG_1.jpg"]


def test_vanished_and_special_paths_are_reported(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    problems = [p for p in scan([str(tmp_path / "gone"), str(tmp_path / "fifo")])]
    assert all(isinstance(p, ScanProblem) for p in problems) and len(problems) == 2
    assert "not a regular file" in problems[1].reason


def test_scan_streams(tmp_path):
    root = tmp_path / "big"
    for i in range(50):
        (root / f"d{i:02}").mkdir(parents=True)
        (root / f"d{i:02}" / "x.jpg").write_bytes(b"x")
    it = scan([str(root)])
    first = next(it)
    assert isinstance(first, ScanItem) and first.rel_path == "d00/x.jpg"
    assert len(list(it)) == 49


def test_keys_stay_under_the_limit():
    long_name = "é" * 300 + ".jpg"  # 604 bytes
    key = original_key("p", "0123456789abcdef", "folder/" + long_name)
    assert len(key.encode()) <= MAX_KEY_BYTES - MAX_PREFIX_BYTES
    assert key.endswith(".jpg") and key.startswith("projects/p/files/0123456789abcdef/é")
    key.encode().decode()  # cut at a character boundary
    thumb = rendition_key("p", "thumbs", "0123456789abcdef", long_name, "webp")
    assert thumb.endswith(".webp") and len(thumb.encode()) <= MAX_KEY_BYTES - MAX_PREFIX_BYTES
    assert original_key("p", "f", "a/b.jpg") == "projects/p/files/f/b.jpg"


@pytest.mark.parametrize(
    "head,name,kind,label",
    [
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "IMG_0001", Kind.IMAGE, "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "photo.jpg", Kind.IMAGE, "PNG"),
        (b"\0\0\0\x18ftypheic\0\0\0\0", "x.heic", Kind.IMAGE, "HEIF"),
        (b"\0\0\0\x18ftypcrx \0\0\0\0", "x.cr3", Kind.RAW, "Canon CR3"),
        (b"II*\0\x10\0\0\0CR\x02\0", "x.cr2", Kind.RAW, "Canon CR2"),
        (b"II*\0\x08\0\0\0", "x.nef", Kind.RAW, "Nikon NEF"),
        (b"II*\0\x08\0\0\0", "scan.tif", Kind.IMAGE, "TIFF"),
        (b"FUJIFILMCCD-RAW 0201", "x.raf", Kind.RAW, "Fujifilm RAF"),
        (b"IIRO\x08\0\0\0", "x.orf", Kind.RAW, "Olympus ORF"),
        (b"%PDF-1.7\n", "doc", Kind.PDF, "PDF"),
        (b"\0\0\0\x20ftypisom\0\0\0\0", "clip.mp4", Kind.VIDEO, "video"),
        (b"\0\0\0\x14ftypqt  \0\0\0\0", "clip.mov", Kind.VIDEO, "video"),
        (b"PK\x03\x04", "album.zip", Kind.OTHER, "ZIP"),
        (b"hello", "fake.jpg", Kind.OTHER, "JPG"),
    ],
)
def test_types_recognised_by_content(head, name, kind, label):
    ftype = classify(head, name)
    assert (ftype.kind, ftype.label) == (kind, label)
