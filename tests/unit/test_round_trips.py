"""What a batch's start and end wait for: each round trip that can overlap another
does, and the last files' completions go into one manifest write, not two."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import PreviewSettings, TransferSettings
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.gallery.page import ASSETS
from lytsite_desktop.core.gallery.web import WebPages
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.publish.manifest import Manifest
from lytsite_desktop.core.publish.writer import ManifestWriter
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.runs import open_engine
from tests.support.engines import journal, requests_for
from tests.support.images import jpeg_bytes, marked_image
from tests.unit.test_manifest import FULL

SECOND = replace(FULL, fileId="f2", path="b.jpg", fileName="b.jpg",
                 originalKey="projects/p/files/f2/b.jpg")  # fmt: skip
THIRD = replace(FULL, fileId="f3", path="c.jpg", fileName="c.jpg",
                originalKey="projects/p/files/f3/c.jpg")  # fmt: skip


class Recording(LocalDestination):
    """A folder that keeps every manifest written to it."""

    def __init__(self, root) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.manifests: list[list[str]] = []

    def put_bytes(self, key: str, data: bytes, content_type: str, **kw) -> str:  # type: ignore[no-untyped-def]
        if key.endswith("manifest.json"):
            self.manifests.append(sorted(f["path"] for f in json.loads(data)["files"]))
        return super().put_bytes(key, data, content_type, **kw)


def written(dest: Recording, count: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while len(dest.manifests) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(dest.manifests) >= count


def settling_writer(dest: Recording) -> tuple[ManifestWriter, threading.Event]:
    """A writer whose batch's last completions are in the air while the event is
    set; the project's first write already made."""
    writer = ManifestWriter(dest, min_interval=0.5)
    in_the_air = threading.Event()
    writer.settling = in_the_air.is_set
    writer.put("p", THIRD)
    assert written(dest, 1)
    return writer, in_the_air


def test_the_last_completions_of_a_batch_go_into_one_write(tmp_path):
    dest = Recording(tmp_path)
    writer, in_the_air = settling_writer(dest)
    try:
        in_the_air.set()
        writer.put("p", FULL)  # one more file done, the batch's last one still in the air
        assert not written(dest, 2, within=0.9), "written while the last file was in the air"
        writer.put("p", SECOND)
        in_the_air.clear()
        assert written(dest, 2)
        time.sleep(0.8)  # a third write would come a pacing interval later
        assert dest.manifests == [["c.jpg"], ["a.jpg", "b.jpg", "c.jpg"]]
    finally:
        writer.close()


def test_a_first_write_and_a_long_wait_are_not_held(tmp_path):
    dest = Recording(tmp_path)
    writer = ManifestWriter(dest, min_interval=0.1)
    writer.settling = lambda: True  # something always in the air
    try:
        writer.put("p", THIRD)  # a project's first write puts its page's assets too
        assert written(dest, 1, within=0.3)
        writer.put("p", replace(FULL, originalKey=None))
        assert written(dest, 2, within=3.0), "held past two intervals"
    finally:
        writer.close()


def test_a_preview_listed_ahead_joins_its_originals_write_at_a_batchs_end(tmp_path):
    """Seen at a proxy: the batch's last photo all sent, its preview's entry went
    in a write of its own, and the write listing the photo waited for that one's
    answer: a round trip more at the end, in two runs of three."""
    dest = Recording(tmp_path)
    writer, in_the_air = settling_writer(dest)
    try:
        in_the_air.set()  # the last photo is all sent; its answer is on its way
        writer.put("p", replace(FULL, originalKey=None))
        assert not written(dest, 2, within=0.9), "its preview went in a write of its own"
        writer.put("p", FULL)
        in_the_air.clear()
        writer.wake()
        assert written(dest, 2, within=1.0)
        time.sleep(0.6)
        assert dest.manifests == [["c.jpg"], ["a.jpg", "c.jpg"]]
    finally:
        writer.close()


