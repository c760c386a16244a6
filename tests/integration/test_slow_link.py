"""On a slow link a big file's parts do not all crawl at once: real HTTP to moto
through the test proxy, shaped to 1 MiB/s."""

from __future__ import annotations

import time

from lytsite_desktop.core.sizes import MiB
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
