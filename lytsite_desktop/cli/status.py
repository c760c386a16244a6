"""`status`: what the journal holds, in the states' own words.

A queued or uploading row that no lytsite process holds is *interrupted*:
nothing is uploading it, and `resume` finishes it. Files published without a
preview are listed for the latest project only (``--all``: every project),
because a list of every such file ever published buries what is new.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from lytsite_desktop.core.app import App
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.core.states import UNFINISHED, FileState
from lytsite_desktop.core.store.records import FileRecord

INTERRUPTED = "interrupted"
SHOWN = 20


def _state(app: App, rec: FileRecord) -> str:
    if rec.state in UNFINISHED and not app.journal.held_elsewhere(rec.id):
        return INTERRUPTED
    return rec.state


def _bytes_done(app: App, rec: FileRecord) -> int:
    if rec.state == FileState.PUBLISHED:
        return rec.size
    return sum(p.size for p in app.journal.parts(rec.id).values())


def print_status(app: App, *, as_json: bool, everything: bool) -> None:
    files = app.journal.all_files()
    states = {rec.id: _state(app, rec) for rec in files}
    counts = Counter(states.values())
    unfinished = [r for r in files if r.state in UNFINISHED]
    failed = [r for r in files if r.state == FileState.FAILED]
    no_preview, earlier = _no_preview(files, everything)
    if as_json:
        print(
            json.dumps(
                {
                    "event": "status",
                    "counts": dict(counts),
                    "unfinished": [_rec_json(app, r, states[r.id]) for r in unfinished],
                    "failed": [_rec_json(app, r, states[r.id]) for r in failed],
                    "noPreview": [_rec_json(app, r, states[r.id]) for r in no_preview],
                    "noPreviewElsewhere": earlier,
                },
                ensure_ascii=False,
            )
        )
        return
    if not files:
        print("The journal is empty: nothing has been uploaded from this computer yet.")
        return
    print(
        ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        + f" (journal: {app.paths.journal_file})"
    )
    if unfinished:
        running = [r for r in unfinished if states[r.id] != INTERRUPTED]
        stopped = [r for r in unfinished if states[r.id] == INTERRUPTED]
        if stopped:
            print(f"\n{len(stopped)} interrupted; 'lytsite-desktop resume' finishes them:")
            _list(app, stopped)
        if running:
            print(f"\n{len(running)} being uploaded now by another lytsite-desktop:")
            _list(app, running)
    if failed:
        print(f"\n{len(failed)} failed:")
        for rec in failed[:SHOWN]:
            print(f"  {rec.project}/{rec.rel_path}: {rec.error}")
        _more(len(failed))
    if no_preview:
        print(f"\n{len(no_preview)} published without a preview in {no_preview[0].project}:")
        for rec in no_preview[:SHOWN]:
            print(f"  {rec.project}/{rec.rel_path}: {rec.note}")
        _more(len(no_preview))
    if earlier:
        print(f"  (and {earlier} in earlier projects: lytsite-desktop status --all)")


def _list(app: App, records: list[FileRecord]) -> None:
    for rec in records[:SHOWN]:
        done = _bytes_done(app, rec)
        print(f"  {rec.project}/{rec.rel_path}  {format_size(done)} of {format_size(rec.size)}")
    _more(len(records))


def _more(n: int) -> None:
    if n > SHOWN:
        print(f"  ... and {n - SHOWN} more")


def _no_preview(files: list[FileRecord], everything: bool) -> tuple[list[FileRecord], int]:
    """Published files without a preview: of the latest project (by its newest
    publish), and how many more the other projects have."""
    found = [r for r in files if r.state == FileState.PUBLISHED and r.note]
    if everything or not found:
        return found, 0
    newest: dict[tuple[str, str], float] = defaultdict(float)
    for rec in files:
        if rec.state == FileState.PUBLISHED:
            place = (rec.dest, rec.project)
            newest[place] = max(newest[place], rec.updated_at)
    latest = max(newest, key=lambda place: newest[place])
    mine = [r for r in found if (r.dest, r.project) == latest]
    return mine, len(found) - len(mine)


def _rec_json(app: App, rec: FileRecord, state: str) -> dict[str, object]:
    return {
        "project": rec.project,
        "path": rec.rel_path,
        "source": rec.source_path,
        "size": rec.size,
        "bytesDone": _bytes_done(app, rec),
        "state": state,
        "error": rec.error,
        "note": rec.note,
        "destination": app.journal.destination_spec(rec.dest) or rec.dest,
    }