def test_the_lister_is_woken_when_only_answers_are_left(tmp_path):
    """The engine tells the lister when its last units end (or only their answers
    are awaited): the batch's last write then goes at once, not at its next look."""
    run = open_engine(LocalDestination(tmp_path / "lib"), journal(), TransferSettings())
    woken: list[bool] = []
    engine = run.engine
    engine.on_quiet = lambda: woken.append(engine.drained() or engine.winding_down())
    folder = tmp_path / "Shoot"
    folder.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (folder / name).write_bytes(jpeg_bytes(marked_image((64, 48))))
    try:
        engine.start()
        assert engine.run(requests_for(folder)).published == 3
    finally:
        engine.stop()
    assert woken and all(woken)


def test_a_batchs_last_completion_is_written_without_waiting_out_the_interval(tmp_path):
    """Completions gather for an interval after each write; at a batch's end nothing
    more comes, and the last files waited for it anyway."""
    dest = Recording(tmp_path)
    writer = ManifestWriter(dest, min_interval=30.0)
    more_to_come = True
    writer.drained = lambda: not more_to_come
    try:
        writer.put("p", THIRD)
        assert written(dest, 1)
        writer.put("p", FULL)
        assert not written(dest, 2, within=0.5), "written while files still stream"
        more_to_come = False
        writer.put("p", SECOND)
        assert written(dest, 2, within=10.0), "the last files waited out the interval"
        assert dest.manifests[-1] == ["a.jpg", "b.jpg", "c.jpg"]
    finally:
        writer.close()


class PageGated(Recording):
    """A store that, once armed, answers one kind of request only once the page is
    up (or after 5 s), and remembers whether one had to wait that long."""

    def __init__(self, root) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.page_up = threading.Event()
        self.armed = False
        self.waited = False

    def hold(self) -> None:
        if self.armed:
            self.waited = not self.page_up.wait(5) or self.waited

    def put_bytes(self, key: str, data: bytes, content_type: str, **kw) -> str:  # type: ignore[no-untyped-def]
        etag = super().put_bytes(key, data, content_type, **kw)
        if key.endswith("index.html"):
            self.page_up.set()
        return etag


class ReadAfterPage(PageGated):
    """Manifest reads wait for the page."""

    def get_versioned(self, key: str):  # type: ignore[no-untyped-def]
        if key.endswith("manifest.json"):
            self.hold()
        return super().get_versioned(key)


def test_the_page_goes_up_while_the_manifest_is_read_again(tmp_path):
    dest = ReadAfterPage(tmp_path)
    pages: list[list[str]] = []

    def page(m: Manifest, new: bool) -> None:
        pages.append(sorted(m.files))
        dest.page_up.set()

    writer = ManifestWriter(dest, min_interval=0.05, pages=page)
    try:
        writer.put("p", FULL)
        assert writer.flush(10)
        dest.armed = True
        writer.publish_pages()
        assert writer.flush(10)
        assert not dest.waited, "the page waited for the manifest's read"
        assert pages == [["a.jpg"]], "the manifest had not changed: one page"
        # Another computer adds a file meanwhile: the page is put again from it.
        other = ManifestWriter(LocalDestination(tmp_path))
        other.put("p", SECOND)
        assert other.close(10)
        dest.page_up.clear()
        writer.put("p", replace(FULL, note="again"))
        assert writer.flush(10)
        writer.publish_pages()
        assert writer.flush(10)
        assert pages[-2:] == [["a.jpg"], ["a.jpg", "b.jpg"]]
    finally:
        writer.close()


class WriteAfterPage(PageGated):
    """Manifest writes wait for the page."""

    def put_bytes(self, key: str, data: bytes, content_type: str, **kw) -> str:  # type: ignore[no-untyped-def]
        if key.endswith("manifest.json"):
            self.hold()
        return super().put_bytes(key, data, content_type, **kw)


