"""One preview job: what goes in, what comes out, and the code that does it.

:func:`render` runs inside a preview worker process; anything it cannot do
becomes a plain-language ``note`` ("no preview: why"), never an exception, so
the original is always published.
"""

from __future__ import annotations

import io
import logging
import os
import re
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from lytsite_desktop.core.ingest.filetypes import Kind

log = logging.getLogger(__name__)

PREVIEW_WEBP, PREVIEW_PDF, THUMB_WEBP = "preview.webp", "preview.pdf", "thumb.webp"


@dataclass(frozen=True)
class RenderJob:
    source: str
    kind: str  # a filetypes.Kind value
    label: str  # "JPEG", "Canon CR3": for messages
    #: Folder the renditions are written to (made by the caller).
    out_dir: str
    size: int
    quality: int
    thumb_size: int
    thumb_quality: int
    max_pixels: int


@dataclass(frozen=True)
class RenditionFile:
    name: str  # file name inside the job's out_dir
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class RenderResult:
    width: int | None = None
    height: int | None = None
    preview: RenditionFile | None = None
    thumb: RenditionFile | None = None
    #: Why there is no preview (empty when there is one).
    note: str = ""
    camera: dict[str, str] | None = None
    #: False when trying again might work (time limit, crash, memory): not cached.
    lasting: bool = True
    #: A picture the decoders could not read (damaged, truncated): a photographer
    #: should look at it, unlike a ZIP that simply has no preview.
    damaged: bool = False
    #: What the library said, for the log only (never shown, never published).
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RenderResult:
        values = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for r in ("preview", "thumb"):
            if isinstance(values.get(r), dict):
                values[r] = RenditionFile(**values[r])
        return cls(**values)


def render(job: RenderJob) -> RenderResult:
    """Make the renditions of one file; never raises for a bad file."""
    try:
        if job.kind == Kind.PDF:
            from lytsite_desktop.core.previews.pdfs import render_pdf

            return render_pdf(job)
        if job.kind in (Kind.IMAGE, Kind.RAW):
            return _render_picture(job)
        return RenderResult(note=f"no preview: {job.label} files have none")
    except MemoryError:
        return RenderResult(note="no preview: it needed more memory than allowed", lasting=False)
    except Exception as exc:  # a decoder bug must cost one preview, not the batch
        log.exception("preview of %s failed", job.source)
        return RenderResult(
            note="no preview: an unexpected error while making it",
            lasting=False,
            detail=f"{type(exc).__name__}: {exc}",
        )


def _render_picture(job: RenderJob) -> RenderResult:
    from PIL import Image, UnidentifiedImageError

    from lytsite_desktop.core.previews.imaging import render_image

    Image.MAX_IMAGE_PIXELS = job.max_pixels
    orientation = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if job.kind == Kind.RAW:
                im, orientation, full = _open_raw(job.source)
            else:
                im, full = Image.open(job.source), None
            with im:
                r = render_image(
                    im,
                    size=job.size,
                    quality=job.quality,
                    thumb_size=job.thumb_size,
                    thumb_quality=job.thumb_quality,
                    orientation=orientation,
                )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return RenderResult(note=_bomb_note(str(exc), job.max_pixels))
    except UnidentifiedImageError as exc:
        return RenderResult(
            note=f"no preview: the {job.label} file could not be read (damaged?)",
            damaged=True,
            detail=str(exc),
        )
    except _NoEmbeddedPreview as exc:
        return RenderResult(note=f"no preview: {exc}")
    except OSError as exc:
        if exc.errno is not None:  # the disk, not the image: worth trying again
            reason = exc.strerror or str(exc)
            return RenderResult(note=f"no preview: cannot read the file ({reason})", lasting=False)
        return _damaged(job, exc)
    except (SyntaxError, ValueError, EOFError) as exc:  # Pillow's "broken file" errors
        return _damaged(job, exc)
    preview = _write(job.out_dir, PREVIEW_WEBP, r.preview)
    thumb = _write(job.out_dir, THUMB_WEBP, r.thumb)
    width, height = full or (r.width, r.height)
    return RenderResult(width, height, preview, thumb, camera=r.camera)


def _damaged(job: RenderJob, exc: BaseException) -> RenderResult:
    """A picture its decoder gave up on: a plain note, the decoder's words in the log."""
    truncated = "truncated" in str(exc).lower() or isinstance(exc, EOFError)
    why = "it is cut short (an incomplete copy?)" if truncated else "it is damaged"
    return RenderResult(
        note=f"no preview: the photo could not be read, {why}",
        damaged=True,
        detail=f"{type(exc).__name__}: {exc}",
    )


def _write(out_dir: str, name: str, enc: Any) -> RenditionFile:
    with open(os.path.join(out_dir, name), "wb") as fh:
        fh.write(enc.data)
    return RenditionFile(name, enc.width, enc.height, len(enc.data))


def _bomb_note(message: str, limit: int) -> str:
    m = re.search(r"\((\d+) pixels\)", message)
    size = f"{int(m.group(1)) / 1e6:,.0f} megapixels" if m else "too many pixels"
    return (
        f"no preview: the image is {size}, above the {limit / 1e6:,.0f} MP safety limit "
        "(a possible decompression bomb)"
    )


class _NoEmbeddedPreview(Exception):
    pass


# libraw's "flip" to the EXIF orientation it stands for.
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


def _open_raw(path: str) -> tuple[Any, int | None, tuple[int, int]]:
    """The camera's embedded JPEG (or bitmap) preview of a raw file."""
    import rawpy
    from PIL import Image

    try:
        with rawpy.imread(path) as raw:
            flip = raw.sizes.flip
            full = (raw.sizes.width, raw.sizes.height)
            thumb = raw.extract_thumb()
    except rawpy.LibRawNoThumbnailError:
        raise _NoEmbeddedPreview("this raw file has no embedded preview") from None
    except (rawpy.LibRawFileUnsupportedError, rawpy.LibRawIOError) as exc:
        raise _NoEmbeddedPreview(f"this raw format is not supported ({exc})") from None
    except rawpy.LibRawError as exc:
        raise _NoEmbeddedPreview(f"the raw file could not be read ({exc})") from None
    orientation = _FLIP_TO_ORIENTATION.get(flip, 1)
    if orientation >= 5:
        full = (full[1], full[0])
    data: Any = thumb.data
    if thumb.format == rawpy.ThumbFormat.JPEG:
        im = Image.open(io.BytesIO(data))
        # The embedded JPEG's own orientation tag, if any, wins over libraw's flip.
        tagged = im.getexif().get(0x0112)
        return im, (None if tagged not in (None, 1) else orientation), full
    return Image.fromarray(data), orientation, full
