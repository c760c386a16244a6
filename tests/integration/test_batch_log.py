"""The log tells the day's work: for each batch, what was published, found already
there, retried and failed, and the totals."""

from __future__ import annotations

import re

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.store.records import QueueItem
from lytsite_desktop.core.transfer.task import UploadRequest
from tests.conftest import dest_url, write_random
from tests.support.netproxy import Faults, TcpProxy


def test_each_batch_is_told_in_the_log(tmp_path, bucket, s3_server):
    folder = tmp_path / "Shoot"
    files = [write_random(folder / f"{i}.jpg", 900_000 + i, seed=i) for i in range(3)]
    requests = [UploadRequest(str(f), f.name, "shoot") for f in files]
    gone = UploadRequest(str(folder / "gone.jpg"), "gone.jpg", "shoot")  # deleted after the drop
    diag = diagnostics.start(AppPaths.discover())
    app = App()
    try:
        with TcpProxy(s3_server.port, faults=Faults(reset_after=400_000, reset_every=2)) as proxy:
            ref = app.ref(dest_url(bucket, proxy.url))
            settings = TransferSettings(concurrency=2, read_timeout=5)
            service = PublishingService(app, settings, previews=False)
            service.publish([*requests, gone], ref, project="Shoot")
            assert service.wait(60)
            service.close()
            assert proxy.resets > 0
            again = PublishingService(app, settings, previews=False)
            again.publish(requests[:1], ref, project="Shoot")
            assert again.wait(60)
            again.close()
    finally:
        app.close()
        diag.stop()
    log = diag.log_file.read_text("utf-8")
    assert re.search(r"batch 1: publishing 4 file\(s\) to s3://\S+ \(Shoot\)", log)
    for f in files:
        assert re.search(rf"published shoot/{f.name}, \d+\.\d \w+ sent", log), f.name
    assert "retrying shoot/" in log  # the reset connection, and what it said
    assert re.search(r"failed shoot/gone\.jpg: the file is gone", log)
    assert re.search(
        r"batch 1 finished: 3 published \(0 without a preview\), 1 failed, 0 cancelled; "
        r"\d+\.\d MiB sent in \d+\.\d s",
        log,
    )
    assert "already there shoot/0.jpg, 0 B sent" in log  # the second batch sent nothing
    assert re.search(r"batch 1 finished: 1 published .* 0 B sent", log.split("already there")[1])


def test_a_resumed_batch_names_the_project_as_the_photographer_typed_it(tmp_path):
    """After a crash, the window's "published to ..." and the log name the project
    by its title, as the first run did, not by its address (``wedding-day``)."""
    folder = tmp_path / "shoot"
    first, second = (write_random(folder / f"{i}.jpg", 50_000, seed=i) for i in range(2))
    app = App()
    try:
        ref = app.ref((tmp_path / "lib").as_uri())
        service = PublishingService(app, previews=False)
        service.publish([UploadRequest(str(first), first.name, "wedding-day")], ref,
                        project="Wedding Day", titles={"wedding-day": "Wedding Day"})  # fmt: skip
        assert service.wait(60)
        ident = service.engines()[0].dest.ident
        service.close()
        # A crash after the second file was queued: the journal holds it, unfinished.
        st = second.stat()
        app.journal.queue([QueueItem(ident, "wedding-day", second.name, str(second), st.st_size,
                                     st.st_mtime_ns)])  # fmt: skip
        again = PublishingService(app, previews=False)
        batches, problems = again.resume()
        assert again.wait(60)
        again.close()
    finally:
        app.close()
    assert not problems and [b.project for b in batches] == ["Wedding Day"]
