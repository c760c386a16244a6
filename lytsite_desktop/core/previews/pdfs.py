"""PDFs: an optimised copy for viewing (pikepdf) and a first-page thumbnail (pypdfium2).

The optimised copy (linearised for fast web view, object streams, streams
recompressed) is only used when it opened without warnings, checks clean, has
every page and is smaller; otherwise the original is the view copy (the log says
why). A PDF whose first page could be drawn has a preview either way; without one
the note says why in plain words (never a path, never pikepdf's or pdfium's own
message). Encrypted PDFs are never rewritten (that would drop their protection).

Runs inside a preview worker process, bounded in time and memory by it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from lytsite_desktop.core.previews import notes
from lytsite_desktop.core.previews.jobs import (
    PREVIEW_PDF,
    THUMB_WEBP,
    RenderJob,
    RenderResult,
    RenditionFile,
)

log = logging.getLogger(__name__)


def render_pdf(job: RenderJob) -> RenderResult:
    size = _page_size(job.source)
    preview, why, detail = _optimise(job)
    thumb, thumb_why, thumb_detail = _first_page(job)
    width, height = size or (None, None)
    details = "; ".join(d for d in (why, detail, thumb_detail) if d)
    if thumb is not None:  # the page image is its preview; the original the view copy
        return RenderResult(width, height, preview, thumb, detail=details)
    strong = thumb_why in (notes.PDF_DAMAGED, notes.PDF_ENCRYPTED)  # it could not be opened
    note = notes.PREFIX + ((thumb_why if strong else why) or thumb_why or notes.PDF_NO_PAGE_IMAGE)
    damaged = notes.PDF_DAMAGED in (why, thumb_why)
    return RenderResult(width, height, preview, None, note=note, damaged=damaged, detail=details)


def _page_size(path: str) -> tuple[int, int] | None:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            box = [float(v) for v in pdf.pages[0].mediabox]
    except Exception:
        return None
    return round(abs(box[2] - box[0])), round(abs(box[3] - box[1]))


def _optimise(job: RenderJob) -> tuple[RenditionFile | None, str, str]:
    """The optimised view copy, or None with why (plain) and the library's words."""
    import pikepdf

    original_size = os.path.getsize(job.source)
    out = os.path.join(job.out_dir, PREVIEW_PDF)
    try:
        with pikepdf.open(job.source) as pdf:
            if pdf.is_encrypted:
                return None, notes.PDF_ENCRYPTED, ""
            problems = pdf.get_warnings()
            if problems:
                return None, notes.PDF_HAS_ERRORS, _said(problems[0])
            pages = len(pdf.pages)
            pdf.remove_unreferenced_resources()
            pdf.save(
                out,
                linearize=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                compress_streams=True,
                recompress_flate=True,
            )
    except pikepdf.PasswordError:
        return None, notes.PDF_ENCRYPTED, ""
    except pikepdf.PdfError as exc:
        return None, notes.PDF_DAMAGED, _said(exc)
    try:
        with pikepdf.open(out) as copy:
            bad = copy.get_warnings() or copy.check_pdf_syntax() or len(copy.pages) != pages
    except pikepdf.PdfError as exc:
        bad = [str(exc)]
    optimised_size = os.path.getsize(out)
    if bad:
        os.unlink(out)
        return None, notes.PDF_COPY_NOT_CLEAN, _said(bad[0] if isinstance(bad, list) else bad)
    if optimised_size >= original_size:
        os.unlink(out)
        return None, "", "already compact: the original is the view copy"
    return RenditionFile(PREVIEW_PDF, 0, 0, optimised_size), "", ""


def _first_page(job: RenderJob) -> tuple[RenditionFile | None, str, str]:
    """The first page as the thumbnail, or None with why (plain) and the library's words."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(job.source)
    except pdfium.PdfiumError as exc:
        locked = "password" in str(exc).lower()
        return None, notes.PDF_ENCRYPTED if locked else notes.PDF_DAMAGED, _said(exc)
    try:
        if len(doc) == 0:
            return None, notes.PDF_NO_PAGES, ""
        page = doc[0]
        w, h = page.get_size()
        scale = job.thumb_size / max(w, h, 1)
        image: Any = page.render(scale=scale).to_pil()
        page.close()
    except pdfium.PdfiumError as exc:
        return None, notes.PDF_NO_PAGE_IMAGE, _said(exc)
    finally:
        doc.close()
    image = image.convert("RGB")
    path = os.path.join(job.out_dir, THUMB_WEBP)
    image.save(path, "WEBP", quality=job.thumb_quality, method=4)
    return RenditionFile(THUMB_WEBP, image.width, image.height, os.path.getsize(path)), "", ""


def _said(what: object) -> str:
    """A library's first line, for the log (paths and all: the log is this computer's)."""
    return (str(what).strip().splitlines() or [type(what).__name__])[0][:300]
