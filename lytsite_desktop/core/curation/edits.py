"""Changes of the photographer's to a published project, as manifest operations.

Each is an :class:`~lytsite_desktop.core.publish.manifest.Edit`: applied to the
manifest as it is in the bucket when written, so a change made on one computer
merges with what another one published meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from lytsite_desktop.core.gallery.layout import ordered, page_sections
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Edit, Manifest

#: Longest title kept (a page's heading, not a paragraph).
MAX_TITLE = 200


def clean_title(text: str) -> str:
    return " ".join(text.split())[:MAX_TITLE]


def set_title(text: str) -> Edit:
    title = clean_title(text)

    def change(m: Manifest) -> None:
        m.title = title or None

    return Edit(change)


def default_title(text: str) -> Edit:
    """The title at the first publish: the name as typed, unless one is set."""
    title = clean_title(text)

    def change(m: Manifest) -> None:
        if m.title is None and title:
            m.title = title

    return Edit(change)


def set_studio(name: str, email: str = "") -> Edit:
    """The studio's name the page shows and the address a client's selection is
    sent to (from the settings, at each publish)."""
    studio = clean_title(name)
    contact = email.strip()

    def change(m: Manifest) -> None:
        m.studio = studio or None
        m.contact = contact or None

    return Edit(change)


def set_downloads(on: bool) -> Edit:
    """Downloads on the client's page (off: none offered, no original linked)."""

    def change(m: Manifest) -> None:
        m.downloads = None if on else False

    return Edit(change)


def set_private() -> Edit:
    def change(m: Manifest) -> None:
        m.private = True

    return Edit(change)


def set_expiry(day: date | None) -> Edit:
    """The last day the gallery is open (None: it stays open)."""
    text = day.isoformat() if day else None

    def change(m: Manifest) -> None:
        m.expires = text

    return Edit(change)


def set_cover(path: str | None) -> Edit:
    """The cover photo (None: back to the default, the first photo)."""

    def change(m: Manifest) -> None:
        entry = m.files.get(path) if path else None
        if path is None or entry is not None:
            m.cover = entry.fileId if entry else None

    return Edit(change)


def set_hidden(paths: Sequence[str], hidden: bool) -> Edit:
    chosen = tuple(paths)

    def change(m: Manifest) -> None:
        for path in chosen:
            entry = m.files.get(path)
            if entry is not None:  # a copy: the manifest as read stays as it was
                m.files[path] = replace(entry, hidden=hidden)

    return Edit(change)


def move(path: str, offset: int) -> Edit:
    """Move a file ``offset`` places earlier (negative) or later among the files of
    its section (its folder, or the videos, or the documents: the page shows each
    section in its own order, so a place in another one would change nothing the
    client sees); the whole order is kept from then on. The first file of its
    section moved earlier, or the last later, stays where it is."""

    def change(m: Manifest) -> None:
        entry = m.files.get(path)
        if entry is None:
            return
        mates = [e.fileId for e in section_of(m, entry)]
        i = mates.index(entry.fileId)
        j = max(0, min(len(mates) - 1, i + offset))
        if j == i:
            return
        ids = [e.fileId for e in display_order(m)]
        ids.remove(entry.fileId)
        k = ids.index(mates[j])
        ids.insert(k if offset < 0 else k + 1, entry.fileId)
        m.order = ids

    return Edit(change)


def can_move(m: Manifest, path: str, offset: int) -> bool:
    """Does :func:`move` change anything? (Not for the first file of its section
    moved earlier, nor the last one moved later.)"""
    entry = m.files.get(path)
    if entry is None:
        return False
    mates = [e.fileId for e in section_of(m, entry)]
    return 0 <= mates.index(entry.fileId) + offset < len(mates)


def section_of(m: Manifest, entry: ManifestEntry) -> tuple[ManifestEntry, ...]:
    """The files of ``entry``'s section, in the order the gallery shows them."""
    for section in page_sections(list(m.files.values()), m.order):
        if any(e.fileId == entry.fileId for e in section.entries):
            return section.entries
    return (entry,)


def display_order(manifest: Manifest) -> list[ManifestEntry]:
    """Every file in the order the gallery shows them."""
    return ordered(list(manifest.files.values()), manifest.order)
