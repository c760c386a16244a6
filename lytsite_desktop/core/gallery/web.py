"""The shareable web gallery: ``projects/{project}/index.html`` plus its assets.

A static page with no build step and no external requests: the cover, the
layouts of the app's gallery, previews through ``srcset`` (thumbnail and
preview) over their own colour, native lazy loading; PhotoSwipe's lightbox
(swipe, pinch, keys); "Download all" as one ZIP; the client's selection. Every
name is escaped; the script only ever sets ``textContent``. All links are
relative to the project's folder, so the page works from the bucket and from an
exported folder alike.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.gallery.layout import (
    ClientView,
    Layout,
    client_view,
    download_label,
    full_image,
    grid_columns,
    is_video,
    layout_for,
    relative_key,
    zoom_width,
)
from lytsite_desktop.core.gallery.webdata import PageData, expired_words, page_data
from lytsite_desktop.core.keys import project_prefix
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.headers import ASSETS as ASSETS_CACHE
from lytsite_desktop.core.publish.headers import REVALIDATE
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
    head = f'<figure class="item {kind}" data-id="{escape(entry.fileId)}">'
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


def _header(view: ClientView, prefix: str) -> str:
    """The first impression: the cover across the top with the title, the date and
    the studio over it (just the words when there is no cover)."""
    lines = [f"<h1>{escape(view.title)}</h1>"]
    facts = [escape(p) for p in (view.date, view.studio) if p]
    if facts:
        lines.append(f'<p class="facts">{" · ".join(facts)}</p>')
    lines.append(f'<p class="meta">{_count(view)}</p>')
    words = "".join(lines)
    entry = view.cover
    image = full_image(entry) if entry is not None else None
    if entry is None or image is None:
        return f'<header class="plain">{words}</header>'
    return (
        f'<header class="hero"><div class="cover"><img src="{_url(image.key, prefix)}" '
        f'width="{image.width}" height="{image.height}" alt=""{_placeholder(entry)} '
        f'fetchpriority="high"></div><div class="words">{words}</div></header>'
    )


def _placeholder(entry: ManifestEntry) -> str:
    """The photo's colour while it loads (its shape comes from width and height)."""
    color = entry.color or ""
    ok = len(color) == 7 and color.startswith("#") and all(c in _HEX for c in color[1:])
    return f' style="background-color:{color}"' if ok else ""


_HEX = set("0123456789abcdefABCDEF")


def _documents(entries: list[ManifestEntry], prefix: str, originals: str | None) -> str:
    """Documents in their own list: each opens its view copy (or the original)."""
    rows = []
    for entry in entries:
        name = escape(entry.fileName)
        view = entry.preview.key if entry.preview and entry.preview.key.endswith(".pdf") else None
        original = originals + _url(entry.originalKey, prefix) if (
            entry.originalKey and originals is not None) else None  # fmt: skip
        href = _url(view, prefix) if view else original
        opener = f'<a class="open" href="{escape(href)}">{name}</a>' if href else name
        link = _download_link(entry, original) if original else ""
        rows.append(f'<li class="document">{opener}{link}</li>')
    return (
        '<section class="section documents"><h2>Documents</h2><ul>'
        + "".join(rows)
        + "</ul></section>"
    )


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
    data = page_data(manifest, view, prefix, originals)
    expired = (
        manifest.expires is not None and (today or date.today()).isoformat() > manifest.expires
    )
    parts: list[str] = []
    for section in [] if expired else view.sections:
        figures = []
        for entry in section.entries:
            figures.append(_figure(entry, layout, prefix, originals))
        title = f"<h2>{escape(section.title)}</h2>" if section.title else ""
        columns = f' style="--cols: {grid_columns(view.count)}"' if layout == Layout.GRID else ""
        parts.append(
            f'<section class="section">{title}<div class="items"{columns}>'
            + "\n".join(figures)
            + "</div></section>"
        )
    if view.videos and not expired:
        figures = [_figure(e, Layout.GRID, prefix, originals) for e in view.videos]
        parts.append(
            '<section class="section videos"><h2>Videos</h2><div class="items">'
            + "\n".join(figures)
            + "</div></section>"
        )
    if view.documents and not expired:
        parts.append(_documents(view.documents, prefix, originals))
    project = escape(view.title)
    if expired:
        header = f'<header class="plain"><h1>{project}</h1></header>'
        body = f'<p class="ended">{escape(expired_words(manifest.expires or ""))}</p>'
        bar, data = "", PageData(manifest.project, expires=manifest.expires)
    else:
        header = _header(view, prefix)
        body = "\n".join(parts) or '<p class="empty">Nothing is published here yet.</p>'
        bar = _bar(view, data)
    robots = '<meta name="robots" content="noindex, nofollow">\n' if manifest.private else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lytsite-desktop">
{robots}<meta name="description" content="{escape(_count(view))}">
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


