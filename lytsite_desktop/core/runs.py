"""One destination's run: its transfer engine assembled with the projects'
manifest writer (the engine's lister, which keeps the offline copy) and the
client's pages. :class:`~.publishing.PublishingService` opens every run with it;
tests open one alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import TransferError
from lytsite_desktop.core.gallery.projects import GalleryStore
from lytsite_desktop.core.gallery.web import WebPages
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.publish.writer import ManifestWriter
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.transfer.engine import TransferEngine
from lytsite_desktop.core.transfer.ratelimit import RateLimiter
from lytsite_desktop.core.transfer.slots import PartSlots

log = logging.getLogger(__name__)


@dataclass
class Run:
    """One destination's engine, its manifest writer and its client pages."""

    engine: TransferEngine
    writer: ManifestWriter | None
    web: WebPages | None = None


def open_engine(
    dest: Destination,
    journal: Journal,
    settings: TransferSettings,
    *,
    previews: PreviewMaker | None = None,
    gallery: GalleryStore | None = None,
    manifest: bool = True,
    limiter: RateLimiter | None = None,
    slots: PartSlots | None = None,
) -> Run:
    """An engine for ``dest``, with the manifest writer as its lister (closed when the
    engine stops), its offline copy in ``gallery`` and the web page."""
    writer = web = None
    if manifest:
        web = WebPages(dest)

        def written(m: Manifest, data: bytes) -> None:
            if gallery is not None:  # the offline gallery's copy
                gallery.save_manifest(dest.ident, m.project, data)
            try:  # while files still stream: the batch's end then puts only the page
                web.assets(m.project)
            except TransferError as exc:
                log.info("the page's assets wait for the page: %s", exc)

        writer = ManifestWriter(dest, dest.write_interval, written=written, pages=web.page)
    engine = TransferEngine(
        dest, journal, settings, previews=previews, lister=writer, limiter=limiter, slots=slots
    )
    if writer is not None:
        writer.settling, writer.drained = engine.winding_down, engine.drained
        engine.on_quiet = writer.wake
        engine.on_stop(lambda seconds: writer.close(timeout=seconds))
    return Run(engine, writer, web)
