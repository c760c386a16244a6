"""Making a WebP preview and thumbnail of one image with Pillow.

Order matters for speed and correctness: decode small (JPEG DCT scaling, see
:mod:`~lytsite_desktop.core.previews.jpegscale`), resize, and only then turn it
upright (EXIF orientation) and convert its colours to sRGB from the embedded ICC
profile, on the small image. The previews carry nothing from the original's
metadata: no EXIF (so no GPS), no XMP, no maker notes. The original file is only
ever read.

Runs inside a preview worker process (see :mod:`~lytsite_desktop.core.previews.pool`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

from PIL import Image, ImageCms

from lytsite_desktop.core.previews import jpegscale
from lytsite_desktop.core.previews.watermark import Mark
from lytsite_desktop.core.previews.watermark import apply as apply_mark

log = logging.getLogger(__name__)

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
#: Colour transforms built so far, by (profile digest, input mode): building one
#: costs more than applying it to a preview, and a shoot shares one or two profiles.
_TRANSFORMS: dict[tuple[str, str], ImageCms.ImageCmsTransform | None] = {}


@dataclass
class Encoded:
    data: bytes
    width: int
    height: int


@dataclass
class ImageRenditions:
    #: The original's size, upright (after EXIF orientation).
    width: int
    height: int
    preview: Encoded
    thumb: Encoded
    camera: dict[str, str] | None
    color: str  # the thumbnail's average colour, "#rrggbb"


def orientation_of(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(_ORIENTATION, 1))
    except (TypeError, ValueError, SyntaxError):
        return 1
    return value if 1 <= value <= 8 else 1


def render_image(
    im: Image.Image,
    *,
    size: int,
    quality: int,
    thumb_size: int,
    thumb_quality: int,
    orientation: int | None = None,
    mark: Mark | None = None,
) -> ImageRenditions:
    """Preview and thumbnail of an opened (not yet loaded) image. ``orientation``
    overrides the image's own (a raw's embedded preview); ``mark`` is burned into
    the preview (and the thumbnail when it says so)."""
    camera = camera_summary(im)
    icc = im.info.get("icc_profile")
    raw_size = im.size
    small = _reduce(im, size)
    if orientation is None:
        # Read once the image is loaded: some decoders (TIFF) turn the image upright
        # themselves and drop the tag; it must be applied exactly once.
        orientation = orientation_of(im)
    width, height = (raw_size[1], raw_size[0]) if orientation >= 5 else raw_size
    small = _to_8bit(small, icc is not None)
    if orientation in _TRANSPOSE:
        small = small.transpose(_TRANSPOSE[orientation])
    small = _to_srgb(small, icc)
    marked = apply_mark(small, mark) if mark is not None else small
    preview = _encode(marked, quality)
    # A grid thumbnail is 1/4 of the preview: a 2x2 box average first halves the
    # Lanczos work (reducing_gap 1.5) at no visible cost at 480 px.
    thumb_im = _fit(marked if mark is not None and mark.thumbs else small, thumb_size,
                    reducing_gap=1.5)  # fmt: skip
    thumb = _encode(thumb_im, thumb_quality)
    return ImageRenditions(width, height, preview, thumb, camera, average_color(thumb_im))


def average_color(im: Image.Image) -> str:
    """A picture's average colour as "#rrggbb" (what the page shows while it loads)."""
    pixel = cast(
        tuple[int, ...], im.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    )
    return "#" + "".join(f"{c:02x}" for c in pixel[:3])


