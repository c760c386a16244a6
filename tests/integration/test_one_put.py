"""On a fast, clean link a file above the single-PUT cutoff goes up in one PUT
(core/transfer/linkrate.py); a link that failed lately, a store checked by MD5 and
an upload already under way in parts keep the parts. Real HTTP to moto through
the test proxy, which records the requests."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from lytsite_desktop.core.events import FileDone, Progress
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.transfer.engine import TransferEngine
from lytsite_desktop.core.transfer.linkrate import MIN_SPAN
from tests.conftest import object_sha256, sha256_file, write_random
from tests.support.engines import Recorder, engine, requests_for
from tests.support.netproxy import Faults, TcpProxy

# The test engines' cutoff is 6 MiB: a file of 12 MiB goes in parts (three of
# 5 MiB) unless the link has shown it sends 12 MiB in two seconds (moto on
# loopback: far more).
BIG = 12 * MiB


def _batch(eng: TransferEngine, folder: Path, project: str) -> None:
    """One batch in an engine that goes on running (as the window's does)."""
    eng.start()
    ids = eng.add(requests_for(folder, project))
    assert eng.wait(60)
    assert eng.summary(ids).published == len(ids)


def _warm(eng: TransferEngine, folder: Path) -> None:
    """A batch of small photos (32 MiB), and the link measured over at least
    MIN_SPAN since their first bytes arrived."""
    for i in range(8):
        write_random(folder / f"img_{i}.jpg", 4 * MiB, seed=100 + i)
    _batch(eng, folder, "warm")
    time.sleep(MIN_SPAN)


def _how_sent(proxy: TcpProxy, name: str) -> tuple[int, int, int]:
    """(whole PUTs, multipart starts, part PUTs) the proxy saw for ``name``."""
    seen = [r for r in proxy.requests if r.target.split("?")[0].endswith("/" + name)]
    whole = sum(1 for r in seen if r.method == "PUT" and "partNumber=" not in r.target)
    starts = sum(1 for r in seen if r.method == "POST" and "uploads" in r.target)
    parts = sum(1 for r in seen if r.method == "PUT" and "partNumber=" in r.target)
    return whole, starts, parts


def _publish_big(eng: TransferEngine, folder: Path) -> Path:
    src = write_random(folder / "clip.mov", BIG, seed=7)
    _batch(eng, folder, "film")
    return src


def test_a_big_file_goes_in_one_put_once_the_link_has_shown_it_is_fast(
    tmp_path, bucket, s3, s3_server
):
    rec = Recorder()
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
        eng.subscribe(rec)
        _warm(eng, tmp_path / "warm")
        src = _publish_big(eng, tmp_path / "film")
        assert _how_sent(proxy, "clip.mov") == (1, 0, 0)
    (done,) = [e for e in rec.of(FileDone) if e.rel_path == "clip.mov"]
    assert object_sha256(s3, bucket, done.key) == sha256_file(src)
    head = s3.head_object(Bucket=bucket, Key=done.key, ChecksumMode="ENABLED")
    assert head["ContentLength"] == BIG and "PartsCount" not in head


def test_an_unmeasured_link_sends_a_big_file_in_parts(tmp_path, bucket, s3_server):
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
        _publish_big(eng, tmp_path / "film")
        whole, starts, parts = _how_sent(proxy, "clip.mov")
    assert (whole, starts, parts) == (0, 1, 3)


def test_after_a_failure_big_files_go_in_parts_again(tmp_path, bucket, s3_server):
    # Every second connection is refused with 503 Slow Down while the link is
    # measured: the photos get through on their retries, and the link is not trusted.
    with (
        TcpProxy(s3_server.port, faults=Faults(reject_every=2)) as proxy,
        engine(bucket, proxy.url) as eng,
    ):
        _warm(eng, tmp_path / "warm")
        assert proxy.rejected > 0
        proxy.faults = Faults()
        _publish_big(eng, tmp_path / "film")
        whole, starts, parts = _how_sent(proxy, "clip.mov")
    assert whole == 0 and starts == 1 and parts >= 3


def test_a_store_checked_by_md5_keeps_the_parts(tmp_path, bucket, s3_server):
    # A whole file's MD5 would take another read of it: not worth the saving.
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url, checksum="md5") as eng:
        _warm(eng, tmp_path / "warm")
        _publish_big(eng, tmp_path / "film")
        assert _how_sent(proxy, "clip.mov") == (0, 1, 3)


def test_turned_off_the_cutoff_holds(tmp_path, bucket, s3_server):
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url, one_put_seconds=0) as eng:
        _warm(eng, tmp_path / "warm")
        _publish_big(eng, tmp_path / "film")
        assert _how_sent(proxy, "clip.mov") == (0, 1, 3)


def test_an_upload_begun_in_parts_carries_on_in_parts_on_a_fast_link(
    tmp_path, bucket, s3, s3_server
):
    src = write_random(tmp_path / "film" / "clip.mov", BIG, seed=7)
    rec = Recorder()
    with TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy:
        with engine(bucket, proxy.url) as eng:
            eng.subscribe(rec)
            paused = threading.Event()
            rec.when(
                lambda e: isinstance(e, Progress) and e.bytes_done > 5 * MiB,
                lambda: (eng.pause(), paused.set()),
            )
            eng.add(requests_for(tmp_path / "film", "film"))
            assert paused.wait(30)
        # The app again, on a link that now shows itself fast: the upload under
        # way goes on from its parts (the journal's), not from the start in one PUT.
        proxy.set_up_rate(None)
        proxy.requests.clear()
        rec = Recorder()
        with engine(bucket, proxy.url) as eng:
            eng.subscribe(rec)
            _warm(eng, tmp_path / "warm")
            assert eng.add_unfinished()
            assert eng.wait(60)
        whole, starts, parts = _how_sent(proxy, "clip.mov")
        assert whole == 0 and starts == 0 and parts >= 1
    (done,) = [e for e in rec.of(FileDone) if e.rel_path == "clip.mov"]
    assert object_sha256(s3, bucket, done.key) == sha256_file(src)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_big_file_sent_whole_and_corrupted_on_the_way_is_refused_and_sent_again(
    tmp_path, bucket, s3, s3_server, caplog
):
    # Its check is the content id itself (x-amz-checksum-sha256 of the whole file).
    caplog.set_level(logging.WARNING, "lytsite_desktop.core.transfer.original")
    rec = Recorder()
    with TcpProxy(s3_server.port) as proxy, engine(bucket, proxy.url) as eng:
        eng.subscribe(rec)
        _warm(eng, tmp_path / "warm")
        proxy.faults = Faults(corrupt="clip.mov")
        src = _publish_big(eng, tmp_path / "film")
        (corrupted,) = proxy.corrupted
        assert _how_sent(proxy, "clip.mov") == (2, 0, 0)  # refused, then sent again whole
    assert corrupted.endswith("/clip.mov")
    assert any("checksum mismatch in transit" in r.getMessage() for r in caplog.records)
    (done,) = [e for e in rec.of(FileDone) if e.rel_path == "clip.mov"]
    assert object_sha256(s3, bucket, done.key) == sha256_file(src)
