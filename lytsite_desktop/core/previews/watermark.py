"""A watermark burned into previews (and thumbnails, if asked) as they are made.

Text or a PNG logo, at one of nine places, as wide as a share of the picture,
at an opacity. Originals are never touched. A watermarked rendition carries a
tag made from the watermark (its words, its logo's bytes, place, size,
opacity): the tag goes into the rendition's key and the preview cache's
variant, so a change of watermark makes new renditions at new addresses (the
old ones go to ``prune``), and a browser never shows a stale one from its cache.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

#: Where the mark goes: (x, y) as fractions of the free space.
POSITIONS = {
    "top-left": (0.0, 0.0), "top": (0.5, 0.0), "top-right": (1.0, 0.0),
    "left": (0.0, 0.5), "centre": (0.5, 0.5), "right": (1.0, 0.5),
    "bottom-left": (0.0, 1.0), "bottom": (0.5, 1.0), "bottom-right": (1.0, 1.0),
}  # fmt: skip
#: Distance from the edges, as a share of the picture's shorter side.
MARGIN = 0.03


@dataclass(frozen=True)
class Mark:
    """A watermark as a preview worker draws it (the logo as bytes: the worker
    needs no file of the photographer's)."""

    text: str = ""
    logo: bytes = b""
    position: str = "bottom-right"
    size: int = 20  # width, percent of the picture's width
    opacity: int = 50  # percent
    thumbs: bool = False

    @property
    def tag(self) -> str:
        """Eight hex digits naming this watermark (in keys and cache variants)."""
        spec = json.dumps([self.text, hashlib.sha256(self.logo).hexdigest(), self.position,
                           self.size, self.opacity, self.thumbs])  # fmt: skip
        return hashlib.sha256(spec.encode()).hexdigest()[:8]


def apply(image: Image.Image, mark: Mark) -> Image.Image:
    """``image`` (RGB) with the mark burned in, as a new image."""
    stamp = _logo(mark, image.width) if mark.logo else _text(mark, image.width)
    if stamp is None:
        return image
    alpha = stamp.getchannel("A").point(lambda a: a * mark.opacity // 100)
    stamp.putalpha(alpha)
    margin = round(MARGIN * min(image.size))
    fx, fy = POSITIONS.get(mark.position, POSITIONS["bottom-right"])
    x = margin + round(fx * max(0, image.width - stamp.width - 2 * margin))
    y = margin + round(fy * max(0, image.height - stamp.height - 2 * margin))
    out = image.convert("RGBA")
    out.alpha_composite(stamp, (x, y))
    return out.convert("RGB")


def _width(mark: Mark, image_width: int) -> int:
    return max(8, round(image_width * max(1, min(mark.size, 100)) / 100))


def _logo(mark: Mark, image_width: int) -> Image.Image | None:
    with Image.open(io.BytesIO(mark.logo)) as opened:
        logo = opened.convert("RGBA")
    width = min(_width(mark, image_width), image_width)
    height = max(1, round(logo.height * width / logo.width))
    return logo.resize((width, height), Image.Resampling.LANCZOS)


def _text(mark: Mark, image_width: int) -> Image.Image | None:
    text = " ".join(mark.text.split())
    if not text:
        return None
    width = _width(mark, image_width)
    probe = ImageFont.load_default(size=100)
    left, top, right, bottom = probe.getbbox(text)
    size = max(6, int(100 * width / max(1, right - left)))
    font = ImageFont.load_default(size=size)
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    pad = max(1, size // 12)
    stamp = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    # White letters with a soft dark edge: readable on light and dark photos.
    draw.text((pad - left, pad - top), text, font=font, fill=(255, 255, 255, 255),
              stroke_width=max(1, size // 24), stroke_fill=(0, 0, 0, 160))  # fmt: skip
    return stamp
