"""The watermark as drawn: text or logo at its place, at its opacity, the rest of
the picture untouched; its tag follows every setting and the logo's bytes; a
tagged rendition's key keeps the tag, however long the name."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from lytsite_desktop.core.keys import MAX_KEY_BYTES, rendition_key
from lytsite_desktop.core.previews.watermark import Mark, apply

GREY = (90, 120, 150)


def changed_box(before: Image.Image, after: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.difference(before, after).getbbox()


@pytest.mark.parametrize("position", ["bottom-right", "top-left", "centre", "top"])
def test_text_goes_where_it_is_told(position):
    photo = Image.new("RGB", (1800, 1200), GREY)
    marked = apply(photo, Mark(text="© Maria Costa", position=position, size=25, opacity=80))
    box = changed_box(photo, marked)
    assert box is not None
    left, top, right, bottom = box
    assert 0.2 * 1800 < right - left <= 0.25 * 1800  # about 25 % of the width
    margin, near = 36, 40  # 3 % of the short side; the letters sit inside their box
    expected = {
        "bottom-right": lambda: (
            1800 - margin - near <= right <= 1800 - margin
            and 1200 - margin - near <= bottom <= 1200 - margin
        ),
        "top-left": lambda: margin <= left <= margin + near and margin <= top <= margin + near,
        "centre": lambda: (
            abs((left + right) / 2 - 900) < near and abs((top + bottom) / 2 - 600) < near
        ),
        "top": lambda: abs((left + right) / 2 - 900) < near and margin <= top <= margin + near,
    }
    assert expected[position](), box
    assert marked.getpixel((900, 600) if position != "centre" else (10, 10)) == GREY


def test_a_logo_at_its_opacity():
    logo = Image.new("RGBA", (200, 100), (255, 0, 0, 255))
    buf = io.BytesIO()
    logo.save(buf, "PNG")
    photo = Image.new("RGB", (1000, 800), (0, 0, 0))
    for opacity in (25, 100):
        marked = apply(photo, Mark(logo=buf.getvalue(), size=20, opacity=opacity))
        left, top, right, bottom = changed_box(photo, marked)
        assert (right - left, bottom - top) == (200, 100)  # 20 % of 1000 px, its own shape
        assert right == 1000 - 24 and bottom == 800 - 24  # 3 % of the short side from the edges
        red = marked.getpixel((left + 100, top + 50))[0]
        assert abs(red - 255 * opacity / 100) <= 2
        assert marked.getpixel((10, 10)) == (0, 0, 0)


def test_the_tag_follows_each_setting_and_the_logo():
    base = Mark(text="© Maria")
    variants = [Mark(text="© Maria Costa"), Mark(text="© Maria", opacity=60),
                Mark(text="© Maria", position="top"), Mark(text="© Maria", size=30),
                Mark(text="© Maria", thumbs=True), Mark(text="© Maria", logo=b"\x89PNG1"),
                Mark(text="© Maria", logo=b"\x89PNG2")]  # fmt: skip
    tags = {m.tag for m in variants}
    assert base.tag == Mark(text="© Maria").tag and len(base.tag) == 8
    assert len(tags) == len(variants) and base.tag not in tags


def test_a_tagged_key_keeps_its_tag():
    assert rendition_key("p", "previews", "ab12", "a/IMG_1.jpg", "webp", "1f3a9c0e") == (
        "projects/p/previews/ab12/IMG_1.1f3a9c0e.webp")  # fmt: skip
    assert rendition_key("p", "thumbs", "ab12", "a/IMG_1.jpg", "webp") == (
        "projects/p/thumbs/ab12/IMG_1.webp")  # fmt: skip
    long = rendition_key("p", "previews", "ab12", "x" * 3000 + ".jpg", "webp", "1f3a9c0e")
    assert long.endswith("xxx.1f3a9c0e.webp") and len(long.encode()) < MAX_KEY_BYTES


def test_a_rendition_made_otherwise_than_by_default_gets_a_tag(tmp_path):
    """A watermark or another size or quality changes a rendition's bytes, so its
    key must change too (browsers keep renditions forever)."""
    from lytsite_desktop.core.config.settings import PreviewSettings, WatermarkSettings
    from lytsite_desktop.core.previews.maker import PreviewMaker

    def tags(watermark=None, **sizes) -> tuple[str, str]:
        maker = PreviewMaker(PreviewSettings(workers=1, **sizes), tmp_path, watermark)
        try:
            return maker.tags(maker.mark_for("p"))
        finally:
            maker.close()

    assert tags() == ("", "")  # the defaults: IMG_0412.webp, as ever
    bigger = tags(size=2400)
    assert bigger[0] and not bigger[1]
    assert tags(thumb_quality=70)[1] and not tags(thumb_quality=70)[0]
    marked = tags(WatermarkSettings(text="© M"))
    assert marked[0] and not marked[1] and marked[0] != bigger[0]
    both = tags(WatermarkSettings(text="© M", thumbs=True))
    assert both[0] and both[1]
    assert tags(WatermarkSettings(text="© M", projects=["other"])) == ("", "")


def test_a_logo_file_is_read_again_only_when_it_changes(tmp_path):
    import os

    from lytsite_desktop.core.config.settings import PreviewSettings, WatermarkSettings
    from lytsite_desktop.core.previews.maker import PreviewMaker

    logo = tmp_path / "logo.png"
    Image.new("RGBA", (40, 20), (255, 0, 0, 255)).save(logo)
    maker = PreviewMaker(PreviewSettings(workers=1), tmp_path / "cache",
                         WatermarkSettings(logo=str(logo)))  # fmt: skip
    try:
        first = maker.mark_for("p")
        assert first is not None and first.logo == logo.read_bytes()
        assert maker.mark_for("p").tag == first.tag
        Image.new("RGBA", (40, 20), (0, 0, 255, 255)).save(logo)
        os.utime(logo, ns=(1, 10**18))  # a later change
        assert maker.mark_for("p").tag != first.tag  # another logo: other previews, other keys
        logo.unlink()
        assert maker.mark_for("p") is None  # no text either: no watermark (said in the log)
    finally:
        maker.close()
