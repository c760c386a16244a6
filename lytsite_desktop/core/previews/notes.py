"""Why a file has no preview, in a photographer's words: a small table of causes.

A note is published in the manifest and shown in the window, so it never names a
path on this computer and never quotes a library's message; what a decoder said
goes into the result's ``detail``, which only the log sees.
"""

from __future__ import annotations

PREFIX = "no preview: "


def _what(label: str) -> str:
    """ "JPEG" -> "the JPEG file"; no label (no extension) -> "this file"."""
    return f"the {label} file" if label else "this file"


def empty() -> str:
    return PREFIX + "the file is empty"


def no_kind(label: str) -> str:
    """A file of a kind that has no preview (a ZIP, a document)."""
    return PREFIX + (f"{label} files have none" if label else "files of this kind have none")


def misnamed(ext: str, what: str = "picture") -> str:
    """Said after "published, but " in the window: no second "but" in it. ``what``:
    "picture", or "video" for a file named as one."""
    return PREFIX + f"not a {what} the app can read, though it is named .{ext.lower()}"


def damaged(truncated: bool) -> str:
    why = "it is cut short (an incomplete copy?)" if truncated else "it is damaged"
    return PREFIX + f"the photo could not be read, {why}"


def unsupported(label: str) -> str:
    """A file its decoder recognises, of a variant it cannot decode."""
    return PREFIX + f"{_what(label)} is of a kind that cannot be read here (an unusual variant)"


def too_large(megapixels: float, limit: int) -> str:
    return (
        PREFIX + f"the image is {megapixels:,.0f} megapixels, above the {limit / 1e6:,.0f} MP "
        "safety limit (a possible decompression bomb)"
    )


def too_much_memory() -> str:
    return PREFIX + "it needed more memory than allowed"


def cannot_read_file(reason: str) -> str:
    """The disk, not the picture: worth trying again."""
    return PREFIX + f"the file could not be read ({reason})"


def disk_full() -> str:
    """This computer's disk (where previews are made) is full: worth trying again."""
    return PREFIX + "this computer's disk was full (free some space, then publish again)"


def took_too_long(seconds: float) -> str:
    return PREFIX + f"making it took longer than {seconds:g} s"


def crashed() -> str:
    return PREFIX + "the image reader stopped while making it (the log has the details)"


def unexpected() -> str:
    return PREFIX + "an unexpected error while making it (the log has the details)"


def raw_without_preview() -> str:
    return PREFIX + "this raw file has no embedded preview"


def raw_unsupported(label: str) -> str:
    return PREFIX + f"this {label} raw format cannot be read here"


def video_unreadable() -> str:
    return PREFIX + "the video could not be read (damaged, or an unusual format)"


# -- PDFs: the original is the view copy; these say why no smaller copy was made ----------

PDF_ENCRYPTED = "a password-protected PDF: published as it is, unchanged"
PDF_HAS_ERRORS = "the PDF has small errors: the original is the view copy"
PDF_DAMAGED = "the PDF is damaged: published as it is"
PDF_NO_PAGES = "the PDF has no pages to show"
PDF_NO_PAGE_IMAGE = "the first page could not be drawn"
PDF_COPY_NOT_CLEAN = "the optimised copy did not check clean: the original is the view copy"
