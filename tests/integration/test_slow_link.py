"""On a slow link a big file's parts, and photos sent whole, do not all crawl at
once: real HTTP to moto through the test proxy, shaped to 1 MiB/s."""

from __future__ import annotations

import time

from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.states import Original
from tests.conftest import write_random
from tests.support.engines import engine, requests_for
from tests.support.netproxy import TcpProxy


def test_parts_in_the_air_carry_what_a_slow_link_sends_in_seconds(tmp_path, bucket, s3, s3_server):
    """Eight 5 MiB parts shared 1 MiB/s: none was done in the first 40 s, and a
    crash then lost all of them. In the air now: the first part alone (until a
    part's worth has arrived), then two until the link is measured, then what it
    sends in 15 s (three), so the first is done in one part's time and a crash
    loses no more than that. (Two from the start took two parts' time.)"""
    write_random(tmp_path / "film" / "ceremony.mov", 40 * MiB, seed=1)
    most, first, done_at = 0, 0, None
    with TcpProxy(s3_server.port, up_rate=MiB) as proxy, engine(bucket, proxy.url) as eng:
        eng.add(requests_for(tmp_path / "film"))
        started = time.monotonic()
        while time.monotonic() - started < 14 and done_at is None:
            (task,) = eng.tasks()
            most = max(most, task.busy)
            if task.done_parts:
                done_at = time.monotonic() - started
            elif time.monotonic() - started < 3:  # 3 MiB of the first part's 5 sent
                first = max(first, task.busy)
            time.sleep(0.02)
    assert first == 1, "the first part shared the link from the start"
    assert 2 <= most <= 3
    assert done_at is not None, "no part was done in the first 14 s"
    (upload,) = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    parts = s3.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    assert parts.get("Parts"), "what a crash now would keep"


def test_photos_sent_whole_share_a_slow_link_a_few_at_a_time(tmp_path, bucket, s3, s3_server):
    """Twelve 2.5 MiB photos on a 2 MB/s link went up eight at a time, each at an
    eighth of the link: after 9 s 15 MiB had been sent and not one photo was done,
    and a crash then kept none. Now two or three share it (two always, more as the
    link's rate allows: here eight 1 MiB photos, 1 MiB/s): the first is in the
    store while most of the batch's bytes are still to come. (Eight at once: the
    first was up when 7.8 of the 8 MiB had arrived.)"""
    for n in range(8):
        write_random(tmp_path / "shoot" / f"IMG_{n:04}.jpg", MiB, seed=n)
    total = 8 * MiB
    most, arrived_when_first_up = 0, None
    with TcpProxy(s3_server.port, up_rate=MiB) as proxy, engine(bucket, proxy.url) as eng:
        eng.add(requests_for(tmp_path / "shoot"))
        started = time.monotonic()
        while time.monotonic() - started < 20 and arrived_when_first_up is None:
            tasks = eng.tasks()
            arriving = [
                t for t in tasks if t.original is Original.PREPARING and t.bytes_done < t.size
            ]
            most = max(most, len(arriving))
            if any(t.original_up for t in tasks):
                arrived_when_first_up = sum(t.bytes_done for t in tasks)
            time.sleep(0.01)
    assert arrived_when_first_up is not None, "no photo was up in 20 s"
    assert arrived_when_first_up < total / 2, "the photos crawled together"
    assert 2 <= most <= 3
    assert len(s3.list_objects_v2(Bucket=bucket).get("Contents", [])) >= 1
