"""The client's page from the window, against the real S3 server: "Private link"
publishes at an unguessable address; at the next start an expired gallery is
pointed out, and its photos taken off the page on the photographer's word."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from PySide6.QtCore import Qt

from lytsite_desktop.cli import main
from tests.conftest import dest_url
from tests.gui.conftest import drop
from tests.support.images import exif_with, jpeg_bytes, scene


def photos(folder, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"IMG_{i}.jpg").write_bytes(
            jpeg_bytes(scene((600, 400), seed=i), exif=exif_with(1)))  # fmt: skip


def projects(s3, bucket) -> set[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="projects/").get("Contents", [])
    return {o["Key"].split("/")[1] for o in listed}


def test_private_link_from_the_window(tmp_path, open_window, qtbot, s3, s3_server, bucket):
    photos(tmp_path / "Anna", 2)
    window = open_window(dest_url(bucket, s3_server.url))
    drop(window.upload.drop_area, [tmp_path / "Anna"])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 2, timeout=10_000)
    window.upload.private.setChecked(True)
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)
    rows = window.upload.model.rows
    qtbot.waitUntil(lambda: [r.state for r in rows] == ["published"] * 2, timeout=60_000)
    [project] = projects(s3, bucket)
    assert re.fullmatch(r"anna-[a-z2-7]{12}", project)
    key = f"projects/{project}/manifest.json"
    doc = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert doc["private"] is True and doc["title"] == "Anna"


def test_an_expired_gallery_is_offered_at_the_next_start(
    tmp_path, open_window, qtbot, s3, s3_server, bucket
):
    photos(tmp_path / "day", 2)
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "day"), "--dest", dest]) == 0
    last = (date.today() - timedelta(days=2)).isoformat()
    assert main(["gallery", "day", "--expires", last]) == 0
    window = open_window(dest)
    offer = window.gallery.expired
    qtbot.waitUntil(lambda: offer.question is not None, timeout=10_000)
    box = offer.question
    assert "passed the last day you set" in box.text()
    assert "“day” (day): closed after" in box.informativeText()
    [take_off] = [b for b in box.buttons() if b.text() == "Take the photos off"]
    take_off.click()

    def hidden() -> list[bool]:
        key = "projects/day/manifest.json"
        doc = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return [f.get("hidden", False) for f in doc["files"]]

    qtbot.waitUntil(lambda: hidden() == [True, True], timeout=20_000)
    qtbot.waitUntil(lambda: "off the expired pages" in window.gallery.status.text(), timeout=5_000)
    second = open_window(dest)  # taken care of: not asked again
    qtbot.wait(1500)
    assert second.gallery.expired.question is None


def test_an_expired_gallery_deleted_after_a_second_question(
    tmp_path, open_window, qtbot, s3, s3_server, bucket
):
    photos(tmp_path / "day", 2)
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "day"), "--dest", dest]) == 0
    assert (
        main(["gallery", "day", "--expires", (date.today() - timedelta(days=1)).isoformat()]) == 0
    )
    window = open_window(dest)
    offer = window.gallery.expired
    qtbot.waitUntil(lambda: offer.question is not None, timeout=10_000)
    [delete] = [b for b in offer.question.buttons() if b.text() == "Delete…"]
    delete.click()
    qtbot.waitUntil(lambda: offer.question is not None and "cannot be undone" in
                    offer.question.text(), timeout=10_000)  # fmt: skip
    box = offer.question
    assert box.text().startswith("Delete 3 files (")  # two photos, and the page with its manifest
    [really] = [b for b in box.buttons() if b.text() == "Delete"]
    really.click()
    qtbot.waitUntil(lambda: projects(s3, bucket) == set(), timeout=20_000)
    qtbot.waitUntil(
        lambda: window.gallery.status.text().startswith("Deleted 3 files"), timeout=5_000
    )
