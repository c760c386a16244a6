"""How manifest changes merge: the newest version of a path wins, a removal wins
over an older publish, and a write that lost a race is merged and written again
(the local library's conditional writes, which behave as S3's)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import urllib3.exceptions as uexc

from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.destinations.s3_errors import translate_error
from lytsite_desktop.core.destinations.s3_location import S3Location, key_pace_for
from lytsite_desktop.core.destinations.s3_wire import S3Error
from lytsite_desktop.core.errors import PreconditionFailed, TransientError
from lytsite_desktop.core.keys import manifest_key
from lytsite_desktop.core.publish import headers
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.manifest import (
    Manifest,
    Put,
    Remove,
    apply,
    commit,
    read,
)
from lytsite_desktop.core.publish.writer import ManifestWriter


def entry(path: str, fid: str, at: str) -> ManifestEntry:
    return ManifestEntry(
        fileId=fid, fileName=path, path=path, contentType="image/jpeg", size=1, sha256=fid,
        originalKey=f"projects/p/files/{fid}/{path}", publishedAt=at,
        thumb=Rendition(f"projects/p/thumbs/{fid}/x.webp", 4, 3, 1),
    )  # fmt: skip


T1, T2, T3 = "2026-11-30T10:00:01", "2026-11-30T10:00:02", "2026-11-30T10:00:03"


def test_the_newest_version_of_a_path_wins_in_any_order():
    old, new = entry("a.jpg", "v1", T1), entry("a.jpg", "v2", T2)
    for ops in ([Put(old), Put(new)], [Put(new), Put(old)]):
        m = Manifest("p", {})
        apply(m, ops)
        assert m.files["a.jpg"].fileId == "v2"
    # Replaced in order: the old version waits for prune, and keeps its place as cover.
    m = Manifest("p", {}, cover="v1", order=["v1"])
    apply(m, [Put(old), Put(new)])
    assert m.retired == ["v1"] and m.cover == "v2" and m.order == ["v2"]


def test_a_removal_wins_over_an_older_publish_not_a_newer_one():
    m = Manifest("p", {})
    apply(m, [Put(entry("a.jpg", "v1", T1)), Remove({"a.jpg": "v1"}, T2)])
    assert m.files == {} and m.removed == {"a.jpg": T2}
    apply(m, [Put(entry("a.jpg", "v1", T1))])  # another computer's stale publish
    assert m.files == {}
    apply(m, [Put(entry("a.jpg", "v1", T3))])  # published again, after the removal
    assert m.files["a.jpg"].publishedAt == T3 and "a.jpg" not in m.removed


def test_the_version_the_photographer_saw_goes_whatever_the_clocks_say():
    m = Manifest("p", {})
    apply(m, [Put(entry("a.jpg", "v1", T3))])  # a computer whose clock runs ahead
    apply(m, [Remove({"a.jpg": "v1"}, T1)])
    assert m.files == {} and m.removed["a.jpg"] == T3
    apply(m, [Put(entry("b.jpg", "v2", T3)), Remove({"b.jpg": "v1"}, T1)])
    assert "b.jpg" in m.files  # a newer version than the one taken back stays


def test_a_write_that_lost_a_race_is_merged_and_written_again(tmp_path):
    dest = LocalDestination(tmp_path)
    commit(dest, "p", [Put(entry("mine.jpg", "m1", T1))])
    stale = read(dest, "p")
    commit(dest, "p", [Put(entry("theirs.jpg", "t1", T2))])  # another computer, meanwhile
    with pytest.raises(PreconditionFailed):  # the store refuses a blind rewrite
        dest.put_bytes(manifest_key("p"), b"{}", "application/json", if_match=stale.etag)
    written = commit(dest, "p", [Put(entry("more.jpg", "m2", T3))], known=stale)
    assert set(written.manifest.files) == {"mine.jpg", "theirs.jpg", "more.jpg"}
    assert set(read(dest, "p").manifest.files) == {"mine.jpg", "theirs.jpg", "more.jpg"}
    with pytest.raises(PreconditionFailed):  # creating what exists
        dest.put_bytes(manifest_key("p"), b"{}", "application/json", if_none_match=True)


def test_writers_racing_in_threads_lose_nothing(tmp_path):
    dest = LocalDestination(tmp_path)
    stale = read(dest, "p")  # every writer starts from "no manifest yet"

    def publish(n: int) -> None:
        for k in range(5):
            e = entry(f"{n}-{k}.jpg", f"{n}{k}", f"2026-11-30T10:00:{n}{k}")
            commit(dest, "p", [Put(e)], known=stale)

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(read(dest, "p").manifest.files) == 20


def test_writes_to_the_manifest_are_paced_and_a_busy_store_is_retried(tmp_path):
    class Busy(LocalDestination):
        """Takes one write of a key each 0.3 s (as R2 one a second), says 429 to the
        first manifest write, and records when each was tried."""

        key_pace = 0.3

        def __init__(self, root):  # type: ignore[no-untyped-def]
            super().__init__(root)
            self.tries: list[float] = []

        def put_bytes(self, key, data, content_type, **kw):  # type: ignore[no-untyped-def]
            if key.endswith("manifest.json"):
                self.tries.append(time.monotonic())
                if len(self.tries) == 1:
                    raise TransientError("the storage service is busy or failing (429)")
            return super().put_bytes(key, data, content_type, **kw)

    dest = Busy(tmp_path)
    writer = ManifestWriter(dest, min_interval=0.05)
    try:
        for i in range(3):
            writer.put("p", entry(f"{i}.jpg", f"f{i}", T1))
            assert writer.flush(20)
    finally:
        writer.close()
    assert len(read(dest, "p").manifest.files) == 3
    gaps = [b - a for a, b in zip(dest.tries, dest.tries[1:], strict=False)]
    assert len(dest.tries) >= 4 and min(gaps) >= 0.29


def test_what_s3_answers_means():
    loc = S3Location("b", "", "http://127.0.0.1:1", None)

    def answer(code: str, status: int) -> Exception:
        return translate_error(S3Error(status, code), loc)

    assert isinstance(answer("PreconditionFailed", 412), PreconditionFailed)
    assert isinstance(answer("TooManyRequests", 429), TransientError)
    assert not isinstance(answer("AccessDenied", 403), TransientError)
    broken = {
        "cannot reach": uexc.NewConnectionError(None, "refused"),  # type: ignore[arg-type]
        "timed out": uexc.ReadTimeoutError(None, "/", "read timed out"),  # type: ignore[arg-type]
        "cannot reach ": uexc.ProtocolError("reset", ConnectionResetError()),
        "broke": ConnectionResetError(),
    }
    for words, exc in broken.items():
        said = translate_error(exc, loc)
        assert isinstance(said, TransientError) and said.network and words in str(said)


def test_an_original_downloads_under_its_own_name():
    assert headers.attachment("ceremony/IMG_0412.jpg") == (
        "attachment; filename=\"IMG_0412.jpg\"; filename*=UTF-8''IMG_0412.jpg"
    )
    assert headers.attachment('a/Noiva "João"; 100%.jpg') == (
        'attachment; filename="Noiva _Joao__ 100_.jpg"; '
        "filename*=UTF-8''Noiva%20%22Jo%C3%A3o%22%3B%20100%25.jpg"
    )
    assert headers.attachment("写真.jpg").startswith('attachment; filename="download.jpg"')


def test_hidden_is_kept_when_the_same_content_is_listed_again():
    first = replace(entry("a.jpg", "v1", T1), hidden=False)  # the photographer showed it
    again = replace(entry("a.jpg", "v1", T2), hidden=True)  # re-published, damaged by default
    assert again.over(first).hidden is False
    assert again.over(None).hidden is True


def test_fields_of_the_wrong_shape_are_ignored_not_fatal():
    m = Manifest.from_json(
        "p", b'{"files": [], "removed": [1], "order": 5, "retired": null, "title": 3, "cover": []}'
    )
    assert (m.title, m.cover, m.order, m.removed, m.retired) == (None, None, [], {}, [])


def test_only_stores_that_limit_writes_to_a_key_get_their_manifest_writes_paced():
    """R2 and Google take one write a second to one key; AWS, MinIO, B2 and a
    folder do not, and a batch's last write has no reason to wait there."""
    assert key_pace_for("https://acct.r2.cloudflarestorage.com") == 1.0
    assert key_pace_for("https://acct.eu.r2.cloudflarestorage.com") == 1.0
    assert key_pace_for("https://storage.googleapis.com") == 1.0
    assert key_pace_for(None) == 0.0  # AWS
    assert key_pace_for("https://s3.eu-central-1.amazonaws.com") == 0.0
    assert key_pace_for("http://127.0.0.1:9000") == 0.0
    r2 = S3Location("b", "", "https://a.r2.cloudflarestorage.com", None)
    assert S3Destination(r2, None).key_pace == 1.0
