"""Moving a file earlier or later in the gallery: among the files of its section
(its folder, the videos, the documents), as the page shows them."""

from __future__ import annotations

from lytsite_desktop.core.curation.edits import can_move, move
from lytsite_desktop.core.gallery.layout import page_sections
from lytsite_desktop.core.publish.manifest import Manifest, apply
from tests.support.gallery import fake_project


def shown(m: Manifest) -> list[list[str]]:
    return [[e.path for e in s.entries] for s in page_sections(list(m.files.values()), m.order)]


def test_a_file_moves_among_its_sections_files(tmp_path):
    m = fake_project(tmp_path, ["a.jpg", "b.jpg", "ceremony/c.jpg", "ceremony/d.jpg"])
    assert shown(m) == [["a.jpg", "b.jpg"], ["ceremony/c.jpg", "ceremony/d.jpg"]]
    apply(m, [move("b.jpg", -1)])
    assert shown(m) == [["b.jpg", "a.jpg"], ["ceremony/c.jpg", "ceremony/d.jpg"]]
    apply(m, [move("ceremony/c.jpg", 1)])
    assert shown(m) == [["b.jpg", "a.jpg"], ["ceremony/d.jpg", "ceremony/c.jpg"]]


def test_the_first_of_a_section_does_not_go_earlier_nor_the_last_later(tmp_path):
    """The menu offered "Move earlier" on a section's first photo, wrote the
    manifest and said "moved earlier": it went into the folder before it, in the
    order, where the page does not show it."""
    m = fake_project(tmp_path, ["a.jpg", "b.jpg", "ceremony/c.jpg", "ceremony/d.jpg"])
    assert not can_move(m, "ceremony/c.jpg", -1) and not can_move(m, "b.jpg", 1)
    assert not can_move(m, "a.jpg", -1) and not can_move(m, "ceremony/d.jpg", 1)
    assert can_move(m, "ceremony/c.jpg", 1) and can_move(m, "b.jpg", -1)
    before = list(m.order or [])
    apply(m, [move("ceremony/c.jpg", -1), move("b.jpg", 1)])
    assert list(m.order or []) == before
    assert shown(m) == [["a.jpg", "b.jpg"], ["ceremony/c.jpg", "ceremony/d.jpg"]]
