"""The gallery's layout rules, shared by the window and the web page.

The layout follows the number of files, as Lytsite's blocks do: one file is a
single large image, 2 to 6 a grid, 7 to 20 a masonry, more than 20 a thumbnail
grid that opens a lightbox. Folder paths become sections.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import groupby

from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.sizes import format_size


class Layout(StrEnum):
    EMPTY = "empty"
    SINGLE = "single"
    GRID = "grid"
    MASONRY = "masonry"
    THUMBS = "thumbs"


def layout_for(count: int) -> Layout:
    if count <= 0:
        return Layout.EMPTY
    if count == 1:
        return Layout.SINGLE
    if count <= 6:
        return Layout.GRID
    if count <= 20:
        return Layout.MASONRY
    return Layout.THUMBS


def grid_rows(count: int) -> list[int]:
    """How many files each row of the 2-6 grid holds: up to 3 side by side, 4 as
    two pairs, 5 as three then two, 6 as two threes. A row's files stand at their
    own shapes, as high as each other (a portrait is never cropped): see
    :func:`row_height`."""
    if count <= 3:
        return [count] if count > 0 else []
    return [count - count // 2, count // 2]


def row_height(widths: Sequence[float], room: float, spacing: float, most: float) -> float:
    """The height at which files of these shapes (``widths``: width / height each)
    fill ``room`` side by side, ``spacing`` apart, but no more than ``most``."""
    total = sum(widths)
    if total <= 0:
        return 0.0
    return max(0.0, min(most, (room - spacing * (len(widths) - 1)) / total))


_DIGITS = re.compile(r"(\d+)")


@lru_cache(maxsize=1 << 14)
def natural_key(text: str) -> tuple[object, ...]:
    """IMG_2 before IMG_10, case-insensitively (kept: a page of 5,000 files is
    sorted again after every burst of files, by the same names)."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in _DIGITS.split(text))


@dataclass(frozen=True)
class Section:
    """A folder of the dropped tree ("" for files at its top)."""

    title: str
    entries: tuple[ManifestEntry, ...]


def ordered(entries: Sequence[ManifestEntry], order: Sequence[str] = ()) -> list[ManifestEntry]:
    """Top-level files first, then each folder's (folders in natural order); in
    each, the photographer's ``order`` (fileIds), then capture time, then name."""
    rank = {fid: i for i, fid in enumerate(order)}

    def key(e: ManifestEntry) -> tuple[object, ...]:
        folder = posixpath.dirname(e.path)
        taken = e.taken_at
        return (folder != "", natural_key(folder), rank.get(e.fileId, len(rank)),
                taken == "", taken, natural_key(e.fileName))  # fmt: skip

    return sorted(entries, key=key)


def sections(entries: Sequence[ManifestEntry], order: Sequence[str] = ()) -> list[Section]:
    grouped = groupby(ordered(entries, order), key=lambda e: posixpath.dirname(e.path))
    return [Section(title, tuple(group)) for title, group in grouped]


#: The shape (height / width) of a file with no picture: a 3:2 tile naming its type.
TILE_ASPECT = 2 / 3
#: The masonry's columns (7 to 20 files), in the app and on a computer's screen.
MASONRY_COLUMNS = 3


def aspect_of(entry: ManifestEntry) -> float:
    """Height / width of what the gallery shows of a file: its preview (a video's
    too), else its thumbnail, else a 3:2 tile; the same in the app and on the page."""
    shown = entry.preview or entry.thumb
    return shown.height / shown.width if shown and shown.width and shown.height else TILE_ASPECT


def masonry_columns(aspects: Sequence[float], columns: int) -> list[list[int]]:
    """Indexes per column, each item going to the shortest column so far.

    ``aspects`` are height / width; every column has the same width, so a
    column's height is the sum of its items' aspects.
    """
    heights = [0.0] * columns
    out: list[list[int]] = [[] for _ in range(columns)]
    for i, aspect in enumerate(aspects):
        col = heights.index(min(heights))
        out[col].append(i)
        heights[col] += aspect
    return out


def section_layout(layout: Layout, count: int) -> Layout:
    """How one section of a page in ``layout`` lays out its ``count`` files: a
    masonry's section of fewer files than its columns stands as rows of the 2-6
    grid (one photo across the page, two side by side), not in one or two of the
    three columns with the rest of the width empty."""
    return Layout.GRID if layout == Layout.MASONRY and count < MASONRY_COLUMNS else layout


