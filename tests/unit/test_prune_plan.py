"""What `prune` picks: replaced versions and files given up on at once, other
unlisted objects only once they are old, and never what an upload running here
will list."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from lytsite_desktop.core.curation.plans import GRACE, plan_prune
from lytsite_desktop.core.destinations.base import Checksum
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.manifest import Edit, Put, commit
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.store.records import QueueItem


def put(dest: LocalDestination, key: str) -> None:
    data = b"x" * 10
    checksum = Checksum.of_bytes("md5", data)
    dest.put_object(key, io.BytesIO(data), len(data), checksum, "image/jpeg", {})


def files_of(fid: str, name: str) -> list[str]:
    return [f"projects/p/files/{fid}/{name}.jpg", f"projects/p/previews/{fid}/{name}.webp",
            f"projects/p/thumbs/{fid}/{name}.webp"]  # fmt: skip


def test_prune_picks_what_no_manifest_names_and_nothing_in_flight(tmp_path):
    dest = LocalDestination(tmp_path / "bucket")
    for fid in ("listed", "old", "retired", "cancelled", "running", "stray"):
        for key in files_of(fid, fid):
            put(dest, key)
    listed = ManifestEntry(fileId="listed", fileName="a.jpg", path="a.jpg",
                           contentType="image/jpeg", size=10, sha256="s",
                           originalKey=files_of("listed", "listed")[0])  # fmt: skip
    commit(dest, "p", [Put(listed), Edit(lambda m: m.retired.append("retired"))])
    with Journal(tmp_path / "journal.db") as journal:
        rows = journal.queue([
            QueueItem(dest.ident, "p", "c.jpg", "/x/c.jpg", 10, 1),
            QueueItem(dest.ident, "p", "r.jpg", "/x/r.jpg", 10, 1),
        ])  # fmt: skip
        journal.update(rows[0].id, state="cancelled", file_id="cancelled")
        journal.update(rows[1].id, state="uploading", file_id="running")
        now = datetime.now(UTC)
        plan = plan_prune(dest, "p", journal, now=now)
        picked = {item.keys[0].split("/")[3] for item in plan.items}
        assert picked == {"retired", "cancelled"}  # the rest is recent: maybe in flight
        assert plan.left_alone == 6  # "old" and "stray": uploaded just now
        assert "retired.jpg (an earlier version)" in "\n".join(plan.lines())
        later = plan_prune(dest, "p", journal, now=now + GRACE + timedelta(minutes=1))
        picked = {item.keys[0].split("/")[3] for item in later.items}
        assert picked == {"retired", "cancelled", "old", "stray"}  # never listed, never running


def test_a_listed_files_earlier_previews_go_a_newer_one_stays(tmp_path):
    import os

    from lytsite_desktop.core.publish.entry import Rendition

    dest = LocalDestination(tmp_path / "bucket")
    keys = {
        "original": "projects/p/files/f1/a.jpg",
        "old": "projects/p/previews/f1/a.webp",  # before the watermark
        "named": "projects/p/previews/f1/a.1f3a9c0e.webp",  # what the entry lists
        "newer": "projects/p/previews/f1/a.77aa00bb.webp",  # another computer, not yet listed
        "thumb": "projects/p/thumbs/f1/a.webp",
    }
    for name, key in keys.items():
        put(dest, key)
        when = {"old": 1_000, "named": 2_000, "newer": 3_000}.get(name, 2_000)
        os.utime(tmp_path / "bucket" / key, (when, when))
    entry = ManifestEntry(fileId="f1", fileName="a.jpg", path="a.jpg", contentType="image/jpeg",
                          size=10, sha256="s", originalKey=keys["original"],
                          preview=Rendition(keys["named"], 1800, 1200, 10),
                          thumb=Rendition(keys["thumb"], 480, 320, 10))  # fmt: skip
    commit(dest, "p", [Put(entry)])
    with Journal(tmp_path / "journal.db") as journal:
        plan = plan_prune(dest, "p", journal)
    assert [item.keys for item in plan.items] == [(keys["old"],)]
    assert plan.lines()[0].startswith("a.jpg (an earlier preview)")
