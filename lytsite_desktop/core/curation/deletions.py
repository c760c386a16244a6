"""Carrying out a deletion plan, so that a crash at any point is finished later.

The journal records the deletion first. Then the manifest lets go (files leave
it, or a deleted project's manifest goes first), then the objects are deleted,
then the page and this computer's copies follow, and the record is cleared. The
next run (:func:`finish_pending`) does again whatever a crash cut short: every
step can be repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from lytsite_desktop.core.curation.place import Place
from lytsite_desktop.core.curation.plans import DeletionPlan, Kind
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import ConfigError, TransferError
from lytsite_desktop.core.gallery.page import PAGE
from lytsite_desktop.core.gallery.projects import GalleryStore
from lytsite_desktop.core.gallery.web import publish_pages
from lytsite_desktop.core.keys import manifest_key, project_prefix
from lytsite_desktop.core.publish.manifest import Edit, Manifest, Remove, commit
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.store.records import PendingDeletion

log = logging.getLogger(__name__)


def carry_out(place: Place, plan: DeletionPlan) -> None:
    """Delete what ``plan`` lists (the photographer has said yes)."""
    dest = place.destination.ident
    versions = None if plan.kind is Kind.DELETE else dict(plan.versions)
    row = place.journal.add_deletion(dest, plan.project, versions, plan.keys)
    pending = place.journal.deletions(dest)
    finish(place, next(p for p in pending if p.id == row))
    if plan.kind is Kind.PRUNE and plan.retired:
        gone = set(plan.retired)

        def forget_retired(m: Manifest) -> None:
            m.retired = [fid for fid in m.retired if fid not in gone]

        written = commit(place.destination, plan.project, [Edit(forget_retired)])
        place.gallery.save_manifest(dest, plan.project, written.data)


def finish(place: Place, pending: PendingDeletion) -> None:
    """Do (again) every step of a recorded deletion."""
    destination, project = place.destination, pending.project
    dest = destination.ident
    if pending.versions is None:  # the whole project: the gallery goes first
        prefix = project_prefix(project)
        destination.delete_keys([manifest_key(project), prefix + PAGE])
        # Listed again: objects uploaded since the plan go too.
        keys = {o.key for o in destination.list_objects(prefix)} | set(pending.keys)
        destination.delete_keys(sorted(keys))
        place.gallery.forget(dest, project)
        place.journal.forget_files(dest, project, None)
    elif pending.versions:  # files taken back: they leave the manifest, then the bucket
        at = datetime.fromtimestamp(pending.created_at, UTC).isoformat(timespec="microseconds")
        written = commit(destination, project, [Remove(pending.versions, at)])
        destination.delete_keys(pending.keys)
        publish_pages(destination, written.manifest)
        place.gallery.save_manifest(dest, project, written.data)
        place.gallery.drop(dest, project, pending.keys)
        place.journal.forget_files(dest, project, list(pending.versions))
    else:  # objects no manifest names
        destination.delete_keys(pending.keys)
        place.gallery.drop(dest, project, pending.keys)
    place.journal.deletion_done(pending.id)
    log.info("deleted %d objects of %s at %s", len(pending.keys), project, dest)


def finish_pending(
    journal: Journal, gallery: GalleryStore, open_ident: Callable[[str], Destination]
) -> list[str]:
    """Finish the deletions a crash or a lost connection cut short. Returns what
    could not be finished now (its destination unreachable): it stays recorded."""
    problems = []
    for pending in journal.deletions():
        try:
            destination = open_ident(pending.dest)
        except (ConfigError, TransferError) as exc:
            problems.append(f"{pending.project}: {exc}")
            continue
        try:
            finish(Place(destination, journal, gallery), pending)
        except TransferError as exc:
            problems.append(f"{pending.project}: {exc}")
        finally:
            destination.close()
    return problems
