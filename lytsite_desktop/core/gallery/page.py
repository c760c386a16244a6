"""The client's page, ``index.html``: one static file drawn from the manifest.

No build step and no external requests: the cover, the layouts of the app's
gallery, previews through ``srcset`` (thumbnail and preview) over their own
colour, native lazy loading; PhotoSwipe's lightbox (swipe, pinch, keys);
"Download all" as one ZIP; the client's selection. Every name is escaped; the
script only ever sets ``textContent``. All links are relative to the project's
folder, so the page works from the bucket and from an exported folder alike.
Each file's figure and data are drawn once while its entry stays the same
(:mod:`.memo`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from functools import cache, partial
from html import escape
from importlib import resources
from typing import NamedTuple
from urllib.parse import quote

from lytsite_desktop.core.gallery.layout import (
    MASONRY_COLUMNS,
    ClientView,
    Layout,
    aspect_of,
    client_view,
    download_label,
    full_image,
    grid_rows,
    is_document,
    is_video,
    layout_for,
    masonry_columns,
    relative_key,
    section_layout,
    zoom_width,
)
from lytsite_desktop.core.gallery.memo import EntryMemo, Memos
from lytsite_desktop.core.gallery.webdata import FileItem, PageData, expired_words, file_item
from lytsite_desktop.core.keys import project_prefix
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.sizes import format_size

#: The page's assets: (name, Content-Type). PhotoSwipe 5 (MIT, vendored unchanged)
#: is the lightbox; sw.js and zip.js make "Download all" one streamed ZIP. The
#: page's own gallery.css is inlined (nothing blocks the first paint).
ASSETS = (
    ("photoswipe.css", "text/css"),
    ("gallery.js", "text/javascript"),
    ("photoswipe-lightbox.js", "text/javascript"),
    ("photoswipe.js", "text/javascript"),
    ("sw.js", "text/javascript"),
    ("zip.js", "text/javascript"),
)
PAGE = "index.html"

_SIZES = {
    Layout.SINGLE: "100vw",
    Layout.GRID: "(max-width: 700px) 100vw, 50vw",
    Layout.MASONRY: "(max-width: 700px) 100vw, 34vw",
    Layout.THUMBS: "(max-width: 700px) 34vw, 200px",
}


def asset(name: str) -> bytes:
    return resources.files("lytsite_desktop.core.gallery").joinpath("webassets", name).read_bytes()


@cache
def _inline_css() -> str:
    """gallery.css without its comments, for the page's <style>."""
    return re.sub(r"/\*.*?\*/\n?", "", asset("gallery.css").decode(), flags=re.S).strip()


def _url(key: str, prefix: str) -> str:
    return quote(relative_key(prefix, key), safe="/")


def _photo(entry: ManifestEntry, layout: Layout, prefix: str, zoom: int | None) -> str:
    """A photo's thumbnail (the preview where the layout shows it large), opening
    the lightbox on the preview; ``zoom``: the original's width when the lightbox
    may zoom into it (its URL and the srcset come from the page's data)."""
    thumb, image = entry.thumb, full_image(entry)
    assert thumb is not None and image is not None
    width, height = image.width, image.height
    if zoom:
        width, height = zoom, round(height * zoom / width)
    srcset = ""
    if layout != Layout.THUMBS and image is not thumb:  # thumbnail cells never need more
        srcset = (f' srcset="{_url(thumb.key, prefix)} {thumb.width}w, {_url(image.key, prefix)} '
                  f'{image.width}w" sizes="{_SIZES[layout]}"')  # fmt: skip
    return (
        f'<a class="open photo" href="{_url(image.key, prefix)}" data-pswp-width="{width}" '
        f'data-pswp-height="{height}"><img src="{_url(thumb.key, prefix)}"{srcset} '
        f'width="{thumb.width}" height="{thumb.height}" loading="lazy" '
        f'alt="{escape(entry.fileName)}"{_placeholder(entry)}></a>'
    )


def _download_link(entry: ManifestEntry, original: str) -> str:
    return (f' <a class="download" href="{escape(original)}" download="{escape(entry.fileName)}">'
            f"{escape(download_label(entry))}</a>")  # fmt: skip


