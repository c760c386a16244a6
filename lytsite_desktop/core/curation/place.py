"""Where the photographer's changes happen, and the one way an edit is published."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.gallery.projects import GalleryStore
from lytsite_desktop.core.gallery.web import publish_pages
from lytsite_desktop.core.publish.manifest import Manifest, Op, commit
from lytsite_desktop.core.store.journal import Journal


@dataclass
class Place:
    """A destination, and this computer's records of what is published there."""

    destination: Destination
    journal: Journal
    gallery: GalleryStore


def change(place: Place, project: str, ops: Sequence[Op]) -> Manifest:
    """Write the photographer's edits into the manifest (merged with whatever
    another computer wrote), then the page and this computer's copy follow."""
    written = commit(place.destination, project, ops)
    publish_pages(place.destination, written.manifest)
    place.gallery.save_manifest(place.destination.ident, project, written.data)
    return written.manifest
