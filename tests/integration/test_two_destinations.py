"""Two destinations at once share the upload slots in turn, and each keeps one
unit going: a batch for a second bucket is not held back by the first bucket's
slow batch.

Seen under Xvfb: a wedding going up through a slow link to one bucket, then a
folder of portraits published to another bucket on a fast one: the portraits sat
at 0% ("making preview") while the wedding's files took every slot as each one
freed, one after the other (a released slot went back to the releasing thread
before a waiting one woke)."""

from __future__ import annotations

import threading
import time

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.events import (
    BatchDone,
    Event,
    FileDone,
    FileEvent,
    FileStateChanged,
    PreviewDone,
)
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.states import FileState
from lytsite_desktop.core.transfer.task import UploadRequest
from tests.conftest import dest_url, write_random
from tests.support.images import jpeg_bytes, scene
from tests.support.netproxy import TcpProxy


def test_a_second_buckets_batch_gets_slots_while_the_first_crawls(tmp_path, s3, s3_server):
    for name in ("slow", "fast"):
        s3.create_bucket(Bucket=name)
    wedding = [write_random(tmp_path / "w" / f"{i}.jpg", MiB, seed=i) for i in range(4)]
    portraits = [write_random(tmp_path / "p" / f"{i}.jpg", 50_000, seed=50 + i) for i in range(4)]
    done: list[tuple[str, str]] = []  # (bucket, file) in the order they were published
    portraits_done = threading.Event()

    def seen(event: Event) -> None:
        if isinstance(event, FileDone):
            done.append((event.dest, event.rel_path))
        if isinstance(event, BatchDone) and event.project == "Portraits":
            portraits_done.set()

    app = App()
    try:
        with TcpProxy(s3_server.port, up_rate=512 * 1024) as proxy:
            service = PublishingService(app, TransferSettings(concurrency=2), previews=False)
            service.subscribe(seen)
            slow, fast = (
                app.ref(dest_url("slow", proxy.url)),
                app.ref(dest_url("fast", s3_server.url)),
            )
            service.publish([UploadRequest(str(f), f.name, "wedding") for f in wedding], slow,
                            project="Wedding")  # fmt: skip
            service.publish([UploadRequest(str(f), f.name, "portraits") for f in portraits],
                            fast, project="Portraits")  # fmt: skip
            assert portraits_done.wait(60)
            wedding_so_far = sum(1 for d, _ in done if "slow" in d)
            assert service.wait(120)
            service.close()
    finally:
        app.close()
    # Two files of the wedding at a time, 4 s each: the portraits need a slot for a
    # moment each and, their bucket having nothing in flight, get one at once (they
    # waited for 3 of the 4 before; for the first to end, with slots in turn alone).
    assert wedding_so_far == 0, done
    assert sorted(f for d, f in done if "fast" in d) == sorted(p.name for p in portraits)
    assert sum(1 for d, _ in done if "slow" in d) == 4
    assert service.slots.peak <= 3  # the limit, and one for the second bucket


def test_a_file_waiting_for_a_slot_is_queued_not_making_its_preview(tmp_path, s3, s3_server):
    """Its preview made and sent, a file whose turn for a slot had not come said
    "making preview" until it got one. Both buckets behind slow links: the first
    holds the two slots, the second's one unit beyond them (a big scan) takes a
    while, and its photos wait in line."""
    for name in ("slow", "fast"):
        s3.create_bucket(Bucket=name)
    ceremony = [write_random(tmp_path / "c" / f"{i}.jpg", MiB, seed=100 + i) for i in range(2)]
    folder = tmp_path / "p"
    scan = write_random(folder / "A_scan.tif", MiB, seed=7)  # no picture: no preview to make
    photos = [folder / f"P_{i}.jpg" for i in range(3)]
    for i, photo in enumerate(photos):
        photo.write_bytes(jpeg_bytes(scene((1200, 900), seed=i)))
    shown: dict[str, FileState] = {}
    when_previewed: dict[str, FileState] = {}  # of files whose original had not started
    started: set[str] = set()
    lock = threading.Lock()

    def seen(event: Event) -> None:
        if not isinstance(event, FileEvent) or event.project != "portraits":
            return
        with lock:
            if isinstance(event, FileStateChanged):
                shown[event.rel_path] = event.state
                if event.state is FileState.UPLOADING:
                    started.add(event.rel_path)
            elif (
                isinstance(event, PreviewDone)
                and event.preview_key
                and event.rel_path not in started
            ):
                when_previewed[event.rel_path] = shown.get(event.rel_path, FileState.QUEUED)

    app = App()
    try:
        with (
            TcpProxy(s3_server.port, up_rate=512 * 1024) as first,
            TcpProxy(s3_server.port, up_rate=512 * 1024) as second,
        ):
            service = PublishingService(app, TransferSettings(concurrency=2))
            service.subscribe(seen)
            slow, fast = app.ref(dest_url("slow", first.url)), app.ref(dest_url("fast", second.url))
            service.publish([UploadRequest(str(f), f.name, "ceremony") for f in ceremony], slow)
            deadline = time.monotonic() + 30
            while service.slots.in_use < 2 and time.monotonic() < deadline:
                time.sleep(0.01)  # the ceremony holds both slots
            service.publish([UploadRequest(str(f), f.name, "portraits") for f in [scan, *photos]],
                            fast)  # fmt: skip
            assert service.wait(120)
            service.close()
    finally:
        app.close()
    assert sorted(when_previewed) == [p.name for p in photos], (when_previewed, started)
    assert set(when_previewed.values()) == {FileState.QUEUED}, when_previewed