def _figure(entry: ManifestEntry, layout: Layout, prefix: str, originals: str | None) -> str:
    name = escape(entry.fileName)
    original = None
    if entry.originalKey and originals is not None:
        original = originals + _url(entry.originalKey, prefix)
    caption = f'<span class="name">{name}</span>'
    # Dense layouts hide a photo's caption (its lightbox has it), no video's or tile's.
    kind = ("video" if is_video(entry) and entry.preview is not None
            else "image" if entry.thumb is not None and full_image(entry) is not None
            else "file")  # fmt: skip
    # its share of a row in the 2-6 layout: width / height
    shape = f' style="--ar:{1 / aspect_of(entry):.4f}"' if layout == Layout.GRID else ""
    head = f'<figure class="item {kind}" data-id="{escape(entry.fileId)}"{shape}>'
    if kind == "video" and entry.preview is not None:  # played in place, not in the lightbox
        thumb, preview = entry.thumb, entry.preview
        poster = f' poster="{_url(thumb.key, prefix)}"' if thumb is not None else ""
        size = f' width="{preview.width}" height="{preview.height}"'
        opener = (
            f'<video controls playsinline preload="none"{poster}{size} '
            f'src="{_url(preview.key, prefix)}" aria-label="{name}"></video>'
        )
    elif kind == "image":
        opener = _photo(entry, layout, prefix, zoom_width(entry, original is not None))
        if layout == Layout.THUMBS:  # a grid of thumbnails: the name is the image's alt
            return f"{head}{opener}</figure>"
    else:  # no preview (an archive, a damaged file): a tile naming it
        label = escape(entry.fileName.rsplit(".", 1)[-1].upper() if "." in entry.fileName else "")
        opener = f'<span class="tile" aria-hidden="true">{label}</span>'
    caption += _download_link(entry, original) if original and kind != "image" else ""
    return f"{head}{opener}<figcaption>{caption}</figcaption></figure>"


def _count(view: ClientView) -> str:
    """ "12 photos · 1 video · 2 other files": a tile (a ZIP, say) is no photo."""
    photos = sum(1 for s in view.sections for e in s.entries if full_image(e) is not None)
    counts = (("photo", photos), ("video", len(view.videos)),
              ("document", len(view.documents)), ("other file", view.count - photos))  # fmt: skip
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for word, n in counts if n]
    return " · ".join(parts) or "0 photos"


def _header(view: ClientView, prefix: str, count: str) -> str:
    """The first impression: the cover across the top with the title, the date and
    the studio over it (just the words when there is no cover)."""
    lines = [f"<h1>{escape(view.title)}</h1>"]
    facts = [escape(p) for p in (view.date, view.studio) if p]
    if facts:
        lines.append(f'<p class="facts">{" · ".join(facts)}</p>')
    lines.append(f'<p class="meta">{count}</p>')
    words = "".join(lines)
    entry = view.cover
    image = full_image(entry) if entry is not None else None
    if entry is None or image is None:
        return f'<header class="plain">{words}</header>'
    upright = ' class="upright"' if image.height > image.width else ""
    return (
        f'<header class="hero"><div class="cover"><img src="{_url(image.key, prefix)}"{upright} '
        f'width="{image.width}" height="{image.height}" alt=""{_placeholder(entry)} '
        f'fetchpriority="high"></div><div class="words">{words}</div></header>'
    )


def _placeholder(entry: ManifestEntry) -> str:
    """The photo's colour while it loads (its shape comes from width and height)."""
    color = entry.color or ""
    ok = len(color) == 7 and color.startswith("#") and all(c in _HEX for c in color[1:])
    return f' style="background-color:{color}"' if ok else ""


_HEX = set("0123456789abcdefABCDEF")


def _document(entry: ManifestEntry, prefix: str, originals: str | None) -> str:
    """A document's row in its own list: it opens its view copy (or the original)."""
    name = escape(entry.fileName)
    view = entry.preview.key if entry.preview and entry.preview.key.endswith(".pdf") else None
    original = originals + _url(entry.originalKey, prefix) if (
        entry.originalKey and originals is not None) else None  # fmt: skip
    href = _url(view, prefix) if view else original
    opener = f'<a class="open" href="{escape(href)}">{name}</a>' if href else name
    link = _download_link(entry, original) if original else ""
    return f'<li class="document">{opener}{link}</li>'


def _bar(view: ClientView, data: PageData) -> str:
    """Download all (originals or web size), and the client's selection."""
    send = ""
    if data.contact:
        who = escape(f"Send to {view.studio}" if view.studio else "Send to the photographer")
        send = f' <a class="mail" href="#">{who}</a>'
    selection = ""
    if view.count or view.videos:  # hearts go on photos and videos
        selection = (
            '<button type="button" class="selection" aria-pressed="false">'
            '<span class="n">My selection (0)</span></button>'
            '<span class="send" hidden><button type="button" class="copy">Copy file names'
            f"</button>{send}</span>"
        )
    if not data.downloads_on or not (data.originals_size or data.web_size):
        return f'<nav class="bar" aria-label="Gallery">{selection}</nav>'
    choices = []
    for kind, label, size in (("o", "Originals", data.originals_size),
                              ("w", "Web size", data.web_size)):  # fmt: skip
        if size:
            choices.append(f'<button type="button" data-kind="{kind}">{label} '
                           f'<small>{escape(format_size(size))}</small></button>')  # fmt: skip
    return (
        f'<nav class="bar" aria-label="Gallery">{selection}'
        '<details class="all"><summary>Download all</summary><div class="menu">'
        + "".join(choices)
        + '</div></details><div class="zip" role="status" aria-live="polite" hidden>'
        '<progress max="1" value="0"></progress> <span class="words"></span></div></nav>'
    )


class _Drawn(NamedTuple):
    """What the page shows of one file (its figure, a document's row) and tells its
    script about it."""

    html: str
    item: FileItem
    aspect: float  # height / width of what it shows


