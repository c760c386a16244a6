"""The local-folder destination: same layout, same resume behaviour as a bucket."""

from __future__ import annotations

import hashlib
import threading

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.local import LocalDestination
from lytsite_desktop.core.events import FileStateChanged, Progress
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
