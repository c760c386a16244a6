"""The client's page is drawn again after every burst of files, in the window's
process: what it drew from a file is kept while that very entry stays listed,
and the page is the same as one drawn from nothing."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from lytsite_desktop.core.gallery import page
from lytsite_desktop.core.gallery.memo import Memos
from lytsite_desktop.core.gallery.page import render_index
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Manifest
from tests.support.gallery import listed_photo

N = 300


def entry(i: int, folder: str = "Tag 1") -> ManifestEntry:
    return listed_photo(i, f"IMG_{i}.jpg", folder, f"2026-06-14T15:{i // 60 % 60:02d}:{i % 60:02d}")


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The files drawn (figure and data), by name, a fresh memo to start from."""
    monkeypatch.setattr(page, "_DRAWINGS", Memos())
    names: list[str] = []
    real = page._draw

    def counting(e: ManifestEntry, **options: object):
        names.append(e.fileName)
        return real(e, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(page, "_draw", counting)
    return names


def from_nothing(m: Manifest, **options: object) -> str:
    kept = page._DRAWINGS
    page._DRAWINGS = Memos()
    try:
        return render_index(m, **options)  # type: ignore[arg-type]
    finally:
        page._DRAWINGS = kept


def test_a_page_drawn_again_draws_only_the_files_that_changed(drawn):
    m = Manifest("p", {e.path: e for e in map(entry, range(N))}, "2026-12-01T10:00:00+00:00")
    first = render_index(m)
    assert len(drawn) == N and first.count('class="item image"') == N
    drawn.clear()

    m = m.copy()  # the next burst: one new file, one exported again, one taken back
    new = entry(N, folder="Tag 2")
    again = replace(m.files["Tag 1/IMG_7.jpg"], fileId="f" * 16, size=9_000_000)
    m.files[new.path] = new
    m.files[again.path] = again
    del m.files["Tag 1/IMG_8.jpg"]
    second = render_index(m)
    assert sorted(drawn) == ["IMG_300.jpg", "IMG_7.jpg"]
    assert second == from_nothing(m)
    assert 'data-id="ffffffffffffffff"' in second and 'data-id="0000000000000007"' not in second
    assert "IMG_8.jpg" not in second and "<h2>Tag 2</h2>" in second


def test_other_options_draw_anew_and_a_file_no_longer_listed_is_forgotten(drawn):
    m = Manifest("p", {e.path: e for e in map(entry, range(30))}, "2026-12-01T10:00:00+00:00")
    render_index(m)
    drawn.clear()
    elsewhere = render_index(m, originals="https://photos.example.com/projects/p/")
    assert len(drawn) == 30
    assert "https://photos.example.com/projects/p/files/" in elsewhere
    drawn.clear()
    without = render_index(m, originals=None)
    assert len(drawn) == 30 and "files/0000" not in without
    assert without == from_nothing(m, originals=None)

    gone = m.files.pop("Tag 1/IMG_3.jpg")
    render_index(m)
    drawn.clear()
    m.files[gone.path] = gone  # listed again after a drawing without it: drawn again
    again = render_index(m)
    assert drawn == ["IMG_3.jpg"] and again == from_nothing(m)


def test_two_drawings_of_one_page_at_once_each_draw_it_whole(drawn, monkeypatch):
    m = Manifest("p", {e.path: e for e in map(entry, range(40))}, "2026-12-01T10:00:00+00:00")
    render_index(m)
    drawn.clear()
    inside, release = threading.Event(), threading.Event()
    real = page._draw

    def slow(e: ManifestEntry, **options: object):
        if e.fileName == "IMG_40.jpg":
            inside.set()
            release.wait(10)
        return real(e, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(page, "_draw", slow)
    grown = m.copy()
    grown.files["Tag 1/IMG_40.jpg"] = entry(40)
    pages: list[str] = []
    first = threading.Thread(target=lambda: pages.append(render_index(grown)))
    first.start()
    assert inside.wait(10)
    second = render_index(m)  # meanwhile: its memo is lent out, so it starts from nothing
    release.set()
    first.join(10)
    assert second == from_nothing(m) and pages == [from_nothing(grown)]


def test_a_section_that_changes_its_layout_is_drawn_in_its_new_one(drawn):
    """A masonry's folder of three that loses one becomes a row (its figures carry
    their shapes), and one of three again: what was drawn for the other layout is
    not what is shown."""
    files = [entry(i) for i in range(9)] + [entry(i, folder="Tag 2") for i in range(9, 12)]
    m = Manifest("p", {e.path: e for e in files}, "2026-12-01T10:00:00+00:00")
    three = render_index(m)
    assert three.count('<div class="col">') == 6 and 'style="--ar:' not in three
    smaller = m.copy()
    del smaller.files["Tag 2/IMG_11.jpg"]
    two = render_index(smaller)
    assert two == from_nothing(smaller)
    assert two.count('<div class="row">') == 1 and two.count('style="--ar:') == 2
    assert render_index(m) == three == from_nothing(m)
