"""Gallery rules (layout, sections, masonry, captions), the gallery link, the web
page's escaping, the offline store, and downloading an original resumably."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import replace

import pytest

from lytsite_desktop.core.app import gallery_link, validate_public_url
from lytsite_desktop.core.config.settings import DestinationConfig
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.errors import ConfigError, DigestMismatchError, Interrupted
from lytsite_desktop.core.gallery.fetching import fetch_missing
from lytsite_desktop.core.gallery.layout import (
    Layout,
    camera_summary,
    grid_rows,
    layout_for,
    masonry_columns,
    row_height,
    section_layout,
    sections,
)
from lytsite_desktop.core.gallery.originals import download_original
from lytsite_desktop.core.gallery.page import render_index
from lytsite_desktop.core.gallery.projects import (
    MANIFEST_HEAD,
    GalleryStore,
    remote_projects,
    remote_refs,
)
from lytsite_desktop.core.keys import manifest_key
from lytsite_desktop.core.publish import writer as writer_module
from lytsite_desktop.core.publish.manifest import read
from lytsite_desktop.core.publish.writer import ManifestWriter
from tests.support.gallery import fake_project


@pytest.mark.parametrize(
    ("count", "layout"),
    [(0, Layout.EMPTY), (1, Layout.SINGLE), (2, Layout.GRID), (6, Layout.GRID),
     (7, Layout.MASONRY), (20, Layout.MASONRY), (21, Layout.THUMBS), (2000, Layout.THUMBS)],
)  # fmt: skip
def test_layout_by_count(count, layout):
    assert layout_for(count) is layout


def test_a_few_files_go_in_rows_as_high_as_their_shapes_allow():
    assert [grid_rows(n) for n in range(7)] == [[], [1], [2], [3], [2, 2], [3, 2], [3, 3]]
    # a portrait and a landscape filling 1010 px, 10 apart: 1000 / (2/3 + 3/2) high
    assert row_height([2 / 3, 3 / 2], 1010, 10, 800) == pytest.approx(461.5, abs=0.1)
    assert row_height([2 / 3, 2 / 3], 1010, 10, 600) == 600  # no taller than asked
    assert row_height([], 1010, 10, 600) == 0


def test_a_masonrys_section_of_fewer_files_than_columns_is_a_row():
    assert [section_layout(Layout.MASONRY, n) for n in (1, 2, 3, 12)] == [
        Layout.GRID, Layout.GRID, Layout.MASONRY, Layout.MASONRY]  # fmt: skip
    assert section_layout(Layout.THUMBS, 1) is Layout.THUMBS  # a contact sheet stays one
    assert section_layout(Layout.GRID, 1) is Layout.GRID


def test_the_page_counts_as_photos_only_what_it_shows_as_photos(tmp_path):
    """A film the app could not read, published without a preview, was "1 photo"."""
    m = fake_project(tmp_path, ["IMG_1.jpg", "IMG_2.jpg", "film.mov", "album.zip"])
    for path, ctype in (("film.mov", "video/quicktime"), ("album.zip", "application/zip")):
        m.files[path] = replace(m.files[path], contentType=ctype, preview=None, thumb=None)
    assert '<p class="meta">2 photos · 2 other files</p>' in render_index(m)
    m.files = {p: e for p, e in m.files.items() if p == "film.mov"}
    assert '<p class="meta">1 other file</p>' in render_index(m)


def test_the_gallery_tab_has_the_pages_sections(tmp_path):
    """The page gathers videos and documents in sections of their own after the
    photos; the Gallery tab, "laid out as your client's web page will be", left
    them among their folder's photos."""
    m = fake_project(tmp_path, ["ceremony/a.jpg", "ceremony/film.mov", "ceremony/b.jpg",
                                "contract.pdf", "album.zip"])  # fmt: skip
    film = m.files["ceremony/film.mov"]
    assert film.preview is not None
    m.files["ceremony/film.mov"] = replace(
        film, contentType="video/quicktime",
        preview=replace(film.preview, key=film.preview.key.replace(".webp", ".mp4")),
    )  # fmt: skip
    m.files["contract.pdf"] = replace(m.files["contract.pdf"], contentType="application/pdf")
    m.files["album.zip"] = replace(m.files["album.zip"], contentType="application/zip",
                                   preview=None, thumb=None)  # fmt: skip
    items = GalleryStore(tmp_path / "cache").items("file:///lib", m)
    shown = [(title, [i.entry.path for i in group]) for title, group in items]
    assert shown == [
        ("", ["album.zip"]), ("ceremony", ["ceremony/a.jpg", "ceremony/b.jpg"]),
        ("Videos", ["ceremony/film.mov"]), ("Documents", ["contract.pdf"]),
    ]  # fmt: skip


