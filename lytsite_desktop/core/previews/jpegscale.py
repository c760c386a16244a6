"""Decoding a JPEG small: libjpeg scales a decode by eighths, Pillow asks for halves.

A JPEG can be decoded straight to a fraction of its size (the scaled inverse DCT:
each 8 x 8 block becomes M x M pixels), which is most of why a preview of a big
photo is quick. Pillow's ``draft`` asks for 1/2, 1/4 or 1/8 only. For the most
common photo, 24 MP (6000 x 4000), and a 1800 px preview, that is 3000 px wide,
and the Lanczos resize from there is the largest part of a preview's work after
the WebP encoding. libjpeg also decodes at 3/8: 2250 px, still above the preview,
with 40% fewer pixels for the resize to read (about 30 ms a photo of 300, here).

Pillow passes its scale to libjpeg as a denominator, which libjpeg rounds up to
the next eighth: asking for 1/3 gets 3/8. That is Pillow's own ``draft`` with
another number, so this sets what ``draft`` sets; where the C library does not
decode at 3/8 (checked once, on a tiny picture), or Pillow changes, it is
Pillow's ``draft`` as before.
"""

from __future__ import annotations

import io
import logging
from functools import cache

from PIL import Image, ImageFile

log = logging.getLogger(__name__)

#: 3/8, as Pillow asks libjpeg for it (scale_num 1, scale_denom 3).
_DENOMINATOR = 3


def draft(im: Image.Image, target: tuple[int, int]) -> None:
    """Have the opened, not yet loaded JPEG ``im`` decode at the smallest scale that
    still covers ``target`` (width, height)."""
    if not _at_three_eighths(im, target):
        im.draft(im.mode, target)


def _eighths(size: tuple[int, int]) -> tuple[int, int]:
    """A decode's size at 3/8 (libjpeg rounds up)."""
    return -(-size[0] * 3 // 8), -(-size[1] * 3 // 8)


def _at_three_eighths(im: Image.Image, target: tuple[int, int]) -> bool:
    """Set ``im`` to decode at 3/8 where that is smaller than Pillow's choice (1/2)
    and still covers ``target``; False (nothing set) otherwise."""
    if not isinstance(im, ImageFile.ImageFile):
        return False
    w, h = _eighths(im.size)
    halves = min(im.size[0] // target[0], im.size[1] // target[1])
    if halves not in (2, 3) or w < target[0] or h < target[1]:
        return False  # Pillow's draft: full size, or 1/4 and smaller
    if len(im.tile) != 1 or im.decoderconfig or not decodes_at_three_eighths():
        return False
    _set_scale(im)
    return True


def _set_scale(im: ImageFile.ImageFile) -> None:
    """What Pillow's ``draft`` sets (the tile's extent, the size, the decoder's
    scale), for 3/8."""
    tile = im.tile[0]
    left, top = tile.extents[:2] if tile.extents else (0, 0)
    w, h = _eighths(im.size)
    im.tile = [tile._replace(extents=(left, top, left + w, top + h))]
    im._size = (w, h)
    im.decoderconfig = (_DENOMINATOR, 0)


@cache
def decodes_at_three_eighths() -> bool:
    """Does this libjpeg decode a 16 x 16 picture at 3/8 (6 x 6)? (libjpeg-turbo,
    as in Pillow's wheels, and IJG libjpeg 7 and later do; 6b decodes at 1/2.)"""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 40)).save(buf, "JPEG")
    try:
        with Image.open(buf) as im:
            assert isinstance(im, ImageFile.ImageFile)
            _set_scale(im)
            im.load()
            return im.size == (6, 6)
    except Exception:  # any failure: Pillow's own draft then
        log.info("JPEG decoding at 3/8 is not available here", exc_info=True)
        return False