class WebPages:
    """A destination's client pages for one run. A project's assets are checked
    once (one HEAD of the last one: a single PUT's ETag is its MD5, on S3, R2, B2
    and MinIO alike) and put if they are not this version, side by side (on a
    long link one round trip for all of them), the one the HEAD asks about last.
    ``assets`` may be called as soon as the project's manifest is first written,
    so that at the end of a batch the HEAD finds them there and only the page
    goes up. ``page`` puts the page beside them: asked about again when this run
    has put or found them (the project may have been taken down since), put when
    it has not, or at once when the project is new."""

    def __init__(self, destination: Destination) -> None:
        self._dest = destination
        self._current: set[str] = set()
        self._lock = threading.Lock()

    def assets(self, project: str, *, new: bool = False) -> None:
        """Put the project's assets unless they are there (``new``: the project had
        no manifest, so they cannot be: put them without asking)."""
        with self._lock:
            if project in self._current:
                return
        prefix = project_prefix(project)
        last = ASSETS[-1][0]
        info = None if new else self._dest.head(prefix + last)
        if (
            info is None
            or info.etag.strip('"') != hashlib.md5(asset(last), usedforsecurity=False).hexdigest()
        ):

            def put(name: str, kind: str) -> str:
                return self._dest.put_bytes(
                    prefix + name, asset(name), f"{kind}; charset=utf-8", cache_control=ASSETS_CACHE
                )

            with ThreadPoolExecutor(len(ASSETS) - 1, "lytsite-assets") as pool:
                for done in [pool.submit(put, n, k) for n, k in ASSETS[:-1]]:
                    done.result()
            put(*ASSETS[-1])
        with self._lock:
            self._current.add(project)

    def page(self, manifest: Manifest, new: bool = False) -> None:
        """Put the page next to the project's manifest, beside its assets (``new``:
        the project had no manifest before the one this page is drawn from)."""
        project = manifest.project
        with self._lock:
            self._current.discard(project)
        key = project_prefix(project) + PAGE
        body = render_index(manifest).encode()
        with ThreadPoolExecutor(1, "lytsite-assets") as pool:
            asking = pool.submit(self.assets, project, new=new)
            self._dest.put_bytes(key, body, "text/html; charset=utf-8", cache_control=REVALIDATE)
            asking.result()


def publish_pages(destination: Destination, manifest: Manifest) -> None:
    """Put the project's page, and its assets when the bucket's are not this version."""
    WebPages(destination).page(manifest)


def export(
    manifest: Manifest,
    out: Path,
    rendition: Callable[[ManifestEntry, str], Path | None],
    original: Callable[[ManifestEntry, Path], bool] | None,
    *,
    originals_url: str | None = None,
) -> list[str]:
    """Write the gallery as a folder that opens offline: the page, its assets, the
    previews and thumbnails (``rendition(entry, "preview"|"thumb")`` says where
    they are on this computer), and the originals when ``original(entry, target)``
    is given (it puts one there and says whether it could). Without originals,
    download links go to ``originals_url`` (the public bucket), or are left out.
    Returns the problems, one line each (a file it could not include)."""
    prefix = project_prefix(manifest.project)
    problems: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    for entry in manifest.files.values():
        for which in ("thumb", "preview"):
            r = getattr(entry, which)
            if r is None:
                continue
            source = rendition(entry, which)
            if source is None:
                problems.append(f"{entry.path}: its {which} is not on this computer")
                continue
            target = out / relative_key(prefix, r.key)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        if original is not None and entry.originalKey:
            target = out / relative_key(prefix, entry.originalKey)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not original(entry, target):
                problems.append(f"{entry.path}: the original could not be copied")
    for name, _kind in ASSETS:
        (out / name).write_bytes(asset(name))
    links = "" if original is not None else originals_url
    (out / PAGE).write_text(render_index(manifest, originals=links), "utf-8")
    return problems