def test_sections_top_level_first_then_folders_in_natural_order(tmp_path):
    m = fake_project(
        tmp_path, ["b/IMG_10.jpg", "IMG_2.jpg", "b/IMG_9.jpg", "a/x.jpg", "IMG_10.jpg"]
    )
    got = [(s.title, [e.fileName for e in s.entries]) for s in sections(list(m.files.values()))]
    assert got == [("", ["IMG_2.jpg", "IMG_10.jpg"]), ("a", ["x.jpg"]),
                   ("b", ["IMG_9.jpg", "IMG_10.jpg"])]  # fmt: skip


def test_masonry_puts_each_item_in_the_shortest_column():
    # a tall first picture: the next two go to the other column
    assert masonry_columns([2.0, 0.5, 0.5, 0.5], 2) == [[0], [1, 2, 3]]
    assert masonry_columns([1.0] * 6, 3) == [[0, 3], [1, 4], [2, 5]]


def test_caption_has_camera_lens_exposure_date_and_never_a_location(tmp_path):
    [e] = fake_project(tmp_path, ["a.jpg"]).files.values()
    e = replace(e, camera={"make": "Canon", "model": "Canon EOS R5", "lens": "RF50mm F1.2L",
                           "exposure": "1/250 s", "aperture": "f/2.8", "iso": "400",
                           "takenAt": "2026-06-14T15:02:11"})  # fmt: skip
    assert camera_summary(e) == (
        "Canon EOS R5 · RF50mm F1.2L · 1/250 s · f/2.8 · ISO 400 · 2026-06-14 15:02"
    )


def test_gallery_links(tmp_path):
    url = "s3://photos/studio?endpoint=https://a.r2.cloudflarestorage.com"
    r2 = DestinationConfig("r2", url, public_url=validate_public_url("https://photos.example.com"))
    assert gallery_link(r2, "s3://photos/studio", "ana & joão") == (
        "https://photos.example.com/studio/projects/ana%20%26%20jo%C3%A3o/index.html"
    )
    assert gallery_link(DestinationConfig("x", "s3://b?endpoint=https://e"), "s3://b", "p") is None
    assert gallery_link(None, "file:///home/me/library", "p") == (
        "file:///home/me/library/projects/p/index.html"
    )
    with pytest.raises(ConfigError, match="https://"):
        validate_public_url("photos.example.com")


def test_every_name_is_escaped_in_the_page(tmp_path):
    evil = '"><svg onload=alert(1)>.jpg'
    html = render_index(fake_project(tmp_path, [evil, "<i>/a.jpg"], project="p"))
    assert "<svg" not in html and "<i>" not in html
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;.jpg" in html and "<h2>&lt;i&gt;</h2>" in html


def test_pages_are_published_on_flush_not_on_every_manifest_write(tmp_path):
    m = fake_project(tmp_path / "src", ["a.jpg", "b.jpg"])
    pages, copies = [], []
    dest = LocalDestination(tmp_path / "bucket")
    writer = ManifestWriter(dest, min_interval=0.0,
                            pages=lambda mm, new: pages.append(len(mm.files)),
                            written=lambda mm, data: copies.append(data))  # fmt: skip
    try:
        for e in m.files.values():
            writer.put("shoot", e)
        writer.put("shoot", m.files["a.jpg"])
        deadline = time.monotonic() + 5
        while not copies and time.monotonic() < deadline:
            time.sleep(0.01)
        assert copies and pages == []  # written, but no page yet
        assert writer.flush(5)
        assert pages == [2]
        assert writer.flush(5) and pages == [2]  # nothing new: no page again
    finally:
        writer.close()


def test_while_writes_keep_coming_the_page_goes_up_on_its_timer(tmp_path, monkeypatch):
    """A long batch: completions arrive every 10 ms, so there is always a manifest
    write to make when the writer looks (the page waited for a pause that never
    came); the page still goes up when its time comes (0.3 s, shortened here),
    then after twice the wait, not with every write."""
    monkeypatch.setattr(writer_module, "FIRST_PAGE", 0.3)
    m = fake_project(tmp_path / "src", [f"{i}.jpg" for i in range(30)])
    pages: list[float] = []
    dest = LocalDestination(tmp_path / "bucket")
    writer = ManifestWriter(dest, min_interval=0.05,
                            pages=lambda mm, new: pages.append(time.monotonic()))  # fmt: skip
    try:
        start = time.monotonic()
        entries = list(m.files.values())
        for i in range(300):  # 3 s of completions
            writer.put("shoot", entries[i % len(entries)])
            time.sleep(0.01)
        during = [t - start for t in pages]
        assert writer.flush(5)
    finally:
        writer.close()
    assert 2 <= len(during) <= 5, during  # at about 0.3, 0.9, 2.1 s: not once a write
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), gaps
    assert len(pages) == len(during) + 1  # and the whole batch's page at the end