def _page_writer(dest: WriteAfterPage, pages: list[list[str]]) -> ManifestWriter:
    def page(m: Manifest, new: bool) -> None:
        pages.append(sorted(m.files))
        dest.put_bytes("projects/p/index.html", b"<html>", "text/html")

    writer = ManifestWriter(dest, min_interval=0.05, pages=page)
    writer.drained = lambda: True  # nothing left in the air or to start
    writer.put("p", FULL)  # a project's first write puts the assets; its page follows
    assert writer.flush(10)
    dest.armed = True
    dest.page_up.clear()
    return writer


def test_the_last_write_of_a_batch_puts_its_page_beside_it(tmp_path):
    """The page used to wait for the last manifest write's answer: two round trips
    at the end of every batch instead of one."""
    dest = WriteAfterPage(tmp_path)
    pages: list[list[str]] = []
    writer = _page_writer(dest, pages)
    try:
        dest.armed, writer.drained = False, lambda: False
        writer.put("p", SECOND)  # files still to come: the page waits for the batch's end
        assert written(dest, 2)
        dest.armed, writer.drained = True, lambda: True
        writer.put("p", THIRD)  # the batch's last
        assert writer.flush(10)
        assert not dest.waited, "the page waited for the manifest's write"
        writer.publish_pages()
        assert writer.flush(10)
        assert dest.manifests[-1] == ["a.jpg", "b.jpg", "c.jpg"]
        assert pages == [["a.jpg"], ["a.jpg", "b.jpg", "c.jpg"]], "drawn from the last, once"
    finally:
        writer.close()


def test_a_page_beside_a_write_that_lost_a_race_is_drawn_again(tmp_path):
    """Another computer wrote first: what went up is the merge, so is its page."""
    dest = WriteAfterPage(tmp_path)
    pages: list[list[str]] = []
    writer = _page_writer(dest, pages)
    try:
        other = ManifestWriter(LocalDestination(tmp_path))
        other.put("p", THIRD)
        assert other.close(10)
        writer.put("p", SECOND)
        assert writer.flush(10)
        assert dest.manifests[-1] == ["a.jpg", "b.jpg", "c.jpg"]
        assert pages[-2:] == [["a.jpg", "b.jpg"], ["a.jpg", "b.jpg", "c.jpg"]]
    finally:
        writer.close()


def test_a_batch_of_one_write_puts_its_page_and_assets_beside_it(tmp_path):
    """One big file: the project's first manifest write is also its last. The page
    and the new project's assets used to follow it, one after another (the HEAD,
    the assets, the last asset, a read, the page): five round trips at the end."""
    dest = WriteAfterPage(tmp_path)
    dest.armed = True
    news: list[bool] = []
    web = WebPages(dest)

    def page(m: Manifest, new: bool) -> None:
        news.append(new)
        web.page(m, new)

    writer = ManifestWriter(dest, min_interval=0.05, pages=page)
    writer.drained = lambda: True  # nothing left in the air or to start
    try:
        writer.put("p", FULL)
        assert writer.flush(10)
        assert not dest.waited, "the first write waited for the page"
        assert news == [True], "drawn once, as a new project's"
        assert dest.manifests == [["a.jpg"]]
        assert all((tmp_path / "projects" / "p" / name).exists() for name, _ in ASSETS)
    finally:
        writer.close()


class HeadAfterPage(PageGated):
    """HEADs (is this asset there?) wait for the page."""

    def head(self, key: str):  # type: ignore[no-untyped-def]
        self.hold()
        return super().head(key)


def test_the_assets_are_asked_about_beside_the_page_once_seen(tmp_path):
    dest = HeadAfterPage(tmp_path)
    web = WebPages(dest)
    web.assets("p")  # during the batch: put (or found there)
    dest.armed = True
    web.page(Manifest("p", {FULL.path: FULL}))
    assert not dest.waited, "the page waited for the assets' check"
    assert (tmp_path / "projects" / "p" / "index.html").exists()


