"""A photo whose preview fits in 3/8 of it is decoded at 3/8, not 1/2: the resize
then reads 40% fewer pixels, and the preview is as close to a full-size Lanczos."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image, ImageChops, ImageStat

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.previews import jpegscale
from lytsite_desktop.core.previews.imaging import render_image
from lytsite_desktop.core.previews.maker import PreviewMaker
from tests.support.images import jpeg_bytes, marked_image, scene
from tests.support.previews import make

SIZE = (1600, 1000)


@pytest.fixture(scope="module")
def photo() -> bytes:
    return jpeg_bytes(scene(SIZE, seed=3))


def decoded(data: bytes, target: tuple[int, int]) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        jpegscale.draft(im, target)
        im.load()
        return im.size


def test_the_decode_is_the_smallest_scale_that_covers_the_preview(photo):
    assert jpegscale.decodes_at_three_eighths()  # Pillow's wheels: libjpeg-turbo
    assert decoded(photo, (600, 375)) == (600, 375)  # 3/8 (Pillow's draft: 1/2)
    assert decoded(photo, (650, 406)) == (800, 500)  # 3/8 is too small: 1/2
    assert decoded(photo, (400, 250)) == (400, 250)  # 1/4, as Pillow's draft
    assert decoded(photo, (1000, 625)) == SIZE  # less than half: the whole picture


def test_without_three_eighths_it_is_pillows_draft(photo, monkeypatch):
    monkeypatch.setattr(jpegscale, "decodes_at_three_eighths", lambda: False)
    assert decoded(photo, (600, 375)) == (800, 500)


def psnr(a: Image.Image, b: Image.Image) -> float:
    rms = ImageStat.Stat(ImageChops.difference(a, b)).rms
    return 10 * math.log10(255**2 / (sum(x * x for x in rms) / len(rms)))


def test_the_preview_is_as_close_to_a_full_size_resize_as_from_a_half_decode(photo, monkeypatch):
    """A decode misplaced by a row or a column would be tens of dB off."""
    reference = Image.open(io.BytesIO(photo)).resize((600, 375), Image.Resampling.LANCZOS)

    def preview() -> Image.Image:
        made = render_image(Image.open(io.BytesIO(photo)), size=600, quality=95,
                            thumb_size=150, thumb_quality=80)  # fmt: skip
        return Image.open(io.BytesIO(made.preview.data)).convert("RGB")

    eighths = preview()
    monkeypatch.setattr(jpegscale, "decodes_at_three_eighths", lambda: False)
    halves = preview()
    assert eighths.size == halves.size == (600, 375)
    assert psnr(eighths, reference) >= psnr(halves, reference) - 0.5
    assert psnr(eighths, reference) > 35


def test_a_big_photo_cut_short_is_still_said_to_be(tmp_path):
    """Decoded at 3/8, a truncated JPEG still gets the note that says so."""
    src = tmp_path / "cut.jpg"
    src.write_bytes(jpeg_bytes(marked_image((4800, 3200)))[:6000])
    maker = PreviewMaker(PreviewSettings(workers=1, timeout=30), tmp_path / "cache")
    try:
        r, preview = make(maker, src)
    finally:
        maker.close()
    assert preview is None and r.damaged
    assert r.note.endswith("it is cut short (an incomplete copy?)"), r.note
