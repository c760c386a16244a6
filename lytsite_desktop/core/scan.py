"""Turning dropped files and folders into upload requests, streamed as found."""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ScanProblem:
    path: str
    reason: str


def is_clutter(name: str) -> bool:
    return name.lower() in CLUTTER or name.startswith("._")


def scan(paths: list[str]) -> Iterator[ScanItem | ScanProblem]:
    """Yield every regular file under ``paths``; folders are walked without following
    symlinks into loops; hidden folders and system clutter are skipped."""
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            st = path.stat()
        except OSError as exc:
            yield ScanProblem(str(path), exc.strerror or str(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path.resolve(), slugify(path.resolve().name))
        elif stat.S_ISREG(st.st_mode):
            parent = path.resolve().parent
            yield ScanItem(str(path.resolve()), _nfc(path.name), slugify(parent.name))
        else:
            yield ScanProblem(str(path), "not a regular file or folder")


def _walk(root: Path, project: str) -> Iterator[ScanItem | ScanProblem]:
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
                yield ScanItem(entry.path, _nfc(rel), project)
        stack.extend(reversed(subfolders))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
