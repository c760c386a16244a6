"""A file's progress, and the count its speed is measured from, are the bytes the
store's side acknowledged, not the bytes handed to the kernel (whose send buffer
takes megabytes at once on a slow link).

The proxy is shaped and keeps a small receive window, as a real bottleneck does:
what it has not forwarded stays unacknowledged in the client's send queue. Each
Progress event is compared with what the proxy had delivered to the server at
that moment."""

from __future__ import annotations

import contextlib
import sys

import pytest

from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.resolve import parse_signer_url
from lytsite_desktop.core.destinations.signed import SignedDestination
from lytsite_desktop.core.events import Progress
from lytsite_desktop.core.runs import open_engine
from lytsite_desktop.core.sizes import MiB
from tests.conftest import write_random
from tests.support.engines import engine, journal, requests_for
from tests.support.netproxy import TcpProxy
from tests.support.signing_server import TOKEN, SigningServer

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the send queue is read with Linux's SIOCOUTQ"
)

#: What may be acknowledged and not yet delivered: the proxy's window toward the
#: client (the kernel doubles what is asked), one of its reads, the request's head.
SLACK = 2 * 64 * 1024 + 64 * 1024 + 16 * 1024


def shown_against_delivered(tmp_path, bucket, s3_server, size: int, *, signed=False, **settings):
    """(shown, delivered, speed's count) at each Progress event of one file's upload."""
    folder = tmp_path / "a"
    write_random(folder / "clip.mov", size, seed=3)
    seen: list[tuple[int, int, int]] = []
    with contextlib.ExitStack() as stack:
        proxy = stack.enter_context(
            TcpProxy(s3_server.port, up_rate=2 * MiB, receive_buffer=64 * 1024)
        )
        if signed:  # the upload server's signed addresses point at the proxy
            server = stack.enter_context(SigningServer(proxy.url, bucket))
            dest = SignedDestination(parse_signer_url(server.dest), TOKEN, tmp_path / "mirror")
            defaults = {"part_size": 5 * MiB, "multipart_threshold": 6 * MiB}
            eng = open_engine(dest, journal(), TransferSettings(**(defaults | settings))).engine
        else:
            eng = engine(bucket, proxy.url, **settings)
        stack.enter_context(eng)

        def watch(event: object) -> None:
            if isinstance(event, Progress):
                seen.append((event.bytes_done, proxy.bytes_up, event.sent))

        eng.subscribe(watch)
        assert eng.run(requests_for(folder)).published == 1
    return seen


def test_a_single_put_shows_only_what_the_link_took(tmp_path, bucket, s3_server):
    size = 5 * MiB
    seen = shown_against_delivered(tmp_path, bucket, s3_server, size, multipart_threshold=8 * MiB)
    lead = max(shown - delivered for shown, delivered, _ in seen)
    assert lead <= SLACK, f"progress ran {lead} bytes ahead of the link"
    lead = max(counted - delivered for _, delivered, counted in seen)
    assert lead <= SLACK, f"the speed's count ran {lead} bytes ahead of the link"
    # The bar moves along the way (not 0 then 100%), and ends whole.
    middle = [shown for shown, _, _ in seen if size * 0.1 < shown < size * 0.9]
    assert len(middle) >= 5
    assert seen[-1][0] == size


def test_parts_in_flight_show_only_what_the_link_took(tmp_path, bucket, s3_server):
    size = 10 * MiB
    seen = shown_against_delivered(
        tmp_path, bucket, s3_server, size, concurrency=2, part_size=5 * MiB,
        multipart_threshold=6 * MiB,
    )  # fmt: skip
    lead = max(shown - delivered for shown, delivered, _ in seen)
    assert lead <= 2 * SLACK, f"progress ran {lead} bytes ahead of the link"
    assert seen[-1][0] == size


def test_parts_sent_through_the_upload_server_show_only_what_the_link_took(
    tmp_path, bucket, s3_server
):
    size = 10 * MiB
    seen = shown_against_delivered(tmp_path, bucket, s3_server, size, signed=True, concurrency=2)
    lead = max(shown - delivered for shown, delivered, _ in seen)
    assert lead <= 2 * SLACK, f"progress ran {lead} bytes ahead of the link"
    assert seen[-1][0] == size