def _draw(entry: ManifestEntry, layout: Layout, prefix: str, originals: str | None) -> _Drawn:
    if is_document(entry):
        html = _document(entry, prefix, originals)
    else:  # a video plays in place in a grid of its own, whatever the photos' layout
        html = _figure(entry, Layout.GRID if is_video(entry) else layout, prefix, originals)
    return _Drawn(html, file_item(entry, prefix, originals), aspect_of(entry))


#: Kept per project, layout and where originals point.
_DRAWINGS: Memos[_Drawn] = Memos()


def render_index(
    manifest: Manifest, *, originals: str | None = "", today: date | None = None
) -> str:
    """The page. ``originals`` is where original links point: "" for relative to the
    page (the bucket, or an export that includes them), a URL ending in "/" for
    the project's folder elsewhere, None for no download links (as when the
    photographer switched downloads off). A page past its expiry date shows only
    that it has expired."""
    if manifest.downloads is False:
        originals = None
    prefix = project_prefix(manifest.project)
    view = client_view(manifest)
    layout = layout_for(view.count)
    count = _count(view)
    project = escape(view.title)
    if manifest.expires is not None and (today or date.today()).isoformat() > manifest.expires:
        header = f'<header class="plain"><h1>{project}</h1></header>'
        body = f'<p class="ended">{escape(expired_words(manifest.expires))}</p>'
        data, bar = PageData(manifest.project, expires=manifest.expires), ""
    else:
        with ExitStack() as lent:
            memos: dict[Layout, EntryMemo[_Drawn]] = {}

            def drawn(entries: Sequence[ManifestEntry], kind: Layout) -> list[_Drawn]:
                if kind not in memos:  # one memo per way of drawing a figure
                    key = (manifest.project, kind, originals)
                    memos[kind] = lent.enter_context(_DRAWINGS.lent(key))
                draw = partial(_draw, layout=kind, prefix=prefix, originals=originals)
                return [memos[kind].get(e, draw) for e in entries]

            groups = []
            for s in view.sections:
                kind = section_layout(layout, len(s.entries))
                groups.append((s.title, kind, drawn(s.entries, kind)))
            videos, documents = drawn(view.videos, layout), drawn(view.documents, layout)
        body = _body(groups, videos, documents)
        shown = [d for _, _, group in groups for d in group] + videos + documents
        data = PageData(manifest.project, manifest.contact, manifest.expires,
                        originals is not None, [d.item for d in shown])  # fmt: skip
        header, bar = _header(view, prefix, count), _bar(view, data)
    robots = '<meta name="robots" content="noindex, nofollow">\n' if manifest.private else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lytsite-desktop">
{robots}<meta name="description" content="{escape(count)}">
<title>{project}</title>
<link rel="icon" href="data:,">
<style>{_inline_css()}</style>
</head>
<body class="layout-{layout.value}" data-layout="{layout.value}" data-count="{view.count}">
{header}
{bar}
<main>
{body}
</main>
<script type="application/json" id="gallery-data">{data.to_json()}</script>
<script src="photoswipe-lightbox.js" defer></script>
<script src="gallery.js" defer></script>
</body>
</html>
"""


def _body(
    groups: list[tuple[str, Layout, list[_Drawn]]], videos: list[_Drawn], documents: list[_Drawn]
) -> str:
    """The photos by folder (each section in its own layout: :func:`section_layout`),
    then the videos, then the documents."""
    parts: list[str] = []
    for title, layout, group in groups:
        heading = f"<h2>{escape(title)}</h2>" if title else ""
        parts.append(f'<section class="section">{heading}{_items(group, layout)}</section>')
    if videos:
        parts.append('<section class="section videos"><h2>Videos</h2><div class="items">'
                     + "\n".join(d.html for d in videos) + "</div></section>")  # fmt: skip
    if documents:
        parts.append('<section class="section documents"><h2>Documents</h2><ul>'
                     + "".join(d.html for d in documents) + "</ul></section>")  # fmt: skip
    return "\n".join(parts) or '<p class="empty">Nothing is published here yet.</p>'


def _items(group: list[_Drawn], layout: Layout) -> str:
    """A section's figures: in the 2-6 layout row by row (:func:`grid_rows`); in the
    masonry column by column as the app lays them out (:func:`masonry_columns`),
    each with its place in the gallery's order (a phone shows one column in it)."""
    if layout == Layout.MASONRY:  # a masonry's figure has no style of its own: its order
        columns = []
        for picks in masonry_columns([d.aspect for d in group], MASONRY_COLUMNS):
            placed = (group[i].html.replace("<figure ", f'<figure style="order:{i}" ', 1)
                      for i in picks)  # fmt: skip
            columns.append('<div class="col">' + "\n".join(placed) + "</div>")
        return '<div class="items cols">' + "".join(columns) + "</div>"
    if layout != Layout.GRID:
        return '<div class="items">' + "\n".join(d.html for d in group) + "</div>"
    rows, start = [], 0
    for size in grid_rows(len(group)):
        rows.append('<div class="row">' + "\n".join(d.html for d in group[start : start + size])
                    + "</div>")  # fmt: skip
        start += size
    return '<div class="rows">' + "\n".join(rows) + "</div>"