def _target(w: int, h: int, long_edge: int) -> tuple[int, int]:
    scale = min(1.0, long_edge / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _reduce(im: Image.Image, long_edge: int) -> Image.Image:
    """Decode at the smallest DCT scale still >= the target, bring the mode to one
    the rest of the pipeline knows, then resample."""
    target = _target(*im.size, long_edge)
    if im.format == "JPEG" and target != im.size:
        jpegscale.draft(im, target)
    im.load()
    return _fit(_plain_mode(im), long_edge)


def _plain_mode(im: Image.Image) -> Image.Image:
    """L, LA, RGB, RGBA, CMYK (with a profile), or a high-bit greyscale (I, F) that
    :func:`_to_8bit` scales."""
    mode = im.mode
    keyed = "transparency" in im.info  # a palette's or a colour key's transparency
    if mode in ("P", "PA"):
        return im.convert("RGBA" if keyed or mode == "PA" else "RGB")
    if mode == "1":
        return im.convert("L")
    if mode in ("L", "RGB") and keyed:
        return im.convert("LA" if mode == "L" else "RGBA")
    if mode == "CMYK" and not im.info.get("icc_profile"):
        return im.convert("RGB")
    if mode == "LAB":
        return _lab_to_srgb(im)
    if mode in ("YCbCr", "HSV", "RGBX"):
        return im.convert("RGB")
    if mode in ("RGBa", "La"):
        return im.convert("RGBA" if mode == "RGBa" else "LA")
    if mode.startswith("I;16") or mode == "I":
        return im if mode == "I" else im.convert("I")
    return im


def _lab_to_srgb(im: Image.Image) -> Image.Image:
    lab = ImageCms.createProfile("LAB")
    transform = ImageCms.buildTransform(lab, _SRGB, "LAB", "RGB")
    return ImageCms.applyTransform(im, transform) or im.convert("RGB")


def _fit(im: Image.Image, long_edge: int, reducing_gap: float = 3.0) -> Image.Image:
    """Lanczos to the target size; ``reducing_gap`` lets Pillow average whole pixel
    blocks first where the ratio allows (3.0: no visible difference)."""
    target = _target(*im.size, long_edge)
    if target == im.size:
        return im
    return im.resize(target, Image.Resampling.LANCZOS, reducing_gap=reducing_gap)


#: A high-bit greyscale image without a profile that spans less than this share
#: of its range is stretched to its own darkest and brightest values (scanners and
#: instruments record 10-12 bits, or a narrow band, in 16); one that spans more
#: keeps black and white where they are.
NARROW = 0.25


def _to_8bit(im: Image.Image, has_profile: bool) -> Image.Image:
    """16-bit, 32-bit and float greyscale to 8-bit by scaling (Pillow's convert clips)."""
    if im.mode not in ("I", "F"):
        return im
    extrema = cast(tuple[float, float], im.getextrema())
    lo, hi = float(extrema[0]), float(extrema[1])
    if im.mode == "F" and lo >= 0 and hi <= 1:
        full = (0.0, 1.0)  # normalised
    elif lo >= 0 and hi <= 255:
        full = (0.0, 255.0)  # 8-bit values in a wide mode
    else:
        full = (0.0, 65535.0) if lo >= 0 and hi <= 65535 and im.mode == "I" else (lo, hi)
    if not has_profile and hi > lo and hi - lo < NARROW * (full[1] - full[0]):
        full = (lo, hi)
    low, scale = full[0], 255.0 / max(full[1] - full[0], 1e-12)
    return im.point(lambda v: (v - low) * scale).convert("L")


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Colours converted from the embedded profile to sRGB; alpha kept as is."""
    alpha = None
    if im.mode in ("RGBA", "LA"):
        alpha = im.getchannel("A")
        im = im.convert("RGB" if im.mode == "RGBA" else "L")
    elif im.mode not in ("RGB", "L", "CMYK"):
        im = im.convert("RGB")
    if icc:
        transform = _transform(icc, im.mode)
        if transform is not None:
            im = ImageCms.applyTransform(im, transform) or im
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    if alpha is not None:
        if im.mode == "L":
            im = im.convert("RGB")
        im = im.convert("RGBA")
        im.putalpha(alpha)
    return im


def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    key = (hashlib.sha1(icc).hexdigest(), mode)
    if key in _TRANSFORMS:
        return _TRANSFORMS[key]
    transform = None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space.strip()
        expected = {"RGB": "RGB", "L": "GRAY", "CMYK": "CMYK"}[mode]
        description = ImageCms.getProfileDescription(profile).strip()
        if space != expected:
            log.info("ignoring a %s profile on a %s image", space, mode)
        elif not (mode == "RGB" and description.startswith("sRGB")):
            transform = ImageCms.buildTransform(
                profile,
                _SRGB,
                mode,
                "RGB",
                renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
            )
    except (OSError, ImageCms.PyCMSError, KeyError) as exc:
        log.info("ignoring an unusable ICC profile: %s", exc)
    _TRANSFORMS[key] = transform
    return transform


def _encode(im: Image.Image, quality: int) -> Encoded:
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.mode else "RGB")
    im.info = {}  # nothing of the original's metadata travels
    buf = io.BytesIO()
    im.save(buf, "WEBP", quality=quality, method=4)
    return Encoded(buf.getvalue(), im.width, im.height)


# -- camera summary (for the gallery caption) ---------------------------------------------

_TAGS = {
    "make": 0x010F,
    "model": 0x0110,
}
_EXIF_TAGS = {
    "lens": 0xA434,
    "exposure": 0x829A,
    "aperture": 0x829D,
    "iso": 0x8827,
    "focalLength": 0x920A,
    "takenAt": 0x9003,
}


def camera_summary(im: Image.Image) -> dict[str, str] | None:
    """Camera, lens, exposure and date, as text; never the location."""
    try:
        exif = im.getexif()
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # malformed EXIF is common and never fatal
        return None
    out: dict[str, str] = {}
    for name, tag in _TAGS.items():
        _put(out, name, exif.get(tag))
    for name, tag in _EXIF_TAGS.items():
        _put(out, name, sub.get(tag))
    return out or None


def _put(out: dict[str, str], name: str, value: Any) -> None:
    if value is None or value == "":
        return
    try:
        if name == "exposure":
            f = Fraction(float(value)).limit_denominator(8000)
            text = f"{f.numerator}/{f.denominator} s" if f < 1 else f"{float(f):g} s"
        elif name == "aperture":
            text = f"f/{float(value):.1f}".replace(".0", "")
        elif name == "focalLength":
            text = f"{float(value):g} mm"
        elif name == "takenAt":
            text = str(value).strip().replace(":", "-", 2).replace(" ", "T", 1)
        elif isinstance(value, tuple):
            text = str(value[0])
        else:
            text = str(value).strip("\x00 ").strip()
    except (TypeError, ValueError, ZeroDivisionError):
        return
    if text:
        out[name] = text[:120]
