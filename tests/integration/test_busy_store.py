"""A store busy for a moment (503 Slow Down on a few connections) costs the
manifest and the client's page a request asked again, not the whole write: the
real S3 server behind the test proxy, which refuses the first connections."""

from __future__ import annotations

import json

from lytsite_desktop.core.curation.edits import set_title
from lytsite_desktop.core.gallery.page import ASSETS, PAGE
from lytsite_desktop.core.gallery.web import WebPages
from lytsite_desktop.core.publish.manifest import commit
from tests.support.engines import s3_destination
from tests.support.netproxy import Faults, TcpProxy


def test_a_manifest_read_and_written_through_a_moment_of_slow_downs(bucket, s3, s3_server):
    with TcpProxy(s3_server.port, faults=Faults(reject_first=2)) as proxy:
        dest = s3_destination(bucket, proxy.url)
        try:  # its read refused twice: asked again (it raised the first refusal)
            commit(dest, "gala", [set_title("Gala Dinner")])
        finally:
            dest.close()
        assert proxy.rejected == 2
    doc = json.loads(s3.get_object(Bucket=bucket, Key="projects/gala/manifest.json")["Body"].read())
    assert doc["title"] == "Gala Dinner"


def test_the_page_and_its_assets_through_a_moment_of_slow_downs(bucket, s3, s3_server):
    with TcpProxy(s3_server.port) as plain:
        dest = s3_destination(bucket, plain.url)
        try:
            manifest = commit(dest, "gala", [set_title("Gala Dinner")]).manifest
        finally:
            dest.close()
    with TcpProxy(s3_server.port, faults=Faults(reject_first=3)) as proxy:
        dest = s3_destination(bucket, proxy.url)
        try:  # seven requests side by side, three refused: each asked again on its own
            WebPages(dest).page(manifest, new=True)
        finally:
            dest.close()
        assert proxy.rejected == 3
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="projects/gala/")["Contents"]
    names = {o["Key"].removeprefix("projects/gala/") for o in listed}
    assert names >= {PAGE, *(name for name, _ in ASSETS)}
