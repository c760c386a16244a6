"""The Gallery tab's slow work, off the GUI thread: which projects there are, and a
project opened from this computer's copy first, then brought up to date from its
bucket (the manifest, then the missing thumbnails and previews)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from lytsite_desktop.core.app import App, gallery_link
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.gallery.fetching import fetch_missing
from lytsite_desktop.core.gallery.layout import is_video
from lytsite_desktop.core.gallery.projects import (
    GalleryItem,
    ProjectRef,
    list_projects,
    refresh_manifest,
    remote_refs,
)
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.gui.gallery.thumbgrid import Tile

Described = list[tuple[ProjectRef, str]]


@dataclass
class Shown:
    """A project as the gallery shows it (made off the GUI thread)."""

    ref: ProjectRef
    manifest: Manifest
    sections: list[tuple[str, list[GalleryItem]]]
    link: str | None
    missing: int  # files whose images are not on this computer yet
    #: The sections as the grid of thumbnails draws them (made here, off the GUI
    #: thread: a project's thousands of tiles took the window 35 ms).
    tiles: list[tuple[str, list[Tile]]] = field(default_factory=list)


@dataclass
class Outcome:
    """How opening a project ended."""

    offline: str | None = None  # why the bucket was not reached
    had_copy: bool = True
    fetched: int = 0
    gone: list[str] = field(default_factory=list)  # keys the bucket no longer has
    unkept: str | None = None  # why this computer could not keep what came


def known_projects(app: App, early: Callable[[Described], None] | None) -> Described:
    """This computer's projects, described; with ``early`` (called with those first,
    since a bucket may take its time, or be away) also the saved destinations'."""
    refs = list_projects(app.journal, app.gallery)
    described = [(r, describe(app, r)) for r in refs]
    if early is None:
        return described
    early(described)
    more = _remote_refs(app, {(r.dest, r.project) for r in refs})
    everything = described + [(r, describe(app, r)) for r in more]
    return sorted(everything, key=lambda pair: pair[0].updated, reverse=True)  # newest first


def _remote_refs(app: App, have: set[tuple[str, str]]) -> list[ProjectRef]:
    out = []
    refs = [DestRef.local_library(app.paths)]
    refs += [DestRef(name) for name in sorted(app.settings.destinations)]
    for ref in refs:
        try:
            destination = app.open(ref)
        except (ConfigError, TransferError):
            continue  # the window's Settings say what is wrong with it
        try:
            out += remote_refs(destination, have)
        except TransferError:
            pass  # away: its projects come when it is back
        finally:
            destination.close()
    return out


def describe(app: App, ref: ProjectRef) -> str:
    spec = app.journal.destination_spec(ref.dest)
    where = spec if spec and spec in app.settings.destinations else ref.dest
    if ref.dest.startswith("file://"):
        where = "this computer"
    files = f"{ref.files} file{'s' if ref.files != 1 else ''}" if ref.files else "in the bucket"
    when = ref.updated.replace("T", " ")[:16]
    return " · ".join(p for p in (files, when, where) if p)


def shown_for(app: App, ref: ProjectRef, manifest: Manifest) -> Shown:
    sections = app.gallery.items(ref.dest, manifest)
    missing = sum(1 for _, items in sections for i in items if not i.here)
    link = gallery_link(app.destination_config(ref.dest), ref.dest, ref.project)
    tiles = [(title, [_tile(i) for i in items]) for title, items in sections]
    return Shown(ref, manifest, sections, link, missing, tiles)


def _tile(item: GalleryItem) -> Tile:
    return Tile(
        item.entry.fileName, str(item.thumb) if item.thumb else None, bool(item.entry.hidden),
        video=is_video(item.entry),
    )  # fmt: skip


def fetch_project(
    app: App,
    ref: ProjectRef,
    stop: threading.Event,
    *,
    show: Callable[[Shown], None],
    progress: Callable[[tuple[int, int, list[str]]], None],
    urgent: Callable[[], list[str]] = list,
) -> Outcome:
    """The window's way in (the command line's is ``core.gallery.projects.load_project``):
    the local copy ``show``n at once, then the bucket's, then the previews and
    thumbnails not on this computer fetched, each reported as it arrives through
    ``progress((done, total, paths that arrived))`` (the window batches them);
    those ``urgent`` names (on screen now) first."""
    store = app.gallery
    local = store.manifest(ref.dest, ref.project)
    if local is not None:
        show(shown_for(app, ref, local))
    try:
        destination = app.open_ident(ref.dest)
    except (ConfigError, TransferError) as exc:
        return Outcome(offline=str(exc), had_copy=local is not None)
    try:
        try:
            manifest = refresh_manifest(store, destination, ref.project)
        except TransferError as exc:
            return Outcome(offline=str(exc), had_copy=local is not None)
        shown = shown_for(app, ref, manifest)
        if manifest != local:
            show(shown)
        if not shown.missing:
            return Outcome()
        arrived: list[str] = []  # fetched since the last report

        def report(done: int, total: int) -> None:
            batch = arrived[:]
            arrived.clear()
            progress((done, total, batch))

        fetched = fetch_missing(
            store, destination, manifest, report, stop.is_set,
            lambda path: arrived.append(str(path)), urgent,
        )  # fmt: skip
        return Outcome(fetched.offline, fetched=fetched.fetched, gone=fetched.missing,
                       unkept=fetched.unkept)  # fmt: skip
    finally:
        destination.close()