def camera_summary(entry: ManifestEntry) -> str:
    """Camera, lens, exposure, date (recorded at ingest), as one caption line."""
    c = entry.camera or {}
    make, model = c.get("make", ""), c.get("model", "")
    camera = model if make and model.casefold().startswith(make.casefold()) else f"{make} {model}"
    iso = f"ISO {c['iso']}" if c.get("iso") else ""
    taken = c.get("takenAt", "").replace("T", " ")[:16]
    parts = (camera.strip(), c.get("lens"), c.get("focalLength"), c.get("exposure"),
             c.get("aperture"), iso, taken)  # fmt: skip
    return " · ".join(p for p in parts if p)


def is_video(entry: ManifestEntry) -> bool:
    """The preview is a web-playable video (its poster is the thumbnail)."""
    preview = entry.preview
    if preview is None:
        return False
    return (preview.contentType or "").startswith("video/") or preview.key.endswith(".mp4")


def full_image(entry: ManifestEntry) -> Rendition | None:
    """What the lightbox shows: the WebP preview, else the thumbnail (a PDF's
    first page, whose "preview" is the optimised PDF; a video's poster, whose
    "preview" is the video)."""
    preview = entry.preview
    return preview if preview and preview.key.endswith(".webp") else entry.thumb


#: Originals a browser draws itself: the lightbox zooms into them past the preview.
_DRAWN = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"}


def zoom_width(entry: ManifestEntry, downloads: bool) -> int | None:
    """The original's width in the preview's orientation, when the lightbox may zoom
    into it: a picture the browser draws, larger than the preview, downloadable."""
    image = full_image(entry)
    big = max(entry.width or 0, entry.height or 0)
    if not downloads or image is None or entry.contentType not in _DRAWN or not entry.originalKey:
        return None
    if entry.watermarked:  # the original has no watermark: the viewer stays on the preview
        return None
    if big <= max(image.width, image.height):
        return None
    return round(image.width * big / max(image.width, image.height))


def download_label(entry: ManifestEntry) -> str:
    return f"Download original ({format_size(entry.size)})"


def relative_key(project_prefix: str, key: str) -> str:
    """A key as a path relative to the project's folder (where index.html is)."""
    return key[len(project_prefix) :] if key.startswith(project_prefix) else key


def is_document(entry: ManifestEntry) -> bool:
    """A document (PDF): listed in its own section, not mixed into the photos."""
    return entry.contentType == "application/pdf"


def title_of(manifest: Manifest) -> str:
    return manifest.title or manifest.project


@dataclass(frozen=True)
class ClientView:
    """What the client's page shows: hidden files left out, photos by folder in the
    gallery's order, then videos, then documents; the cover, the shoot's date."""

    title: str
    cover: ManifestEntry | None
    sections: list[Section]
    videos: list[ManifestEntry]
    documents: list[ManifestEntry]
    date: str  # "14 June 2026": when the photos were taken (else published)
    studio: str

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sections)


def by_kind(
    entries: Sequence[ManifestEntry],
) -> tuple[list[ManifestEntry], list[ManifestEntry], list[ManifestEntry]]:
    """The page's three parts: photos (and files shown as tiles), videos, documents."""
    photos = [e for e in entries if not is_document(e) and not is_video(e)]
    return photos, [e for e in entries if is_video(e)], [e for e in entries if is_document(e)]


def page_sections(entries: Sequence[ManifestEntry], order: Sequence[str] = ()) -> list[Section]:
    """The page's sections in one list, as the app's Gallery tab shows them: the
    photos by folder, then "Videos", then "Documents"."""
    photos, videos, documents = by_kind(entries)
    parts = (("Videos", videos), ("Documents", documents))
    return sections(photos, order) + [Section(t, tuple(ordered(g, order))) for t, g in parts if g]


def client_view(manifest: Manifest) -> ClientView:
    shown = [e for e in manifest.files.values() if not e.hidden]
    photos, videos, documents = by_kind(shown)
    videos, documents = ordered(videos, manifest.order), ordered(documents, manifest.order)
    grouped = sections(photos, manifest.order)
    taken = sorted(e.taken_at for e in photos if e.taken_at)
    return ClientView(
        title_of(manifest), cover_of(manifest, grouped), grouped, videos, documents,
        long_date(taken[0] if taken else manifest.updated_at), manifest.studio or "",
    )  # fmt: skip


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(iso: str) -> str:
    """ "2026-06-14T15:02:11" -> "14 June 2026" ("" when it is not a date)."""
    try:
        year, month, day = (int(p) for p in iso[:10].split("-"))
        return f"{day} {_MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return ""


def cover_of(manifest: Manifest, grouped: Sequence[Section]) -> ManifestEntry | None:
    """The chosen cover if it is shown and has a picture, else the first photo."""
    candidates = [e for s in grouped for e in s.entries if full_image(e) is not None]
    chosen = next((e for e in candidates if e.fileId == manifest.cover), None)
    return chosen or next(iter(candidates), None)
