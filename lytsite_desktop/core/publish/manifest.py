"""manifest.json: what is published in a project, and how changes merge into it.

Several computers may publish into one project, so nothing here rewrites the
manifest blindly: a change is a list of operations (:class:`Put`, :class:`Drop`,
:class:`Remove`, :class:`Edit`) applied to the manifest as read, and written back
only if nobody wrote in between (``If-Match`` on the ETag read, ``If-None-Match``
when creating). When somebody did, :func:`commit` reads again and applies the same
operations to what is there now: the newest version of a path wins, and a
removal wins over any publish older than it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial

from lytsite_desktop.core import jsontext
from lytsite_desktop.core.backoff import tried
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import PreconditionFailed, TransientError
from lytsite_desktop.core.keys import manifest_key
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.headers import REVALIDATE

log = logging.getLogger(__name__)

SCHEMA = "lytsite.manifest/1"
#: Conditional writes lost in a row before the change waits for a later try.
MAX_RACES = 20


def now_iso() -> str:
    """A version time: UTC, to the microsecond, so later always sorts after."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class Manifest:
    project: str
    files: dict[str, ManifestEntry]  # by path
    updated_at: str = ""
    #: What the client sees as the gallery's name (None: the project's name).
    title: str | None = None
    #: The fileId of the cover photo (None: the first photo in the order).
    cover: str | None = None
    #: The photographer's studio, as the page names it.
    studio: str | None = None
    #: Where the client sends a selection (the photographer's e-mail address).
    contact: str | None = None
    #: False: the page offers no downloads and links no originals (None: it does).
    downloads: bool | None = None
    #: An unguessable address: the page asks search engines to stay away.
    private: bool | None = None
    #: The last day the gallery is open ("2027-01-31"); after it the page says so.
    expires: str | None = None
    #: fileIds in the order the photographer chose; files not in it follow, by
    #: capture time then name.
    order: list[str] = field(default_factory=list)
    #: Paths taken back, and when: a publish older than that does not bring them back.
    removed: dict[str, str] = field(default_factory=dict)
    #: fileIds of versions replaced by a newer one: their objects wait for prune.
    retired: list[str] = field(default_factory=list)
    #: Each entry's JSON text, by path, while that very entry is listed there
    #: (entries are frozen: a change is a new entry).
    _encoded: dict[str, tuple[ManifestEntry, str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def to_json(self) -> bytes:
        doc: dict[str, object] = {
            "schema": SCHEMA,
            "project": self.project,
            "updatedAt": self.updated_at,
        }
        if self.title is not None:
            doc["title"] = self.title
        if self.cover is not None:
            doc["cover"] = self.cover
        for name in ("studio", "contact", "downloads", "private", "expires"):
            value = getattr(self, name)
            if value is not None:
                doc[name] = value
        if self.order:
            doc["order"] = self.order
        if self.removed:
            doc["removed"] = self.removed
        if self.retired:
            doc["retired"] = self.retired
        # Rewritten after every burst of files: each entry is encoded on its own
        # (the window's event loop waits for Python's lock at most that long), and
        # only once while it stays the same.
        encoded = self._encoded
        files = []
        for entry in sorted(self.files.values(), key=lambda e: e.path):
            known = encoded.get(entry.path)
            if known is None or known[0] is not entry:
                known = encoded[entry.path] = (entry, jsontext.encode(entry.to_dict()))
            files.append(known[1])
        if len(encoded) > len(files) + 64:  # paths no longer listed: forget them
            self._encoded = {e.path: encoded[e.path] for e in self.files.values()}
        return jsontext.with_list(doc, "files", files).encode()

    @classmethod
    def from_json(cls, project: str, data: bytes | None) -> Manifest:
        if not data:
            return cls(project, {})
        try:
            doc = jsontext.decode(data, "files")
            entries = [ManifestEntry.from_dict(f) for f in doc.get("files", [])]
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable manifest of %s: %s", project, exc)
            return cls(project, {})
        removed = doc.get("removed")
        if not isinstance(removed, dict):
            removed = {}
        return cls(
            project,
            {e.path: e for e in entries},
            str(doc.get("updatedAt", "")),
            title=_text(doc.get("title")),
            cover=_text(doc.get("cover")),
            studio=_text(doc.get("studio")),
            contact=_text(doc.get("contact")),
            downloads=_flag(doc.get("downloads")),
            private=_flag(doc.get("private")),
            expires=_date(doc.get("expires")),
            order=_ids(doc.get("order")),
            removed={str(k): str(v) for k, v in removed.items()}
            if isinstance(removed, dict)
            else {},
            retired=_ids(doc.get("retired")),
        )

    def copy(self) -> Manifest:
        return replace(
            self,
            files=dict(self.files),
            order=list(self.order),
            removed=dict(self.removed),
            retired=list(self.retired),
            _encoded=dict(self._encoded),
        )

    def by_id(self, file_id: str) -> ManifestEntry | None:
        return next((e for e in self.files.values() if e.fileId == file_id), None)

    def named_ids(self) -> set[str]:
        """The fileIds this manifest lists (their objects are in use)."""
        return {e.fileId for e in self.files.values()}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _date(value: object) -> str | None:
    """An ISO date ("2027-01-31"), else None."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _ids(value: object) -> list[str]:
    return [f for f in value if isinstance(f, str)] if isinstance(value, list) else []


# -- operations ----------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    """List (or update) one file; ``durable`` runs once a write holding it succeeded."""

    entry: ManifestEntry
    durable: Callable[[], None] | None = None


@dataclass(frozen=True)
class Drop:
    """Unlist ``path`` if it is this file and its original never arrived."""

    path: str
    file_id: str


@dataclass(frozen=True)
class Remove:
    """Take files back: they leave the manifest, and older publishes stay out.

    ``versions`` are the fileIds the photographer saw at each path: that version
    goes whatever the clocks say; a different one goes only if older than ``at``.
    """

    versions: dict[str, str]  # path -> fileId
    at: str


@dataclass(frozen=True)
class Edit:
    """A change of the photographer's (title, cover, hidden, order)."""

    change: Callable[[Manifest], None]


Op = Put | Drop | Remove | Edit


def apply(manifest: Manifest, ops: Sequence[Op]) -> None:
    """Apply ``ops`` to ``manifest`` in place (the merge rules live here)."""
    for op in ops:
        if isinstance(op, Put):
            _put(manifest, op.entry)
        elif isinstance(op, Drop):
            listed = manifest.files.get(op.path)
            if listed and listed.fileId == op.file_id and listed.originalKey is None:
                del manifest.files[op.path]
        elif isinstance(op, Remove):
            for path, file_id in op.versions.items():
                listed = manifest.files.get(path)
                at = op.at
                if listed is not None and listed.fileId == file_id:
                    at = max(at, listed.publishedAt or "")
                elif listed is not None and (listed.publishedAt or "") > at:
                    continue  # a newer version, published after this removal was decided
                if listed is not None:
                    del manifest.files[path]
                    _forget_id(manifest, listed.fileId)
                manifest.removed[path] = max(at, manifest.removed.get(path, ""))
        else:
            op.change(manifest)


def _put(manifest: Manifest, entry: ManifestEntry) -> None:
    version = entry.publishedAt or ""
    removed_at = manifest.removed.get(entry.path)
    if removed_at is not None and removed_at >= version:
        return  # taken back after this version was published
    old = manifest.files.get(entry.path)
    if old is not None and old.fileId != entry.fileId and (old.publishedAt or "") > version:
        return  # another computer published a newer version of this path
    new = entry.over(old)
    if old is not None and old.fileId != new.fileId:
        if old.fileId not in manifest.retired:
            manifest.retired.append(old.fileId)
        manifest.order = [new.fileId if f == old.fileId else f for f in manifest.order]
        if manifest.cover == old.fileId:
            manifest.cover = new.fileId
    if new.fileId in manifest.retired:
        manifest.retired.remove(new.fileId)
    manifest.removed.pop(entry.path, None)
    manifest.files[entry.path] = new


def _forget_id(manifest: Manifest, file_id: str) -> None:
    manifest.order = [f for f in manifest.order if f != file_id]
    if manifest.cover == file_id:
        manifest.cover = None


# -- writing -------------------------------------------------------------------


@dataclass
class Versioned:
    """A manifest as read from (or written to) the destination, and its ETag."""

    manifest: Manifest
    etag: str | None  # None: there was none
    data: bytes = b""


def read(destination: Destination, project: str) -> Versioned:
    key = manifest_key(project)
    found = tried(lambda: destination.get_versioned(key), key)
    if found is None:
        return Versioned(Manifest(project, {}), None)
    data, etag = found
    return Versioned(Manifest.from_json(project, data), etag, data)


class Pacer:
    """At most one write per ``interval`` seconds to one key (R2's limit)."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}

    def wait(self, key: str) -> None:
        due = self._last.get(key, 0.0) + self.interval
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last[key] = time.monotonic()


def commit(
    destination: Destination,
    project: str,
    ops: Sequence[Op],
    known: Versioned | None = None,
    pacer: Pacer | None = None,
    sending: Callable[[Manifest], None] | None = None,
) -> Versioned:
    """Apply ``ops`` to the project's manifest and write it, conditionally; on a
    lost race read again and re-apply. ``known`` is the version held (saves a
    read when nobody else wrote). ``sending(manifest)`` is told what the first
    try is about to write, just before it goes. Returns what was written (that
    very manifest object when the first try wins)."""
    key = manifest_key(project)
    current = known if known is not None else read(destination, project)
    for attempt in range(MAX_RACES):
        manifest = current.manifest.copy()
        apply(manifest, ops)
        manifest.updated_at = datetime.now(UTC).isoformat(timespec="seconds")
        data = manifest.to_json()
        if pacer is not None:
            pacer.wait(key)
        if sending is not None and attempt == 0:
            sending(manifest)
        put = partial(destination.put_bytes, key, data, "application/json",
                      cache_control=REVALIDATE, if_match=current.etag,
                      if_none_match=current.etag is None)  # fmt: skip
        try:  # asked again at once if refused (a lost answer's try then finds a 412)
            etag = tried(put, key, again=None if pacer is None else partial(pacer.wait, key))
        except PreconditionFailed:
            log.info("manifest of %s changed elsewhere; merging", project)
            current = read(destination, project)
            continue
        return Versioned(manifest, etag, data)
    raise TransientError("another computer keeps changing this project; trying again soon")
