"""One preview job: what goes in, what comes out, and the code that does it.

:func:`render` runs inside a preview worker process; anything it cannot do
becomes a plain-language ``note`` ("no preview: why"), never an exception, so
the original is always published.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from lytsite_desktop.core.ingest.filetypes import JPEG_XL, Kind
from lytsite_desktop.core.keys import content_type as guess_content_type
from lytsite_desktop.core.previews import notes

if TYPE_CHECKING:
    from lytsite_desktop.core.previews.watermark import Mark

log = logging.getLogger(__name__)

PREVIEW_WEBP, PREVIEW_PDF, THUMB_WEBP = "preview.webp", "preview.pdf", "thumb.webp"
PREVIEW_MP4 = "preview.mp4"


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
    #: Named like a picture (.jpg, .psd ...): if no decoder reads it, say so.
    misnamed: bool = False
    #: Burned into a picture's preview (and thumbnail, if it says so).
    watermark: Mark | None = None
    #: Put into the renditions' keys when they differ from the defaults' (a
    #: watermark, another size or quality): see PreviewMaker.tags.
    preview_tag: str = ""
    thumb_tag: str = ""


@dataclass(frozen=True)
class RenditionFile:
    name: str  # file name inside the job's out_dir
    width: int
    height: int
    size: int
    #: Goes into the rendition's key: set when its bytes differ from what the
    #: default settings make (a watermark, another size), so its key changes too.
    tag: str = ""


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
    #: A video's length in seconds.
    duration: float | None = None
    #: The thumbnail's average colour ("#rrggbb"): the page's placeholder while
    #: the image loads.
    color: str | None = None
    #: The preview carries a watermark.
    watermarked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RenderResult:
        values = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for r in ("preview", "thumb"):
            if isinstance(values.get(r), dict):
                values[r] = RenditionFile(**values[r])
        return cls(**values)


def render(job: RenderJob, tick: Callable[[], None] = lambda: None) -> RenderResult:
    """Make the renditions of one file; never raises for a bad file. ``tick()`` says
    a long job (a video) is still moving."""
    result = _render(job, tick)
    if result.thumb is not None:
        # A photo's comes with its renditions; a PDF's or a video's from its thumbnail.
        color = result.color or average_color(os.path.join(job.out_dir, result.thumb.name))
        result = replace(result, color=color, thumb=replace(result.thumb, tag=job.thumb_tag))
    if result.preview is not None and result.preview.name == PREVIEW_WEBP:
        preview = replace(result.preview, tag=job.preview_tag)
        result = replace(result, preview=preview, watermarked=job.watermark is not None)
    return result


def warm_up() -> None:
    """Load what a photo's renditions need (Pillow, its JPEG and WebP codecs) before
    the first job, so the first photo renders as fast as the rest."""
    from PIL import Image, JpegImagePlugin, WebPImagePlugin  # noqa: F401

    from lytsite_desktop.core.previews import imaging  # noqa: F401

    Image.preinit()
    Image.new("RGB", (16, 16)).save(io.BytesIO(), "WEBP", quality=50)


def average_color(path: str) -> str | None:
    """A picture's average colour as "#rrggbb" (None when it cannot be read)."""
    from PIL import Image

    from lytsite_desktop.core.previews import imaging

    try:
        with Image.open(path) as im:
            im.draft("RGB", (64, 64))
            return imaging.average_color(im)
    except (OSError, ValueError):
        return None


def _render(job: RenderJob, tick: Callable[[], None]) -> RenderResult:
    try:
        if job.kind == Kind.PDF:
            from lytsite_desktop.core.previews.pdfs import render_pdf

            return render_pdf(job)
        if job.kind == Kind.VIDEO:
            from lytsite_desktop.core.previews.video import render_video

            return render_video(job, tick)
        # Images, raws, and anything else: a file is a picture when a decoder can
        # read it, whatever its name or first bytes.
        return _render_picture(job)
    except MemoryError:
        return RenderResult(note=notes.too_much_memory(), lasting=False)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            return _unexpected(job, exc)
        return RenderResult(note=notes.disk_full(), lasting=False, detail=str(exc))
    except Exception as exc:  # a decoder bug must cost one preview, not the batch
        return _unexpected(job, exc)


def _unexpected(job: RenderJob, exc: Exception) -> RenderResult:
    log.exception("preview of %s failed", job.source)
    return RenderResult(
        note=notes.unexpected(), lasting=False, detail=f"{type(exc).__name__}: {exc}"
    )


