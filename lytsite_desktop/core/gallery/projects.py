"""Published projects, and their copies on this computer for the offline gallery.

``{cache}/gallery/{destination}/{project}/`` holds the project's last known
``manifest.json`` and the previews and thumbnails the preview cache does not
already have, laid out as in the bucket (``previews/{fileId}/{stem}.webp``).
Everything the gallery shows comes from here or from the preview cache; the
bucket is only asked when something is missing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import ConfigError, PermanentError, TransferError
from lytsite_desktop.core.gallery.layout import full_image, is_video, page_sections, relative_key
from lytsite_desktop.core.keys import manifest_key, project_prefix
from lytsite_desktop.core.previews.cache import META
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.store.journal import Journal

log = logging.getLogger(__name__)

Which = Literal["preview", "thumb"]

#: How much of a manifest's start is read for its title: it comes before the files.
MANIFEST_HEAD = 4096
_HEAD_FIELD = re.compile(r'"(title|updatedAt)"\s*:\s*("(?:[^"\\]|\\.)*")')


@dataclass(frozen=True)
class ProjectRef:
    dest: str  # the destination's ident (its URL without credentials)
    project: str
    files: int
    updated: str  # ISO 8601, "" when unknown
    title: str | None = None  # as the client sees it (None: the project's name)
    expires: str | None = None  # the last day the client's page is open
    shown: int = 0  # files the client's page shows (not hidden)


def ref_of(dest: str, manifest: Manifest) -> ProjectRef:
    """The project as its manifest at ``dest`` describes it."""
    listed = sum(1 for e in manifest.files.values() if e.originalKey)
    shown = sum(1 for e in manifest.files.values() if not e.hidden)
    return ProjectRef(dest, manifest.project, listed, manifest.updated_at, manifest.title,
                      manifest.expires, shown)  # fmt: skip


@dataclass(frozen=True)
class GalleryItem:
    """A published file as the gallery shows it: where this computer keeps its
    thumbnail and its full-size image (the preview, or a PDF's page); None when
    the file has none (a video, an archive)."""

    entry: ManifestEntry
    thumb: Path | None
    full: Path | None
    here: bool  # both are on this computer now (else a rebuild brings them)
    #: A video's web-playable preview (where it is, or will be, on this computer).
    video: Path | None = None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class GalleryStore:
    def __init__(self, cache_dir: Path) -> None:
        self.root = cache_dir / "gallery"
        self.renditions = cache_dir / "renditions"  # the preview cache's folder

    # -- manifests -------------------------------------------------------------------------

    def _dest_folder(self, dest: str) -> Path:
        return self.root / hashlib.sha256(dest.encode()).hexdigest()[:16]

    def folder(self, dest: str, project: str) -> Path:
        return self._dest_folder(dest) / project

    def mirror(self, dest: str, project: str, key: str) -> Path:
        """Where a fetched rendition is kept (laid out as in the bucket). One path
        made from one string: a project's thousands of files are looked up at once."""
        return Path(
            f"{self._folder_text(dest, project)}/{relative_key(project_prefix(project), key)}"
        )

    @functools.lru_cache(maxsize=64)  # noqa: B019 (the store lives as long as the app)
    def _folder_text(self, dest: str, project: str) -> str:
        return str(self.folder(dest, project))

    def keep(self, dest: str, project: str, key: str, data: bytes) -> Path:
        """A rendition fetched from the destination, kept where :meth:`mirror` says."""
        path = self.mirror(dest, project, key)
        _atomic_write(path, data)
        return path

    def save_manifest(self, dest: str, project: str, data: bytes) -> None:
        """Keep the copy just written to (or read from) the destination."""
        folder = self._dest_folder(dest)
        ident = folder / "destination.json"
        if not ident.exists():
            _atomic_write(ident, json.dumps({"ident": dest}).encode())
        _atomic_write(folder / project / "manifest.json", data)

    def forget(self, dest: str, project: str) -> None:
        """A project deleted from its destination leaves this computer too."""
        shutil.rmtree(self.folder(dest, project), ignore_errors=True)

    def drop(self, dest: str, project: str, keys: list[str]) -> None:
        """Forget the fetched copies of objects deleted from the destination."""
        for key in keys:
            if key.startswith(project_prefix(project)):
                self.mirror(dest, project, key).unlink(missing_ok=True)

    def has_manifest(self, dest: str, project: str) -> bool:
        """Whether this computer keeps a copy of the project's manifest there."""
        return (self.folder(dest, project) / "manifest.json").is_file()

    def manifest(self, dest: str, project: str) -> Manifest | None:
        try:
            data = (self.folder(dest, project) / "manifest.json").read_bytes()
        except OSError:
            return None
        return Manifest.from_json(project, data)

    def title(self, dest: str, project: str) -> str:
        """How the photographer knows the project: its title where this computer
        keeps a copy of its manifest, else its name. Only the copy's head is read
        (the window asks every few seconds while idle)."""
        try:
            with (self.folder(dest, project) / "manifest.json").open("rb") as fh:
                head = fh.read(MANIFEST_HEAD)
        except OSError:
            return project
        return head_fields(head).get("title") or project

    def known(self) -> list[ProjectRef]:
        """The projects with a local manifest copy."""
        out = []
        for ident_file in self.root.glob("*/destination.json"):
            try:
                dest = json.loads(ident_file.read_text("utf-8"))["ident"]
            except (OSError, ValueError, KeyError):
                continue
            for m in ident_file.parent.glob("*/manifest.json"):
                out.append(ref_of(dest, Manifest.from_json(m.parent.name, m.read_bytes())))
        return out

    # -- renditions ------------------------------------------------------------------------

    def local(self, dest: str, project: str, entry: ManifestEntry, which: Which) -> Path | None:
        """Where this computer has the entry's preview or thumbnail, if it does."""
        thumb, preview = self.renditions_of(dest, project, entry)
        return preview if which == "preview" else thumb

    def renditions_of(
        self, dest: str, project: str, entry: ManifestEntry
    ) -> tuple[Path | None, Path | None]:
        """(thumbnail, preview) on this computer: the fetched copy, else the preview
        cache (made here, under the content hash, with any settings; matched by size)."""
        pairs: tuple[tuple[Which, Rendition | None], ...] = (
            ("thumb", entry.thumb),
            ("preview", entry.preview),
        )
        wanted = {w: r for w, r in pairs if r is not None}
        found: dict[Which, Path] = {}
        for which, r in wanted.items():
            mirror = self.mirror(dest, project, r.key)
            if _has_size(mirror, r.size):
                found[which] = mirror
        made_here = f"{self.renditions}/{entry.sha256[:2]}/{entry.sha256}"
        if len(found) < len(wanted) and os.path.isdir(made_here):  # a project's thousands
            for meta in Path(made_here).glob(f"*/{META}"):
                try:
                    made = json.loads(meta.read_text("utf-8"))
                except (OSError, ValueError):
                    continue
                for which, r in wanted.items():
                    m = made.get(which) or {}
                    candidate = meta.parent / str(m.get("name", ""))
                    if which in found or m.get("size") != r.size:
                        continue
                    if _has_size(candidate, r.size):
                        found[which] = candidate
        return found.get("thumb"), found.get("preview")

    def items(self, dest: str, manifest: Manifest) -> list[tuple[str, list[GalleryItem]]]:
        """The gallery's sections, each file with its images on this computer, or
        where a rebuild will put them (disk work: run it off the GUI thread)."""
        out = []
        project = manifest.project
        for section in page_sections(list(manifest.files.values()), manifest.order):
            items = []
            for e in section.entries:
                thumb, preview = self.renditions_of(dest, project, e)
                here = (thumb is not None or e.thumb is None) and (
                    preview is not None or e.preview is None
                )
                if thumb is None and e.thumb is not None:
                    thumb = self.mirror(dest, project, e.thumb.key)
                if preview is None and e.preview is not None:
                    preview = self.mirror(dest, project, e.preview.key)
                full = preview if full_image(e) is e.preview else thumb
                items.append(GalleryItem(e, thumb, full, here, preview if is_video(e) else None))
            out.append((section.title, items))
        return out


def _has_size(path: Path, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except OSError:
        return False


def refresh_manifest(store: GalleryStore, destination: Destination, project: str) -> Manifest:
    """The project's manifest from the destination (kept locally too).

    Raises TransferError when the destination cannot be reached."""
    data = destination.get_bytes(manifest_key(project))
    if data is None:
        raise PermanentError(f"{project} is not published at {destination.ident}")
    try:
        store.save_manifest(destination.ident, project, data)
    except OSError as exc:  # shown all the same; this computer keeps no copy of it
        log.info("the manifest's copy could not be kept: %s", exc)
    return Manifest.from_json(project, data)


def remote_projects(destination: Destination) -> list[str]:
    """The project folders at the destination (raises TransferError when offline)."""
    return destination.list_folders("projects/")


#: Manifest heads read at once.
HEADS_AT_ONCE = 8


def remote_refs(destination: Destination, have: set[tuple[str, str]]) -> list[ProjectRef]:
    """The destination's projects that are not in ``have``, titled (as the list
    shows them before they are opened). Raises TransferError when offline."""
    names = [n for n in remote_projects(destination) if (destination.ident, n) not in have]
    with ThreadPoolExecutor(HEADS_AT_ONCE) as pool:  # a far bucket: a round trip each
        return list(pool.map(functools.partial(remote_project, destination), names))


def remote_project(destination: Destination, project: str) -> ProjectRef:
    """A project in the bucket as the list shows it before it is opened: its title
    and its last change, from the head of its manifest (one small ranged read);
    its name alone when that cannot be read (no manifest, the bucket away)."""
    try:
        _, chunks = destination.read_range(manifest_key(project), 0, MANIFEST_HEAD)
        said = head_fields(b"".join(chunks))
    except TransferError as exc:
        log.info("no title for %s: %s", project, exc)
        return ProjectRef(destination.ident, project, 0, "")
    return ProjectRef(destination.ident, project, 0, said.get("updatedAt", ""),
                      title=said.get("title"))  # fmt: skip


def head_fields(head: bytes) -> dict[str, str]:
    """A manifest's title and last change (``updatedAt``) from its first
    :data:`MANIFEST_HEAD` bytes (they come before its files); those it does not
    say, or says as no text, are left out."""
    text = head[:MANIFEST_HEAD].decode("utf-8", "replace").split('"files"', 1)[0]
    try:
        said = {name: json.loads(value) for name, value in _HEAD_FIELD.findall(text)}
    except ValueError:  # not the app's writing
        return {}
    return {name: value for name, value in said.items() if isinstance(value, str) and value}


def list_projects(journal: Journal, store: GalleryStore) -> list[ProjectRef]:
    """Projects known here: local manifest copies, then what the journal adds."""
    refs = {(r.dest, r.project): r for r in store.known()}
    for dest, project, count, updated in journal.projects():
        if (dest, project) not in refs:
            when = datetime.fromtimestamp(updated, UTC).isoformat(timespec="seconds")
            refs[dest, project] = ProjectRef(dest, project, count, when)
    return sorted(refs.values(), key=lambda r: r.updated, reverse=True)


@dataclass
class Loaded:
    """A project's manifest as the gallery opens it."""

    manifest: Manifest
    destination: Destination | None  # None: offline, showing the local copy
    offline: str | None = None  # why the bucket was not reached


def load_project(
    store: GalleryStore, dest: str, project: str, open_destination: Callable[[], Destination]
) -> Loaded:
    """The newest manifest: from the bucket (kept locally), else the local copy.

    Raises TransferError when the bucket cannot be reached and there is no copy."""
    try:
        destination = open_destination()
    except (TransferError, ConfigError) as exc:
        problem: TransferError | ConfigError = exc
    else:
        try:
            return Loaded(refresh_manifest(store, destination, project), destination)
        except TransferError as exc:
            problem = exc
            destination.close()
    local = store.manifest(dest, project)
    if local is None:
        raise PermanentError(
            f"the gallery of {project}: there is no copy on this computer yet, and the bucket "
            f"cannot be reached to fetch one ({problem})"
        )
    return Loaded(local, None, str(problem))
