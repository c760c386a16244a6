"""The local-folder destination: same layout, same resume behaviour as a bucket."""

from __future__ import annotations

import hashlib
import threading

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.events import FileFailed, FileStateChanged, Progress
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.engine import TransferEngine
from tests.conftest import sha256_file, write_random
from tests.support.engines import Recorder, journal, requests_for


def _engine(root, **kw) -> TransferEngine:
    settings = TransferSettings(part_size=5 * MiB, multipart_threshold=6 * MiB, **kw)
    return TransferEngine(LocalDestination(root), journal(), settings)


def test_stop_and_resume_into_a_folder(tmp_path):
    src = write_random(tmp_path / "in" / "big.tif", 31 * MiB, seed=1)
    library = tmp_path / "library"
    rec = Recorder()
    with _engine(library, bwlimit=20 * MiB, concurrency=2) as eng:
        eng.subscribe(rec)
        rec.when(
            lambda e: isinstance(e, Progress) and e.bytes_done > 12 * MiB,
            lambda: threading.Thread(target=eng.stop).start(),
        )
        assert eng.run(requests_for(tmp_path / "in")).interrupted
    (row,) = journal().unfinished()
    assert journal().parts(row.id)  # some parts were recorded before the stop
    with _engine(library) as eng:
        summary = eng.run(resume=True)
    assert summary.published == 1
    assert summary.bytes_sent < 31 * MiB  # recorded parts were not sent again
    (published,) = list((library / "projects").rglob("big.tif"))
    assert sha256_file(published) == sha256_file(src)
    assert not list((library / ".lytsite-uploads").iterdir())


def test_bandwidth_limit_slows_the_upload(tmp_path):
    write_random(tmp_path / "in" / "a.jpg", 3 * MiB, seed=2)
    import time

    start = time.monotonic()
    with _engine(tmp_path / "lib", bwlimit=2 * MiB) as eng:
        eng.run(requests_for(tmp_path / "in"))
    assert time.monotonic() - start > 1.0  # 3 MiB at 2 MiB/s, less the initial burst


def test_publishing_again_hashes_nothing(tmp_path):
    folder = tmp_path / "in"
    for i in range(3):
        write_random(folder / f"{i}.jpg", 300_000, seed=i)
    with _engine(tmp_path / "lib") as eng:
        first = Recorder()
        eng.subscribe(first)
        eng.run(requests_for(folder))
    with _engine(tmp_path / "lib") as eng:
        again = Recorder()
        eng.subscribe(again)
        summary = eng.run(requests_for(folder))
    hashing = [e for e in first.of(FileStateChanged) if e.state == "hashing"]
    assert len(hashing) == 3  # the first run really hashed
    assert not [e for e in again.of(FileStateChanged) if e.state == "hashing"]
    assert summary.published == 3 and summary.bytes_sent == 0


def test_the_pages_assets_go_up_once_not_again_at_the_batchs_end(tmp_path):
    """A small object keeps its ETag beside it, so the page's HEAD of the last asset
    finds the one the first manifest write put there (it was sent again each time)."""
    from lytsite_desktop.core.gallery.page import ASSETS, asset
    from lytsite_desktop.core.gallery.web import WebPages
    from lytsite_desktop.core.keys import project_prefix
    from lytsite_desktop.core.publish.manifest import Manifest

    written: list[str] = []

    class Counting(LocalDestination):
        def put_bytes(self, key, data, content_type, **kw):  # type: ignore[no-untyped-def]
            written.append(key.rsplit("/", 1)[-1])
            return super().put_bytes(key, data, content_type, **kw)

    dest = Counting(tmp_path / "library")
    pages = WebPages(dest)
    pages.assets("shoot")
    name = ASSETS[-1][0]
    info = dest.head(project_prefix("shoot") + name)
    assert info is not None and info.etag == hashlib.md5(asset(name)).hexdigest()
    written.clear()
    pages.page(Manifest(project="shoot", files={}))
    assert written == ["index.html"]


def test_a_library_folder_that_cannot_be_written_says_why_in_plain_words(tmp_path, monkeypatch):
    """A file where a project's folder would be (or a drive gone read-only) failed
    each file with "Something unexpected went wrong" and printed the manifest
    thread's tracebacks: the library now says why, and nothing escapes a thread."""
    from lytsite_desktop.core.app import App
    from lytsite_desktop.core.publishing import PublishingService

    write_random(tmp_path / "in" / "a.jpg", 200_000, seed=5)
    (tmp_path / "lib" / "projects").mkdir(parents=True)
    (tmp_path / "lib" / "projects" / "shoot").write_text("in the way")
    escaped: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
    rec = Recorder()
    app = App()
    try:
        service = PublishingService(app, previews=False)
        service.subscribe(rec)
        service.publish(requests_for(tmp_path / "in"), app.ref((tmp_path / "lib").as_uri()))
        assert service.wait(60)
        service.close()
    finally:
        app.close()
    (failed,) = rec.of(FileFailed)
    assert failed.reason == (
        "Cannot write to the library folder: a file is in the way of one of its folders "
        f"({tmp_path / 'lib'})."
    )
    assert escaped == []
    dest = LocalDestination(tmp_path / "lib")  # reads of what cannot be there: not there
    assert dest.head("projects/shoot/manifest.json") is None
    assert dest.get_bytes("projects/shoot/manifest.json") is None
