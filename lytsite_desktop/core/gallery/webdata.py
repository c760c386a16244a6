"""What the web page's script needs, as one JSON block in the page: the files a
"Download all" puts in its ZIP (originals, or the web-size copies), their names,
where the client's selection is sent, and the expiry date."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from lytsite_desktop.core import jsontext
from lytsite_desktop.core.gallery.layout import (
    ClientView,
    camera_summary,
    full_image,
    is_video,
    long_date,
    zoom_width,
)
from lytsite_desktop.core.gallery.layout import relative_key as _relative
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.manifest import Manifest


@dataclass(frozen=True)
class PageData:
    project: str
    contact: str | None = None
    expires: str | None = None
    downloads_on: bool = False
    files: list[dict[str, object]] = field(default_factory=list)

    @property
    def originals_size(self) -> int:
        return sum(int(f.get("os", 0)) for f in self.files)  # type: ignore[call-overload]

    @property
    def web_size(self) -> int:
        return sum(int(f.get("ws", 0)) for f in self.files)  # type: ignore[call-overload]

    def to_json(self) -> str:
        """JSON safe inside a <script> element (no "<", ">" or "&" as such)."""
        head = {"project": self.project, "contact": self.contact, "expires": self.expires,
                "downloads": self.downloads_on}  # fmt: skip
        text = jsontext.with_list(head, "files", map(jsontext.encode, self.files))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _web_copy(entry: ManifestEntry) -> Rendition | None:
    """The web-size copy a "Download all" offers: the preview (a video's MP4, a
    PDF's view copy), else the picture the lightbox shows."""
    if entry.preview is not None and (is_video(entry) or entry.preview.key.endswith(".pdf")):
        return entry.preview
    return full_image(entry)


def page_data(manifest: Manifest, view: ClientView, prefix: str, originals: str | None) -> PageData:
    """Per file: id, name (n), path (p), camera line (c); with downloads on, the
    original (o, os: URL and size), the web-size copy (w, ws) and, for a photo the
    lightbox may zoom into, [preview width, original width] (z)."""
    entries = [e for s in view.sections for e in s.entries] + view.videos + view.documents
    files: list[dict[str, object]] = []
    for entry in entries:
        item: dict[str, object] = {"id": entry.fileId, "n": entry.fileName, "p": entry.path}
        camera = camera_summary(entry)
        if camera:
            item["c"] = camera
        if originals is not None and entry.originalKey:
            item |= {"o": originals + quote(_relative(prefix, entry.originalKey), safe="/"),
                     "os": entry.size}  # fmt: skip
            web = _web_copy(entry)
            if web is not None and web.size:
                item |= {"w": quote(_relative(prefix, web.key), safe="/"), "ws": web.size}
            zoom = zoom_width(entry, True)
            image = full_image(entry)
            if zoom and image is not None:
                item["z"] = [image.width, zoom]
        files.append(item)
    return PageData(manifest.project, manifest.contact, manifest.expires,
                    originals is not None, files)  # fmt: skip


def expired_words(expires: str) -> str:
    when = long_date(expires)
    return f"This gallery was open until {when}." if when else "This gallery has expired."