def _render_picture(job: RenderJob) -> RenderResult:
    from PIL import Image, UnidentifiedImageError

    from lytsite_desktop.core.previews.imaging import render_image

    Image.MAX_IMAGE_PIXELS = job.max_pixels
    orientation = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a decoder's chatter is no reason to fail
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if job.kind == Kind.RAW:
                im, orientation, full = _open_raw(job)
            else:
                if job.label == JPEG_XL:  # its plugin loads here, not with HEIF's in
                    import pillow_jxl  # noqa: F401  every worker's start (27 ms a worker)
                im, full = Image.open(job.source), None
            with im:
                r = render_image(
                    im,
                    size=job.size,
                    quality=job.quality,
                    thumb_size=job.thumb_size,
                    thumb_quality=job.thumb_quality,
                    orientation=orientation,
                    mark=job.watermark,
                )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return RenderResult(note=_bomb_note(str(exc), job.max_pixels), detail=str(exc))
    except UnidentifiedImageError as exc:
        return not_a_picture(job.kind, job.label, job.source, job.misnamed, str(exc))
    except _NoEmbeddedPreview as exc:
        return RenderResult(note=exc.note, detail=exc.detail)
    except OSError as exc:
        if exc.errno is not None:  # the disk, not the image: worth trying again
            reason = exc.strerror or type(exc).__name__
            return RenderResult(note=notes.cannot_read_file(reason), lasting=False, detail=str(exc))
        return _undecodable(job, exc)
    except (SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError) as exc:
        return _undecodable(job, exc)  # Pillow's "broken file" errors
    preview = _write(job.out_dir, PREVIEW_WEBP, r.preview)
    thumb = _write(job.out_dir, THUMB_WEBP, r.thumb)
    width, height = full or (r.width, r.height)
    return RenderResult(width, height, preview, thumb, camera=r.camera, color=r.color)


def not_a_picture(
    kind: str, label: str, source: str, misnamed: bool, detail: str = ""
) -> RenderResult:
    """No decoder recognised it: a file of another kind, or a damaged picture."""
    if kind == Kind.IMAGE:  # its first bytes said it is one
        return RenderResult(note=notes.damaged(False), damaged=True, detail=detail)
    if misnamed:
        ext = os.path.splitext(source)[1].lstrip(".")
        what = "video" if guess_content_type(source).startswith("video/") else "picture"
        return RenderResult(note=notes.misnamed(ext, what), damaged=True, detail=detail)
    return RenderResult(note=notes.no_kind(label))


#: What decoders say of a file they recognise but cannot decode (a compression, a
#: bit depth or a layout they do not support), as opposed to a damaged one.
_UNSUPPORTED = re.compile(
    r"not supported|unsupported|not available|unknown (raw )?mode|cannot (handle|identify)|"
    r"no decoder|not implemented|unknown compression|decoder [\w-]+ not",
    re.IGNORECASE,
)


def _undecodable(job: RenderJob, exc: BaseException) -> RenderResult:
    """A picture its decoder recognised and gave up on: damaged, cut short, or a
    variant it does not support. The decoder's words go to the log only."""
    text = str(exc)
    detail = f"{type(exc).__name__}: {text}"
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return RenderResult(note=notes.damaged(True), damaged=True, detail=detail)
    if _UNSUPPORTED.search(text):
        return RenderResult(note=notes.unsupported(job.label), detail=detail)
    return RenderResult(note=notes.damaged(False), damaged=True, detail=detail)


def _write(out_dir: str, name: str, enc: Any) -> RenditionFile:
    with open(os.path.join(out_dir, name), "wb") as fh:
        fh.write(enc.data)
    return RenditionFile(name, enc.width, enc.height, len(enc.data))


def _bomb_note(message: str, limit: int) -> str:
    m = re.search(r"\((\d+) pixels\)", message)
    return notes.too_large(int(m.group(1)) / 1e6 if m else limit / 1e6 + 1, limit)


class _NoEmbeddedPreview(Exception):
    def __init__(self, note: str, detail: str = "") -> None:
        super().__init__(note)
        self.note, self.detail = note, detail


def _open_raw(job: RenderJob) -> tuple[Any, int | None, tuple[int, int]]:
    """The camera's embedded JPEG (or bitmap) preview of a raw file."""
    import rawpy
    from PIL import Image

    from lytsite_desktop.core.previews.rawthumb import embedded_preview

    try:
        found = embedded_preview(job.source)
    except rawpy.LibRawNoThumbnailError:
        raise _NoEmbeddedPreview(notes.raw_without_preview()) from None
    except (rawpy.LibRawFileUnsupportedError, rawpy.LibRawIOError) as exc:
        raise _NoEmbeddedPreview(notes.raw_unsupported(job.label), str(exc)) from None
    except rawpy.LibRawError as exc:
        raise _NoEmbeddedPreview(notes.damaged(False), str(exc)) from None
    if found.jpeg:
        im = Image.open(io.BytesIO(found.data))
        # The embedded JPEG's own orientation tag, if any, wins over libraw's flip.
        tagged = im.getexif().get(0x0112)
        return im, (None if tagged not in (None, 1) else found.orientation), found.full
    return Image.fromarray(found.data), found.orientation, found.full
