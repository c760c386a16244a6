"""A camera raw's embedded preview: the JPEG (or bitmap) the camera wrote beside
the sensor data, read with libraw. A raw's preview is made from it, and its row in
the window shows it before Publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: libraw's "flip" to the EXIF orientation it stands for.
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


@dataclass(frozen=True)
class Embedded:
    data: Any  # the JPEG's bytes, or an RGB bitmap (a numpy array)
    jpeg: bool
    orientation: int  # as EXIF counts it (1: upright), from the raw's own tags
    full: tuple[int, int]  # the raw's size, upright


def embedded_preview(path: str) -> Embedded:
    """The raw's embedded preview; raises rawpy's errors (none embedded, a format
    libraw does not know, a damaged file)."""
    import rawpy

    with rawpy.imread(path) as raw:
        flip = raw.sizes.flip
        full = (raw.sizes.width, raw.sizes.height)
        thumb = raw.extract_thumb()
    orientation = _FLIP_TO_ORIENTATION.get(flip, 1)
    if orientation >= 5:
        full = (full[1], full[0])
    return Embedded(thumb.data, thumb.format == rawpy.ThumbFormat.JPEG, orientation, full)
