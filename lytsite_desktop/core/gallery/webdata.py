"""What the web page's script needs, as one JSON block in the page: the files a
"Download all" puts in its ZIP (originals, or the web-size copies), their names,
where the client's selection is sent, and the expiry date. Each file's part is
made on its own (:mod:`.memo` keeps it while its entry stays the same)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from lytsite_desktop.core import jsontext
from lytsite_desktop.core.gallery.layout import (
    camera_summary,
    full_image,
    is_video,
    long_date,
    zoom_width,
)
from lytsite_desktop.core.gallery.layout import relative_key as _relative
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition


@dataclass(frozen=True)
class FileItem:
    """One file in the page's data: its JSON text (safe inside a <script>) and the
    sizes a "Download all" adds up."""

    text: str
    original_size: int = 0
    web_size: int = 0


@dataclass(frozen=True)
class PageData:
    project: str
    contact: str | None = None
    expires: str | None = None
    downloads_on: bool = False
    files: Sequence[FileItem] = ()

    @property
    def originals_size(self) -> int:
        return sum(f.original_size for f in self.files)

    @property
    def web_size(self) -> int:
        return sum(f.web_size for f in self.files)

    def to_json(self) -> str:
        """JSON safe inside a <script> element (no "<", ">" or "&" as such)."""
        head = {"project": self.project, "contact": self.contact, "expires": self.expires,
                "downloads": self.downloads_on}  # fmt: skip
        opening = _script_safe(jsontext.encode(head)[:-1])  # each file's text is safe already
        return f'{opening},"files":[{",".join(f.text for f in self.files)}]}}'


def _script_safe(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _web_copy(entry: ManifestEntry) -> Rendition | None:
    """The web-size copy a "Download all" offers: the preview (a video's MP4, a
    PDF's view copy), else the picture the lightbox shows."""
    if entry.preview is not None and (is_video(entry) or entry.preview.key.endswith(".pdf")):
        return entry.preview
    return full_image(entry)


def file_item(entry: ManifestEntry, prefix: str, originals: str | None) -> FileItem:
    """Id, name (n), path (p), camera line (c); with downloads on, the original (o,
    os: URL and size), the web-size copy (w, ws) and, for a photo the lightbox may
    zoom into, [preview width, original width] (z)."""
    item: dict[str, object] = {"id": entry.fileId, "n": entry.fileName, "p": entry.path}
    camera = camera_summary(entry)
    if camera:
        item["c"] = camera
    original_size = web_size = 0
    if originals is not None and entry.originalKey:
        original_size = entry.size
        item |= {"o": originals + quote(_relative(prefix, entry.originalKey), safe="/"),
                 "os": original_size}  # fmt: skip
        web = _web_copy(entry)
        if web is not None and web.size:
            web_size = web.size
            item |= {"w": quote(_relative(prefix, web.key), safe="/"), "ws": web_size}
        zoom = zoom_width(entry, True)
        image = full_image(entry)
        if zoom and image is not None:
            item["z"] = [image.width, zoom]
    return FileItem(_script_safe(jsontext.encode(item)), original_size, web_size)


def expired_words(expires: str) -> str:
    when = long_date(expires)
    return f"This gallery was open until {when}." if when else "This gallery has expired."
