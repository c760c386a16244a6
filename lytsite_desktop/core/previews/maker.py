"""Previews as the engine asks for them: from the cache, else made by a worker process."""

from __future__ import annotations

import hashlib
import logging
import queue
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from lytsite_desktop.core.config.settings import PreviewSettings, WatermarkSettings
from lytsite_desktop.core.ingest.filetypes import FileType, Kind
from lytsite_desktop.core.previews import notes
from lytsite_desktop.core.previews.cache import Cached, PreviewCache, variant
from lytsite_desktop.core.previews.claims import wants_a_worker
from lytsite_desktop.core.previews.jobs import RenderJob, RenderResult, not_a_picture
from lytsite_desktop.core.previews.pool import RenderSlot, start_all
from lytsite_desktop.core.sizes import MiB

if TYPE_CHECKING:
    from lytsite_desktop.core.previews.watermark import Mark

log = logging.getLogger(__name__)

#: What a watermark goes on: pictures (not a video's poster, not a PDF's page).
_MARKED = {Kind.IMAGE, Kind.RAW, Kind.OTHER}


class PreviewMaker:
    """Owns the preview cache and one worker process per slot.

    ``make()`` may be called from any number of threads (every destination's
    engine has ingest threads): each call borrows a free worker, so each process
    has at most one job and the CPU spent on previews stays bounded.
    """

    def __init__(
        self, settings: PreviewSettings, cache_dir: Path,
        watermark: WatermarkSettings | None = None,
    ) -> None:  # fmt: skip
        settings.validate()
        self.settings = settings
        self.watermark = watermark or WatermarkSettings()
        self._logo_read: tuple[object, bytes] = (None, b"")
        self.cache = PreviewCache(cache_dir)
        self.variant = variant(settings)
        limit = settings.memory_limit_mib * MiB if settings.memory_limit_mib else None
        self._slots = [
            RenderSlot(timeout=settings.timeout, memory_limit=limit)
            for _ in range(settings.worker_count)
        ]
        self._free: queue.SimpleQueue[RenderSlot] = queue.SimpleQueue()
        for slot in self._slots:
            self._free.put(slot)
        self._started = False

    def start(self) -> None:
        """Start the workers now (at their lower priority); returns at once. The
        first file that wants one starts them all, if nothing did before."""
        self._started = True
        start_all(self._slots)

    @property
    def workers(self) -> int:
        return len(self._slots)

    def mark_for(self, project: str) -> Mark | None:
        """The watermark a project's previews get (None: none). A logo that cannot
        be read is said in the log, and the text (if any) is used instead."""
        ws = self.watermark
        if not ws.applies_to(project):
            return None
        logo = self._logo(ws.logo) if ws.logo else b""
        if not logo and not ws.text.strip():
            return None
        from lytsite_desktop.core.previews.watermark import Mark  # Pillow: only when marking

        return Mark(ws.text, logo, ws.position, ws.size, ws.opacity, ws.thumbs)

    def _logo(self, path: str) -> bytes:
        """The logo's bytes, read again only when the file changes (b"": unreadable)."""
        try:
            st = Path(path).stat()
            key = (path, st.st_mtime_ns, st.st_size)
            if self._logo_read[0] != key:
                self._logo_read = (key, Path(path).read_bytes())
        except OSError as exc:
            log.warning("the watermark's logo cannot be read (%s): %s", path, exc)
            return b""
        return self._logo_read[1]

    def tags(self, mark: Mark | None) -> tuple[str, str]:
        """The preview's and the thumbnail's key tags: "" with the default sizes and
        qualities and no watermark (the keys stay ``{stem}.webp``), else eight hex
        digits naming what they are made with. Browsers keep renditions forever
        (immutable): new bytes must come at a new address."""
        ps, default = self.settings, PreviewSettings()
        preview = (ps.size, ps.quality, mark.tag if mark else "")
        thumbed = mark.tag if mark is not None and mark.thumbs else ""
        thumb = (ps.thumb_size, ps.thumb_quality, thumbed)

        def tag(made: tuple[int, int, str], plain: tuple[int, int, str]) -> str:
            return "" if made == plain else hashlib.sha256(repr(made).encode()).hexdigest()[:8]

        return (tag(preview, (default.size, default.quality, "")),
                tag(thumb, (default.thumb_size, default.thumb_quality, "")))  # fmt: skip

    def _variant(self, mark: Mark | None) -> str:
        return f"{self.variant}-w{mark.tag}" if mark is not None else self.variant

    def cached(self, sha256: str, project: str = "") -> Cached | None:
        """A picture's renditions for ``project`` if the cache has them."""
        return self.cache.get(sha256, self._variant(self.mark_for(project)))

    def make(self, source: str, sha256: str, ftype: FileType, project: str = "") -> Cached:
        """The file's renditions (cached or made now) for ``project`` (its
        watermark); never raises for a bad file."""
        mark = self.mark_for(project) if ftype.kind in _MARKED else None
        variant_name = self._variant(mark)
        found = self.cache.get(sha256, variant_name)
        if found is not None:
            return found
        if ftype.empty:
            return Cached(self.cache.root, RenderResult(note=notes.empty(), lasting=False))
        if not wants_a_worker(ftype, source):
            # Said at once (not cached: asking again costs less than a cache entry).
            said = not_a_picture(ftype.kind, ftype.label, source, ftype.misnamed)
            return Cached(self.cache.root, replace(said, lasting=False))
        if not self._started:
            self.start()  # the others, while this job waits for its own
        work = self.cache.workdir()
        ps = self.settings
        preview_tag, thumb_tag = self.tags(mark)
        job = RenderJob(
            source=source,
            kind=ftype.kind.value,
            label=ftype.label,
            out_dir=str(work),
            size=ps.size,
            quality=ps.quality,
            thumb_size=ps.thumb_size,
            thumb_quality=ps.thumb_quality,
            max_pixels=ps.max_megapixels * 1_000_000,
            misnamed=ftype.misnamed,
            watermark=mark,
            preview_tag=preview_tag,
            thumb_tag=thumb_tag,
        )
        slot = self._free.get()
        try:
            result = slot.render(job)
        except BaseException:
            self.cache.discard(work)
            raise
        finally:
            self._free.put(slot)
        return self.cache.put(sha256, variant_name, work, result)

    def interrupt(self) -> None:
        """Kill running jobs now (the app is stopping)."""
        for slot in self._slots:
            slot.kill()

    def close(self) -> None:
        for slot in self._slots:
            slot.close()
