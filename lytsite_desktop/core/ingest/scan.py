"""Turning dropped files and folders into upload requests, streamed as found.

Only regular files are yielded (a FIFO, socket or device is never opened);
symlinked folders are followed once (device and inode remembered, so a loop ends);
hidden folders and system clutter are skipped. Each file's path relative to the
dropped folder is normalised to NFC (macOS writes NFD), and two files that would
end up at the same path in one project (an NFC and an NFD spelling of one name,
two dropped folders with the same name) are told apart: "name (2).jpg".
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from lytsite_desktop.core.keys import slugify

#: Files that operating systems leave behind and no client wants in a gallery.
CLUTTER = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"}


@dataclass(frozen=True)
class ScanItem:
    source: str
    #: Path relative to the dropped folder, '/'-separated, NFC (a gallery section).
    rel_path: str
    #: The project name a drop of this item suggests (the folder's slug).
    project: str
    #: The path it would have had, when renamed to avoid a collision.
    renamed_from: str | None = None
    #: Bytes, as found by the scan (a window shows it without touching the disk).
    size: int = 0
    #: The dropped folder's name as the photographer wrote it ("Wedding Ana & João"):
    #: how messages name the project when no other name was typed.
    title: str = ""


@dataclass(frozen=True)
class ScanProblem:
    path: str
    reason: str


def is_clutter(name: str) -> bool:
    return name.lower() in CLUTTER or name.startswith("._")


def scan(paths: list[str]) -> Iterator[ScanItem | ScanProblem]:
    """Yield every regular file under ``paths`` as it is found (see module doc)."""
    taken: set[tuple[str, str]] = set()
    for found in _scan(paths):
        if isinstance(found, ScanItem):
            found = _unique(found, taken)
        yield found


def _unique(item: ScanItem, taken: set[tuple[str, str]]) -> ScanItem:
    """The item, renamed "stem (n).ext" if its project already has that path."""
    rel = item.rel_path
    n = 1
    while (item.project, rel) in taken:
        n += 1
        folder, _, name = item.rel_path.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        if not stem:  # no extension (or a dotfile)
            stem, dot, ext = name, "", ""
        rel = f"{folder}/" * bool(folder) + f"{stem} ({n}){dot}{ext}"
    taken.add((item.project, rel))
    if rel == item.rel_path:
        return item
    return replace(item, rel_path=rel, renamed_from=item.rel_path)


def _scan(paths: list[str]) -> Iterator[ScanItem | ScanProblem]:
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            st = path.stat()
        except OSError as exc:
            yield ScanProblem(str(path), exc.strerror or str(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path.resolve())
        elif stat.S_ISREG(st.st_mode):
            parent = path.resolve().parent
            yield ScanItem(
                str(path.resolve()), _nfc(path.name), slugify(parent.name), size=st.st_size,
                title=_nfc(parent.name),
            )  # fmt: skip
        else:
            yield ScanProblem(str(path), "not a regular file or folder")


def _walk(root: Path) -> Iterator[ScanItem | ScanProblem]:
    project, title = slugify(root.name), _nfc(root.name)
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue  # a symlink loop or a second way into the same folder
            seen.add((st.st_dev, st.st_ino))
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield ScanProblem(str(folder), exc.strerror or str(exc))
            continue
        subfolders = []
        for entry in entries:
            if is_clutter(entry.name):
                continue
            try:
                est = entry.stat()  # follows symlinks; loops are caught by `seen`
            except OSError:
                continue  # dangling link
            if stat.S_ISDIR(est.st_mode):
                if not entry.name.startswith("."):
                    subfolders.append(Path(entry.path))
            elif stat.S_ISREG(est.st_mode) and not entry.name.startswith("."):
                rel = Path(entry.path).relative_to(root).as_posix()
                yield ScanItem(entry.path, _nfc(rel), project, size=est.st_size, title=title)
        stack.extend(reversed(subfolders))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