class AssetsAfterPage(PageGated):
    """Asset PUTs wait for the page; HEADs are counted."""

    def __init__(self, root) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.heads = 0

    def head(self, key: str):  # type: ignore[no-untyped-def]
        self.heads += 1
        return super().head(key)

    def put_bytes(self, key: str, data: bytes, content_type: str, **kw) -> str:  # type: ignore[no-untyped-def]
        if not key.endswith(("index.html", "manifest.json")):
            self.hold()
        return super().put_bytes(key, data, content_type, **kw)


def test_a_new_projects_assets_go_up_beside_its_page_without_asking(tmp_path):
    dest = AssetsAfterPage(tmp_path)
    dest.armed = True
    WebPages(dest).page(Manifest("p", {FULL.path: FULL}), True)
    assert not dest.waited, "the page waited for the assets"
    assert dest.heads == 0, "asked whether a new project's assets were there"
    assert all((tmp_path / "projects" / "p" / name).exists() for name, _ in ASSETS)


class SlowAssets(LocalDestination):
    """Asset PUTs take a moment, and each is counted."""

    def __init__(self, root) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.puts: list[str] = []

    def put_bytes(self, key: str, data: bytes, content_type: str, **kw) -> str:  # type: ignore[no-untyped-def]
        self.puts.append(key.rsplit("/", 1)[1])
        time.sleep(0.05)
        return super().put_bytes(key, data, content_type, **kw)


def test_assets_put_ahead_are_not_put_again_by_the_first_write(tmp_path):
    """A new project's assets go up as its batch starts (``ahead``); its first
    manifest write asks for them while they are still in the air: it waits for
    them instead of putting them a second time."""
    dest = SlowAssets(tmp_path)
    web = WebPages(dest)
    web.ahead(["p"])
    while not dest.puts:
        time.sleep(0.005)
    web.assets("p")  # the first write's
    assert sorted(dest.puts) == sorted(name for name, _ in ASSETS)


class CountedAssets(LocalDestination):
    """Every PUT and HEAD, by name."""

    def __init__(self, root) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.puts: list[str] = []
        self.heads: list[str] = []

    def put_bytes(self, key: str, data: bytes, content_type: str, **kw) -> str:  # type: ignore[no-untyped-def]
        self.puts.append(key.rsplit("/", 1)[1])
        return super().put_bytes(key, data, content_type, **kw)

    def head(self, key: str):  # type: ignore[no-untyped-def]
        self.heads.append(key.rsplit("/", 1)[1])
        return super().head(key)


def test_a_new_projects_page_asks_about_the_assets_this_run_put_ahead(tmp_path):
    """A new project's assets went up as its batch began (``ahead``). Its page, at
    the batch's end, used to put them all again without asking: a second round
    trip after the completion (the last asset goes after the others)."""
    dest = CountedAssets(tmp_path)
    web = WebPages(dest)
    web.assets("p", new=True)  # what ``ahead`` does
    assert sorted(dest.puts) == sorted(name for name, _ in ASSETS)
    dest.puts.clear()
    web.page(Manifest("p", {FULL.path: FULL}), True)
    assert dest.puts == ["index.html"], "the assets put ahead were put again"
    assert dest.heads == [ASSETS[-1][0]], "asked about once, beside the page"
    dest.puts.clear()
    (tmp_path / "projects" / "p" / ASSETS[-1][0]).unlink()  # taken down meanwhile
    web.page(Manifest("p", {FULL.path: FULL}), True)
    assert sorted(dest.puts) == sorted(["index.html", *(name for name, _ in ASSETS)])


