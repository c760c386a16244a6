"""One file as the manifest lists it, and its preview and thumbnail (schema
``lytsite.manifest/1``, see ``shared/DESIGN.md``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Rendition:
    key: str
    width: int
    height: int
    size: int
    #: "image/webp", a PDF's view copy "application/pdf", a video's "video/mp4".
    contentType: str | None = None


@dataclass(frozen=True)
class ManifestEntry:
    fileId: str
    fileName: str
    path: str
    contentType: str
    size: int
    sha256: str
    #: None while the original is still uploading (preview-first publishing).
    originalKey: str | None
    width: int | None = None
    height: int | None = None
    preview: Rendition | None = None
    thumb: Rendition | None = None
    #: Camera, lens, exposure, date: the gallery caption (never the location).
    camera: dict[str, str] | None = None
    #: Why the file has no preview (null when it has one).
    note: str | None = None
    #: A video's length in seconds.
    duration: float | None = None
    #: When this version was published (UTC, ISO 8601): the newest version of a
    #: path wins when two computers publish into one project.
    publishedAt: str | None = None
    #: The thumbnail's average colour ("#rrggbb"): the page's placeholder.
    color: str | None = None
    #: True: its preview carries the photographer's watermark (the page then
    #: never zooms into the original, which has none).
    watermarked: bool | None = None
    #: True: published, but left out of the client's page. None: nobody chose
    #: (a damaged picture comes in hidden; the photographer's choice then stays).
    hidden: bool | None = None

    def over(self, old: ManifestEntry | None) -> ManifestEntry:
        """This entry, keeping what ``old`` already lists for the same content.

        One file is published in halves (preview, original) and each half upserts
        its entry; re-publishing content that is already up must never make the
        listing worse in between (an original key or preview turned back to null).
        """
        if old is None or old.fileId != self.fileId:
            return self
        merged = replace(
            self,
            originalKey=self.originalKey or old.originalKey,
            width=self.width if self.width is not None else old.width,
            height=self.height if self.height is not None else old.height,
            preview=self.preview or old.preview,
            thumb=self.thumb or old.thumb,
            camera=self.camera or old.camera,
            duration=self.duration if self.duration is not None else old.duration,
            color=self.color or old.color,
            watermarked=self.watermarked if self.preview else old.watermarked,
            hidden=old.hidden if old.hidden is not None else self.hidden,
        )
        return replace(merged, note=None) if merged.preview is not None else merged

    @property
    def taken_at(self) -> str:
        """When the photo was taken (from its camera data), "" if unknown."""
        return (self.camera or {}).get("takenAt", "")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (a plain copy: dataclasses.asdict deep-copies, far slower)."""
        d = dict(self.__dict__)
        for r in ("preview", "thumb"):
            if d[r] is not None:
                d[r] = dict(d[r].__dict__)
        if d["camera"] is not None:
            d["camera"] = dict(d["camera"])
        for optional in ("hidden", "color", "watermarked"):
            if d[optional] is None:
                del d[optional]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ManifestEntry:
        known = cls.__dataclass_fields__
        values = {k: v for k, v in d.items() if k in known}
        for r in ("preview", "thumb"):
            if isinstance(values.get(r), dict):
                values[r] = Rendition(**values[r])
        return cls(**values)
