"""A client's selection, as it comes back to the photographer: a list of file names
(one per line from the page's "Copy file names" or its e-mail; or separated by
commas, with or without extensions, as people retype them), matched against a
published project; and the same files as a Lightroom text filter."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lytsite_desktop.core.publish.entry import ManifestEntry

_SEPARATORS = re.compile(r"[\n\r,;\t]+")


@dataclass(frozen=True)
class Matched:
    found: list[ManifestEntry]  # in the order of the list, each once
    missing: list[str]  # names in the list that this project does not have


def names_in(text: str) -> list[str]:
    """The names in a pasted list ("My selection (3):" and blank lines ignored)."""
    names = []
    for part in _SEPARATORS.split(text):
        name = part.strip().strip("•*-–").strip()
        if name and not name.lower().startswith(("my selection", "http://", "https://")):
            names.append(name)
    return names


def _stem(name: str) -> str:
    return posixpath.splitext(name)[0].casefold()


def match(text: str, entries: Sequence[ManifestEntry]) -> Matched:
    """Each name matched by file name, else by its stem (IMG_0412 for IMG_0412.jpg),
    case-insensitively."""
    by_name: dict[str, list[ManifestEntry]] = {}
    by_stem: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        by_name.setdefault(entry.fileName.casefold(), []).append(entry)
        by_stem.setdefault(_stem(entry.fileName), []).append(entry)
    found: dict[str, ManifestEntry] = {}
    missing: list[str] = []
    for name in names_in(text):
        hits = by_name.get(name.casefold()) or by_stem.get(name.casefold()) or []
        if not hits:
            missing.append(name)
        for entry in hits:
            found.setdefault(entry.fileId, entry)
    return Matched(list(found.values()), missing)


def lightroom_filter(entries: Sequence[ManifestEntry]) -> str:
    """File names without extensions, comma-separated: pasted into Lightroom's
    Library Filter (Text, Filename, Contains), it shows these photos."""
    stems = dict.fromkeys(posixpath.splitext(e.fileName)[0] for e in entries)
    return ", ".join(stems)
