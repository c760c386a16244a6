"""The shareable web gallery: ``projects/{project}/index.html`` plus its CSS and JS.

A static page with no build step and no external requests: the layouts of the
app's gallery, previews through ``srcset`` (thumbnail and preview), native lazy
loading, a keyboard-driven lightbox, and "Download original" links. Every name
is escaped; the script only ever sets ``textContent``. All links are relative
to the project's folder, so the page works from the bucket and from an
exported folder alike.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from html import escape
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.gallery.layout import (
    ClientView,
    Layout,
    camera_summary,
    client_view,
    download_label,
    full_image,
    grid_columns,
    is_video,
    layout_for,
    relative_key,
)
from lytsite_desktop.core.keys import project_prefix
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.headers import ASSETS as ASSETS_CACHE
from lytsite_desktop.core.publish.headers import REVALIDATE
from lytsite_desktop.core.publish.manifest import Manifest

ASSETS = ("gallery.css", "gallery.js")
PAGE = "index.html"

_SIZES = {
    Layout.SINGLE: "100vw",
    Layout.GRID: "(max-width: 700px) 100vw, 50vw",
    Layout.MASONRY: "(max-width: 700px) 100vw, 34vw",
    Layout.THUMBS: "200px",
}


def asset(name: str) -> bytes:
    return resources.files("lytsite_desktop.core.gallery").joinpath("webassets", name).read_bytes()


def _url(key: str, prefix: str) -> str:
    return quote(relative_key(prefix, key), safe="/")


def _figure(
    entry: ManifestEntry, index: int, layout: Layout, prefix: str, originals: str | None
) -> str:
    name = escape(entry.fileName)
    attrs = {
        "data-index": str(index),
        "data-name": entry.fileName,
        "data-camera": camera_summary(entry),
    }
    original = None
    if entry.originalKey and originals is not None:
        original = originals + _url(entry.originalKey, prefix)
        attrs["data-original"] = original
        attrs["data-download"] = download_label(entry)
    thumb = entry.thumb
    image = full_image(entry)
    if image is not None:
        attrs["data-full"] = _url(image.key, prefix)
    data = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
    if is_video(entry) and entry.preview is not None:  # played in place, not in the lightbox
        attrs.pop("data-full", None)
        data = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
        poster = f' poster="{_url(thumb.key, prefix)}"' if thumb is not None else ""
        size = f' width="{entry.preview.width}" height="{entry.preview.height}"'
        opener = (
            f'<video controls playsinline preload="none"{poster}{size} '
            f'src="{_url(entry.preview.key, prefix)}" aria-label="{name}"></video>'
        )
    elif thumb is not None:
        srcset = f"{_url(thumb.key, prefix)} {thumb.width}w"
        if image is not None and image is not thumb:
            srcset += f", {_url(image.key, prefix)} {image.width}w"
        picture = (
            f'<img src="{_url(thumb.key, prefix)}" srcset="{srcset}" sizes="{_SIZES[layout]}" '
            f'width="{thumb.width}" height="{thumb.height}" loading="lazy" decoding="async" '
            f'alt="{name}"{_placeholder(entry)}>'
        )
        href = escape(attrs.get("data-full") or original or "#")
        opener = f'<a class="open" href="{href}" aria-label="Open {name}">{picture}</a>'
    else:  # no preview (a video, an archive): a tile naming it
        kind = escape(entry.fileName.rsplit(".", 1)[-1].upper() if "." in entry.fileName else "")
        opener = f'<span class="tile" aria-hidden="true">{kind}</span>'
    caption = f'<span class="name">{name}</span>'
    if original is not None:
        caption += (
            f' <a class="download" href="{escape(original)}" download="{name}">'
            f"{escape(download_label(entry))}</a>"
        )
    return f'<figure class="item" {data}>{opener}<figcaption>{caption}</figcaption></figure>'


def _count(view: ClientView) -> str:
    counts = (("photo", view.count), ("video", len(view.videos)),
              ("document", len(view.documents)))  # fmt: skip
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
        link = (
            f' <a class="download" href="{escape(original)}" download="{name}">'
            f"{escape(download_label(entry))}</a>"
            if original
            else ""
        )
        rows.append(f'<li class="document">{opener}{link}</li>')
    return (
        '<section class="section documents"><h2>Documents</h2><ul>'
        + "".join(rows)
        + "</ul></section>"
    )


def render_index(manifest: Manifest, *, originals: str | None = "") -> str:
    """The page. ``originals`` is where original links point: "" for relative to the
    page (the bucket, or an export that includes them), a URL ending in "/" for
    the project's folder elsewhere, None for no download links."""
    prefix = project_prefix(manifest.project)
    view = client_view(manifest)
    layout = layout_for(view.count)
    parts: list[str] = []
    index = 0
    for section in view.sections:
        figures = []
        for entry in section.entries:
            figures.append(_figure(entry, index, layout, prefix, originals))
            index += 1
        title = f"<h2>{escape(section.title)}</h2>" if section.title else ""
        columns = f' style="--cols: {grid_columns(view.count)}"' if layout == Layout.GRID else ""
        parts.append(
            f'<section class="section">{title}<div class="items"{columns}>'
            + "\n".join(figures)
            + "</div></section>"
        )
    if view.videos:
        figures = [_figure(e, index + i, Layout.GRID, prefix, originals)
                   for i, e in enumerate(view.videos)]  # fmt: skip
        parts.append(
            '<section class="section videos"><h2>Videos</h2><div class="items">'
            + "\n".join(figures)
            + "</div></section>"
        )
    if view.documents:
        parts.append(_documents(view.documents, prefix, originals))
    project = escape(view.title)
    header = _header(view, prefix)
    body = "\n".join(parts) or '<p class="empty">Nothing is published here yet.</p>'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lytsite-desktop">
<title>{project}</title>
<link rel="stylesheet" href="gallery.css">
</head>
<body class="layout-{layout.value}" data-layout="{layout.value}" data-count="{view.count}">
{header}
<main>
{body}
</main>
<dialog id="lightbox" aria-label="Photo viewer">
<figure><img alt=""><figcaption><span class="name"></span> <span class="camera"></span>
<span class="counter"></span> <a class="download" href="#" download></a></figcaption></figure>
<button type="button" class="prev" aria-label="Previous (left arrow)">&#8249;</button>
<button type="button" class="next" aria-label="Next (right arrow)">&#8250;</button>
<button type="button" class="close" aria-label="Close (Esc)">&#215;</button>
</dialog>
<script src="gallery.js"></script>
</body>
</html>
"""


def publish_pages(destination: Destination, manifest: Manifest) -> None:
    """Put the page and its assets next to the project's manifest."""
    prefix = project_prefix(manifest.project)
    for name in ASSETS:
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        destination.put_bytes(
            prefix + name, asset(name), f"{kind}; charset=utf-8", cache_control=ASSETS_CACHE
        )
    destination.put_bytes(
        prefix + PAGE,
        render_index(manifest).encode(),
        "text/html; charset=utf-8",
        cache_control=REVALIDATE,
    )


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
    for name in ASSETS:
        (out / name).write_bytes(asset(name))
    links = "" if original is not None else originals_url
    (out / PAGE).write_text(render_index(manifest, originals=links), "utf-8")
    return problems
