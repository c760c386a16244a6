"""Pictures the window decodes itself, turned as the previews are."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps
from PySide6.QtGui import QImage

from lytsite_desktop.gui.images import upright
from tests.support.images import exif_with


def _stored() -> Image.Image:
    """A small picture no turn or mirror maps onto itself: four coloured corners."""
    im = Image.new("RGB", (6, 4), (20, 160, 40))
    im.putpixel((0, 0), (230, 20, 20))
    im.putpixel((5, 0), (20, 20, 230))
    im.putpixel((0, 3), (230, 230, 20))
    return im


@pytest.mark.parametrize("orientation", range(1, 9))
def test_upright_turns_a_picture_as_pillow_does_for_the_preview(orientation):
    stored = _stored()
    buf = io.BytesIO()
    stored.save(buf, "PNG", exif=exif_with(orientation))
    want = ImageOps.exif_transpose(Image.open(io.BytesIO(buf.getvalue()))).convert("RGB")
    qimage = QImage.fromData(buf.getvalue(), "PNG").convertToFormat(QImage.Format.Format_RGB888)
    got = upright(qimage, orientation)
    assert (got.width(), got.height()) == want.size
    for x in range(want.width):
        for y in range(want.height):
            c = got.pixelColor(x, y)
            assert (c.red(), c.green(), c.blue()) == want.getpixel((x, y)), (x, y)


def test_an_unknown_orientation_leaves_the_picture_as_stored():
    qimage = QImage(6, 4, QImage.Format.Format_RGB888)
    assert upright(qimage, 0) is qimage and upright(qimage, 9) is qimage
