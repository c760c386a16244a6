"""A project opened on a computer that has none of its images (published from
another one): they come from the bucket side by side, thumbnails first, in the
order the Gallery tab shows them. The real S3 server behind the test proxy, a
quarter of a second each way, so that requests side by side are plain to see."""

from __future__ import annotations

import threading
import time
from urllib.parse import unquote

from lytsite_desktop.core.gallery.fetching import FETCHES, fetch_missing
from lytsite_desktop.core.gallery.layout import page_sections
from lytsite_desktop.core.gallery.projects import GalleryStore
from tests.support.engines import s3_destination
from tests.support.gallery import fake_project, put_in_bucket
from tests.support.netproxy import TcpProxy


def most_at_once(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    now = most = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def test_a_new_computer_fetches_the_images_side_by_side_in_the_gallerys_order(
    tmp_path, bucket, s3, s3_server
):
    # The manifest lists folder "b" first and each folder's photos backwards: the
    # gallery shows "a" first, its photos in natural order.
    paths = [f"{folder}/IMG_{n:02d}.jpg" for folder in ("b", "a") for n in range(15, 0, -1)]
    published = tmp_path / "published"
    manifest = fake_project(published, paths)
    put_in_bucket(s3, bucket, published)
    shown = [e for s in page_sections(list(manifest.files.values())) for e in s.entries]
    assert [e.path for e in shown[:2]] == ["a/IMG_01.jpg", "a/IMG_02.jpg"]

    calls: list[tuple[float, float, str]] = []
    lock = threading.Lock()
    store = GalleryStore(tmp_path / "cache")
    with TcpProxy(s3_server.port, latency=0.25) as proxy:
        dest = s3_destination(bucket, proxy.url)
        get = dest.get_bytes

        def timed(key: str) -> bytes | None:
            start = time.monotonic()
            data = get(key)
            with lock:
                calls.append((start, time.monotonic(), key))
            return data

        dest.get_bytes = timed  # type: ignore[method-assign]
        arrived = []
        try:
            report = fetch_missing(store, dest, manifest, arrived=arrived.append)
        finally:
            dest.close()
    assert report.fetched == 60 and report.offline is None and not report.missing
    assert len(arrived) == 60
    for e in shown:  # kept on this computer, byte for byte
        assert (
            store.local(dest.ident, "shoot", e, "thumb").read_bytes()
            == (published / e.thumb.key).read_bytes()
        )
    # Side by side: as many at once as the store allows, never more.
    assert most_at_once([(start, end) for start, end, _ in calls]) == FETCHES
    asked = [key for _, _, key in sorted(calls)]
    # The first screen's thumbnails first, then the rest of the thumbnails, then
    # the previews (the lightbox's), each in the gallery's order.
    assert set(asked[:FETCHES]) == {e.thumb.key for e in shown[:FETCHES]}
    assert set(asked[:30]) == {e.thumb.key for e in shown}
    assert set(asked[30 : 30 + FETCHES]) == {e.preview.key for e in shown[:FETCHES]}


def test_what_the_window_shows_now_is_fetched_before_the_rest(tmp_path, bucket, s3, s3_server):
    paths = [f"IMG_{n:02d}.jpg" for n in range(1, 31)]
    published = tmp_path / "published"
    manifest = fake_project(published, paths)
    put_in_bucket(s3, bucket, published)
    store = GalleryStore(tmp_path / "cache")
    with TcpProxy(s3_server.port, latency=0.05) as proxy:
        dest = s3_destination(bucket, proxy.url)
        items = [i for _, section in store.items(dest.ident, manifest) for i in section]
        # The photographer scrolled to the end and opened the last photo: its
        # preview and the last row's thumbnails are on screen (newest first).
        on_screen = [str(items[-1].full)] + [str(i.thumb) for i in reversed(items[-4:])]
        try:
            fetch_missing(store, dest, manifest, urgent=lambda: on_screen)
        finally:
            dest.close()
        gets = [r.target for r in proxy.requests if r.method == "GET"]
    asked = [unquote(t.split("?")[0]).removeprefix(f"/{bucket}/") for t in gets]
    on_screen_keys = {items[-1].entry.preview.key} | {i.entry.thumb.key for i in items[-4:]}
    # The first round goes out before the rest is looked for: the first thumbnails.
    # Then, side by side: what is on screen, then the next thumbnails.
    assert set(asked[:FETCHES]) == {i.entry.thumb.key for i in items[:FETCHES]}
    assert set(asked[FETCHES : 2 * FETCHES]) == on_screen_keys | {
        i.entry.thumb.key for i in items[FETCHES : 2 * FETCHES - len(on_screen_keys)]
    }
