"""The manifest writer: entries published in halves never make the listing worse."""

from __future__ import annotations

import json
from dataclasses import replace

from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.writer import ManifestWriter

FULL = ManifestEntry(
    fileId="f1", fileName="a.jpg", path="a.jpg", contentType="image/jpeg", size=10,
    sha256="s", originalKey="projects/p/files/f1/a.jpg", width=4, height=3,
    preview=Rendition("projects/p/previews/f1/a.webp", 4, 3, 5),
    thumb=Rendition("projects/p/thumbs/f1/a.webp", 4, 3, 2),
)  # fmt: skip


def listed(tmp_path, writer: ManifestWriter) -> dict[str, dict]:
    assert writer.flush(10)
    doc = json.loads((tmp_path / "projects" / "p" / "manifest.json").read_bytes())
    return {f["path"]: f for f in doc["files"]}


def test_half_entries_of_the_same_content_keep_what_is_listed(tmp_path):
    writer = ManifestWriter(LocalDestination(tmp_path))
    try:
        writer.put("p", FULL)
        # Re-publishing: the preview half arrives first, without the original key...
        writer.put("p", replace(FULL, originalKey=None))
        assert listed(tmp_path, writer)["a.jpg"]["originalKey"] == FULL.originalKey
        # ... or the original half, without the preview.
        writer.put("p", replace(FULL, preview=None, thumb=None, note="no preview: x"))
        entry = listed(tmp_path, writer)["a.jpg"]
        assert entry["preview"]["key"] == FULL.preview.key and entry["note"] is None
        # A preview-only entry of content that was listed is never dropped.
        writer.unlist("p", "a.jpg", "f1")
        assert "a.jpg" in listed(tmp_path, writer)
    finally:
        writer.close()


def test_new_content_replaces_and_a_preview_only_entry_can_be_dropped(tmp_path):
    writer = ManifestWriter(LocalDestination(tmp_path))
    try:
        writer.put("p", FULL)
        new = replace(FULL, fileId="f2", originalKey=None, preview=None, thumb=None)
        writer.put("p", new)
        entry = listed(tmp_path, writer)["a.jpg"]
        assert entry["fileId"] == "f2" and entry["originalKey"] is None and entry["preview"] is None
        writer.unlist("p", "a.jpg", "f1")  # not this content: kept
        assert "a.jpg" in listed(tmp_path, writer)
        writer.unlist("p", "a.jpg", "f2")
        assert listed(tmp_path, writer) == {}
    finally:
        writer.close()


class Unreachable(LocalDestination):
    """A store that went away: reads work from what was there, writes do not."""

    def put_bytes(self, key: str, data: bytes, content_type: str, **conditions) -> str:
        from lytsite_desktop.core.errors import TransientError

        raise TransientError("cannot reach the store", network=True)


def test_an_entry_counts_only_once_written_and_closing_offline_does_not_wait(tmp_path):
    import time

    durable: list[str] = []
    ok = ManifestWriter(LocalDestination(tmp_path / "up"))
    ok.put("p", FULL, durable=lambda: durable.append("a.jpg"))
    assert ok.close(10) and durable == ["a.jpg"]

    offline = ManifestWriter(Unreachable(tmp_path / "down"))
    offline.put("p", FULL, durable=lambda: durable.append("never"))
    started = time.monotonic()
    assert offline.close(30) is False  # one more try on closing, then it gives up ...
    assert time.monotonic() - started < 5  # ... without holding a quitting app
    assert durable == ["a.jpg"] and "p" in offline.errors
