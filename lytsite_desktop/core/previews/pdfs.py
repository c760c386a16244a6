"""PDFs: an optimised copy for viewing (pikepdf) and a first-page thumbnail (pypdfium2).

The optimised copy (linearised for fast web view, object streams, streams
recompressed) is only used when it opened without warnings, checks clean, has
every page and is smaller; otherwise the original is the view copy and the note
says why. Encrypted PDFs are never rewritten (that would drop their protection).

Runs inside a preview worker process, bounded in time and memory by it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

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
    preview, note = _optimise(job)
    thumb, thumb_note = _first_page(job)
    width, height = size or (None, None)
    return RenderResult(width, height, preview, thumb, note=note or thumb_note)


def _page_size(path: str) -> tuple[int, int] | None:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            box = [float(v) for v in pdf.pages[0].mediabox]
    except Exception:
        return None
    return round(abs(box[2] - box[0])), round(abs(box[3] - box[1]))


def _optimise(job: RenderJob) -> tuple[RenditionFile | None, str]:
    import pikepdf

    original_size = os.path.getsize(job.source)
    out = os.path.join(job.out_dir, PREVIEW_PDF)
    try:
        with pikepdf.open(job.source) as pdf:
            if pdf.is_encrypted:
                return None, "encrypted PDF: published as the original only, unchanged"
            problems = pdf.get_warnings()
            if problems:
                return None, f"the PDF has errors ({problems[0]}); the original is the view copy"
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
        return None, "encrypted PDF (needs a password): published as the original only"
    except pikepdf.PdfError as exc:
        return None, f"damaged PDF ({_first_line(exc)}); published as the original only"
    try:
        with pikepdf.open(out) as copy:
            bad = copy.get_warnings() or copy.check_pdf_syntax() or len(copy.pages) != pages
    except pikepdf.PdfError as exc:
        bad = [str(exc)]
    optimised_size = os.path.getsize(out)
    if bad:
        os.unlink(out)
        return None, "the optimised copy did not check clean; the original is the view copy"
    if optimised_size >= original_size:
        os.unlink(out)
        return None, "the PDF is already compact: the original is the view copy"
    return RenditionFile(PREVIEW_PDF, 0, 0, optimised_size), ""


def _first_page(job: RenderJob) -> tuple[RenditionFile | None, str]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(job.source)
    except pdfium.PdfiumError as exc:
        return None, f"no page image: {_first_line(exc)}"
    try:
        if len(doc) == 0:
            return None, "no page image: the PDF has no pages"
        page = doc[0]
        w, h = page.get_size()
        scale = job.thumb_size / max(w, h, 1)
        image: Any = page.render(scale=scale).to_pil()
        page.close()
    except pdfium.PdfiumError as exc:
        return None, f"no page image: {_first_line(exc)}"
    finally:
        doc.close()
    image = image.convert("RGB")
    path = os.path.join(job.out_dir, THUMB_WEBP)
    image.save(path, "WEBP", quality=job.thumb_quality, method=4)
    return RenditionFile(THUMB_WEBP, image.width, image.height, os.path.getsize(path)), ""


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
