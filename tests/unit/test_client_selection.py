"""A client's list matched against a project: names per line or comma-separated,
with or without extensions, any case; the page's own header and link ignored."""

from __future__ import annotations

from lytsite_desktop.core.curation.selection import lightroom_filter, match, names_in
from tests.support.gallery import fake_project


def test_names_in_a_pasted_list(tmp_path):
    text = "My selection (3):\n\n• IMG_0001.jpg\nIMG_0002.jpg, img_0003 ;DSC 4.JPG\n\nhttps://a.example/x/"
    assert names_in(text) == ["IMG_0001.jpg", "IMG_0002.jpg", "img_0003", "DSC 4.JPG"]
    entries = list(fake_project(tmp_path, ["IMG_0001.jpg", "a/IMG_0002.jpg", "b/img_0003.jpg",
                                           "DSC 4.jpg", "other.jpg"]).files.values())  # fmt: skip
    m = match(text + "\nnot-here.jpg", entries)
    assert [e.path for e in m.found] == ["IMG_0001.jpg", "a/IMG_0002.jpg", "b/img_0003.jpg",
                                         "DSC 4.jpg"]  # fmt: skip
    assert m.missing == ["not-here.jpg"]
    assert lightroom_filter(m.found) == "IMG_0001, IMG_0002, img_0003, DSC 4"