def test_a_destination_is_opened_once_per_run(tmp_path):
    app = App()
    opened: list[str] = []
    real = app.open

    def counting(ref, ts=None):  # type: ignore[no-untyped-def]
        opened.append(ref.spec)
        return real(ref, ts)

    app.open = counting  # type: ignore[method-assign]
    service = PublishingService(app, previews=False)
    try:
        ref = app.ref((tmp_path / "lib").as_uri())
        service.orphans(ref)  # as `upload` does: the orphan check, then the batch
        first = service.run_for(ref)
        assert service.run_for(ref) is first
        assert len(opened) == 1, "each step opened the destination again (an S3 client each)"
    finally:
        service.close()
        app.close()


def test_the_first_requests_go_out_before_the_workers_start(tmp_path):
    """`upload` reads the manifest and checks for orphans before the batch: those
    requests must not wait for (or compete for the CPU with) twelve threads and two
    preview processes starting."""
    app = App()
    service = PublishingService(app, previews=True)
    try:
        ref = app.ref((tmp_path / "lib").as_uri())
        service.prefetch(ref, ["p"])
        service.orphans(ref)
        run = service.run_for(ref, start=False)
        maker = service._previews
        assert maker is not None
        assert all(slot.pid is None for slot in maker._slots), "preview workers already started"
        assert not run.engine._workers, "the engine's threads already started"
        service.run_for(ref)  # what publish() does
        assert len(run.engine._workers) >= run.engine.settings.concurrency
        # The preview workers wait for a file that wants one (test_claims.py).
        assert all(slot.pid is None for slot in maker._slots)
    finally:
        service.close()
        app.close()


class HeldOriginals(LocalDestination):
    """A folder whose originals wait until ``go`` is set (they hold the only upload
    worker), and whose previews and thumbnails each wait (up to a few seconds) for
    ``meet`` of them to be in flight at once: how many were is ``peak``."""

    def __init__(self, root, meet: int) -> None:  # type: ignore[no-untyped-def]
        super().__init__(root)
        self.go = threading.Event()
        self.meet, self.inside, self.peak = meet, 0, 0
        self._cv = threading.Condition()

    def put_object(self, key: str, *args, **kw) -> str:  # type: ignore[no-untyped-def]
        if "/files/" in key:
            self.go.wait(30)
        elif "/previews/" in key or "/thumbs/" in key:
            with self._cv:
                self.inside += 1
                self.peak = max(self.peak, self.inside)
                self._cv.notify_all()
                self._cv.wait_for(lambda: self.inside >= self.meet, timeout=4)
            try:
                return super().put_object(key, *args, **kw)
            finally:
                with self._cv:
                    self.inside -= 1
        return super().put_object(key, *args, **kw)


def test_previews_and_thumbnails_go_up_side_by_side(tmp_path):
    """A photo's preview and thumbnail go up at once, and two photos' at once too,
    while the originals hold every upload worker: on a distant store each file's
    renditions cost one round trip, not two, and a batch's last two photos (made
    at once by the two workers) wait for no one."""

    folder = tmp_path / "Shoot"
    folder.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (folder / name).write_bytes(jpeg_bytes(marked_image((1200, 800))))
    dest = HeldOriginals(tmp_path / "lib", meet=4)
    maker = PreviewMaker(PreviewSettings(workers=2), AppPaths.discover().cache_dir)
    run = open_engine(dest, journal(), TransferSettings(concurrency=1), previews=maker)
    try:
        run.engine.start()
        done = threading.Thread(target=run.engine.run, args=(requests_for(folder),))
        done.start()
        deadline = time.monotonic() + 30
        while dest.peak < 4 and time.monotonic() < deadline and done.is_alive():
            time.sleep(0.02)
        dest.go.set()
        done.join(30)
        assert dest.peak == 4, f"at most {dest.peak} of the 4 renditions were in flight at once"
        listed = json.loads((tmp_path / "lib/projects/shoot/manifest.json").read_bytes())["files"]
        assert all(f["preview"] and f["thumb"] and f["originalKey"] for f in listed)
        assert len(listed) == 2
    finally:
        dest.go.set()
        run.engine.stop()
        maker.close()
