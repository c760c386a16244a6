"""What a take-back would delete, with sizes, found before anything is deleted.

Every plan starts by listing the destination: one that cannot be reached raises
before any question is asked, so nothing is ever deleted there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath

from lytsite_desktop.core.destinations.base import Destination, StoredObject
from lytsite_desktop.core.errors import ConfigError
from lytsite_desktop.core.keys import manifest_key, project_prefix
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Manifest, read
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.store.journal import Journal

#: Objects no manifest names yet, younger than this, may be another computer's
#: upload about to be listed: prune leaves them alone.
GRACE = timedelta(hours=1)
#: The folders of a project holding one folder per file version.
_PER_FILE = ("files", "previews", "thumbs")
_GIVEN_UP = (FileState.CANCELLED.value, FileState.FAILED.value)
_PUBLISHED = FileState.PUBLISHED.value


class Kind(StrEnum):
    REMOVE = "remove"  # some files
    DELETE = "delete"  # the whole project
    PRUNE = "prune"  # objects no manifest names


@dataclass(frozen=True)
class Doomed:
    """One line of the confirmation: a file (all its objects) or the page."""

    label: str
    keys: tuple[str, ...]
    size: int


@dataclass
class DeletionPlan:
    kind: Kind
    project: str
    items: list[Doomed]
    #: REMOVE: the versions taken back (path: fileId).
    versions: dict[str, str] = field(default_factory=dict)
    #: PRUNE: replaced versions whose objects go (cleared from the manifest after).
    retired: list[str] = field(default_factory=list)
    #: PRUNE: recent objects nobody names yet, left alone.
    left_alone: int = 0

    @property
    def keys(self) -> list[str]:
        return [k for item in self.items for k in item.keys]

    @property
    def size(self) -> int:
        return sum(item.size for item in self.items)

    def lines(self) -> list[str]:
        """The confirmation's list, one file per line, with sizes."""
        return [f"{item.label}  ({format_size(item.size)})" for item in self.items]


def by_version(objects: list[StoredObject], project: str) -> dict[str, list[StoredObject]]:
    """A project's per-file objects grouped by fileId (``files/{fileId}/...``)."""
    prefix = project_prefix(project)
    groups: dict[str, list[StoredObject]] = defaultdict(list)
    for obj in objects:
        parts = obj.key[len(prefix) :].split("/")
        if len(parts) >= 3 and parts[0] in _PER_FILE:
            groups[parts[1]].append(obj)
    return groups


def _doomed(label: str, objects: list[StoredObject]) -> Doomed:
    return Doomed(label, tuple(o.key for o in objects), sum(o.size for o in objects))


def _published(destination: Destination, project: str) -> tuple[Manifest, list[StoredObject]]:
    _can_delete(destination)
    version = read(destination, project)
    objects = destination.list_objects(project_prefix(project))
    if version.etag is None and not objects:
        raise ConfigError(f"Nothing is published as '{project}' at {destination.ident}.")
    return version.manifest, objects


def _can_delete(destination: Destination) -> None:
    """Refuse a deletion before anything changes where objects cannot be deleted."""
    if not destination.deletes:
        raise ConfigError(
            "Files published through an upload server cannot be deleted from this "
            "computer (the server only signs uploads). Hide them instead (they leave "
            "the client's page), and ask whoever runs the server to remove them."
        )


def plan_remove(destination: Destination, project: str, paths: list[str]) -> DeletionPlan:
    """Files taken back: each one's original, preview and thumbnail."""
    manifest, objects = _published(destination, project)
    unknown = [p for p in paths if p not in manifest.files]
    if unknown:
        raise ConfigError(
            f"Not published in '{project}': {', '.join(unknown)}. "
            "Give each file's path as the gallery lists it (e.g. ceremony/IMG_0412.jpg)."
        )
    groups = by_version(objects, project)
    plan = DeletionPlan(Kind.REMOVE, project, [])
    for path in dict.fromkeys(paths):
        entry = manifest.files[path]
        plan.versions[path] = entry.fileId
        plan.items.append(_doomed(path, groups.get(entry.fileId, [])))
    return plan


def plan_delete(destination: Destination, project: str) -> DeletionPlan:
    """The whole project: every object under ``projects/{project}/``."""
    manifest, objects = _published(destination, project)
    names = {e.fileId: e.path for e in manifest.files.values()}
    groups = by_version(objects, project)
    items = [
        _doomed(names.get(fid) or _unlisted(objs), objs)
        for fid, objs in sorted(groups.items(), key=lambda g: names.get(g[0], "~"))
    ]
    grouped = {o.key for objs in groups.values() for o in objs}
    rest = [o for o in objects if o.key not in grouped]
    # The manifest first: the gallery is gone before its files are.
    rest.sort(key=lambda o: o.key != manifest_key(project))
    if rest:
        items.insert(0, _doomed("the gallery page and its manifest", rest))
    return DeletionPlan(Kind.DELETE, project, items)


def plan_prune(
    destination: Destination, project: str, journal: Journal, now: datetime | None = None
) -> DeletionPlan:
    """Objects the manifest does not name: replaced versions, files given up on,
    and leftovers older than :data:`GRACE`. Never what an upload still running here
    will list."""
    _can_delete(destination)
    now = now or datetime.now(UTC)
    version = read(destination, project)
    manifest = version.manifest
    groups = by_version(destination.list_objects(project_prefix(project)), project)
    named = manifest.named_ids()
    rows = [r for r in journal.all_files() if r.dest == destination.ident and r.project == project]
    running = {
        r.file_id for r in rows if r.state not in _GIVEN_UP and r.state != FileState.PUBLISHED.value
    }
    given_up = {r.file_id for r in rows if r.state in _GIVEN_UP}
    plan = DeletionPlan(Kind.PRUNE, project, [])
    plan.retired = [fid for fid in manifest.retired if fid not in named]
    by_id = {e.fileId: e for e in manifest.files.values()}
    for fid, objs in sorted(groups.items(), key=lambda g: g[1][0].key):
        if fid in running:
            continue
        if fid in named:  # renditions made again (a new watermark): the earlier ones go
            stale = _replaced_renditions(by_id[fid], objs)
            if stale:
                plan.items.append(_doomed(f"{_name(objs)} (an earlier preview)", stale))
            continue
        old = all(o.modified is not None and now - o.modified > GRACE for o in objs)
        if fid in plan.retired:
            plan.items.append(_doomed(f"{_name(objs)} (an earlier version)", objs))
        elif fid in given_up or old:
            plan.items.append(_doomed(f"{_name(objs)} (not in the gallery)", objs))
        else:
            plan.left_alone += len(objs)
    return plan


def _replaced_renditions(entry: ManifestEntry, objects: list[StoredObject]) -> list[StoredObject]:
    """A listed file's previews and thumbnails older than the ones its entry names
    (a newer one may be another computer's, about to be listed: it stays)."""
    stale = []
    for role, named in (("previews", entry.preview), ("thumbs", entry.thumb)):
        current = next((o for o in objects if named and o.key == named.key), None)
        if current is None or current.modified is None:
            continue
        stale += [o for o in objects if f"/{role}/" in o.key and o.key != current.key
                  and o.modified is not None and o.modified <= current.modified]  # fmt: skip
    return stale


def _name(objects: list[StoredObject]) -> str:
    """The file's name as its original (else its preview) is called."""
    original = next((o for o in objects if "/files/" in o.key), objects[0])
    return PurePosixPath(original.key).name


def _unlisted(objects: list[StoredObject]) -> str:
    return f"{_name(objects)} (not in the gallery)"