def test_a_page_on_its_timer_leaves_the_write_that_was_due(tmp_path, monkeypatch):
    """Found by a fresh clone's run (a batch that never ended): a page going up on
    its timer while a manifest write was due dropped that write's turn, and the
    files it listed were never written."""
    monkeypatch.setattr(writer_module, "FIRST_PAGE", 0.0)
    m = fake_project(tmp_path / "src", ["a.jpg", "b.jpg"])
    dest = LocalDestination(tmp_path / "bucket")
    wrote = threading.Event()
    writer = ManifestWriter(dest, min_interval=0.3, pages=lambda mm, new: None,
                            written=lambda mm, data: wrote.set())  # fmt: skip
    try:
        writer.put("shoot", m.files["a.jpg"])
        assert wrote.wait(5)  # a is listed; its page is due at once; the writer gathers
        writer.put("shoot", m.files["b.jpg"])  # due while the page is
        assert writer.flush(5)
    finally:
        writer.close()
    assert sorted(read(dest, "shoot").manifest.files) == ["a.jpg", "b.jpg"]


def test_store_finds_renditions_made_here_or_fetched(tmp_path):
    bucket = tmp_path / "bucket"
    m = fake_project(bucket, ["a.jpg", "b.jpg"])
    store = GalleryStore(tmp_path / "cache")
    dest = LocalDestination(bucket)
    a, b = m.files["a.jpg"], m.files["b.jpg"]
    assert store.local(dest.ident, "shoot", a, "thumb") is None
    report = fetch_missing(store, dest, m)
    assert report.fetched == 4 and report.offline is None
    path = store.local(dest.ident, "shoot", b, "preview")
    assert path is not None and path.read_bytes() == (bucket / b.preview.key).read_bytes()
    assert fetch_missing(store, dest, m).fetched == 0  # nothing missing now
    assert remote_projects(dest) == ["shoot"]


def test_a_buckets_project_is_titled_from_the_head_of_its_manifest(tmp_path):
    """A new computer listed a bucket's projects by their names ("shoot") until one
    was opened; each is now titled from the first 4 KiB of its manifest."""
    bucket = tmp_path / "bucket"
    m = fake_project(bucket, [f"ceremony/IMG_{i:04}.jpg" for i in range(400)])
    m.title = 'Ana & João — "the" Wedding'
    (bucket / manifest_key("shoot")).write_bytes(m.to_json())
    assert len(m.to_json()) > 10 * MANIFEST_HEAD  # only its head is read
    untitled = fake_project(bucket, ["a.jpg"], project="untitled")
    (bucket / manifest_key("untitled")).write_bytes(untitled.to_json())
    (bucket / "projects" / "empty").mkdir()  # a folder without a manifest
    dest = LocalDestination(bucket)
    refs = {r.project: r for r in remote_refs(dest, set())}
    assert refs["shoot"].title == 'Ana & João — "the" Wedding'
    assert refs["shoot"].updated == m.updated_at
    assert refs["untitled"].title is None and refs["empty"].title is None
    assert set(refs) == {"shoot", "untitled", "empty"}
    assert [r.project for r in remote_refs(dest, {(dest.ident, "shoot")})] == ["empty", "untitled"]


def test_an_original_download_resumes_and_is_verified(tmp_path):
    bucket = tmp_path / "bucket"
    [e] = fake_project(bucket, ["a.jpg"]).files.values()
    dest = LocalDestination(bucket)
    target = tmp_path / "dl" / "a.jpg"
    seen: list[int] = []

    def stop_after_first_chunk() -> bool:
        return True

    # a first try stopped after its first chunk leaves a .part ...
    big = bucket / e.originalKey
    big.write_bytes(big.read_bytes() + b"\0" * 3_000_000)
    e = replace(e, size=big.stat().st_size, sha256=hashlib.sha256(big.read_bytes()).hexdigest())
    with pytest.raises(Interrupted):
        download_original(dest, e, target, should_stop=stop_after_first_chunk)
    part = target.with_name("a.jpg.part")
    assert 0 < part.stat().st_size < e.size and not target.exists()
    # ... which the next try continues from where it stopped
    download_original(dest, e, target, progress=lambda done, total: seen.append(done))
    assert seen[0] == 1024 * 1024 and target.read_bytes() == big.read_bytes()
    assert not part.exists()
    # a download that does not match the manifest's hash is refused and not kept
    e = replace(e, sha256="0" * 64)
    with pytest.raises(DigestMismatchError):
        download_original(dest, e, tmp_path / "dl" / "b.jpg")
    assert (
        not (tmp_path / "dl" / "b.jpg").exists() and not (tmp_path / "dl" / "b.jpg.part").exists()
    )
