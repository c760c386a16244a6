"""The client's page from the window, against the real S3 server: a finished
publish hands over its link; "Private link" publishes at an unguessable address;
at the next start an expired gallery is pointed out, and its photos taken off
the page on the photographer's word."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from lytsite_desktop.cli import main
from lytsite_desktop.gui.upload.published import NO_LINK
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


def publish_folder(window, qtbot, folder, n: int) -> None:
    drop(window.upload.drop_area, [folder])
    qtbot.waitUntil(lambda: len(window.upload.model.ready()) == n, timeout=10_000)
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)


def test_a_finished_publish_hands_over_the_clients_page(
    tmp_path, open_window, qtbot, s3, s3_server, bucket
):
    """The link to send was only in the Gallery tab: the window said "3 files
    published to Anna" for ten seconds, and nothing more."""
    public = f"{s3_server.url}/{bucket}/"  # a bucket anyone may read, as a public one is
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]}))  # fmt: skip
    assert main(["dest", "add", "studio", dest_url(bucket, s3_server.url), "--env-credentials",
                 "--default", "--public-url", public]) == 0  # fmt: skip
    photos(tmp_path / "Anna", 3)
    window = open_window()
    said = window.upload.published
    assert not said.isVisible()
    publish_folder(window, qtbot, tmp_path / "Anna", 3)
    qtbot.waitUntil(said.isVisible, timeout=60_000)
    assert said.text.text() == "3 files published to Anna"
    link = said.link.link.text()
    assert link == f"{public}projects/anna/index.html" and said.link.isVisible()
    with urllib.request.urlopen(link, timeout=10) as answer:  # the page a browser gets there
        assert "<title>Anna</title>" in answer.read().decode()
    qtbot.mouseClick(said.link.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == link
    qtbot.mouseClick(said.gallery_button, Qt.MouseButton.LeftButton)  # Show in Gallery
    gallery = window.gallery
    assert window.tabs.currentWidget() is gallery
    qtbot.waitUntil(lambda: gallery.shown is not None and len(gallery.items) == 3, timeout=10_000)
    assert gallery.link.text() == link
    qtbot.waitUntil(lambda: gallery.side.list.currentItem() is not None, timeout=10_000)
    assert gallery.side.list.currentItem().text().startswith("Anna\n")
    window.tabs.setCurrentWidget(window.upload)
    photos(tmp_path / "Ben", 1)  # the next publish: what the last one said is history
    publish_folder(window, qtbot, tmp_path / "Ben", 1)
    assert not said.isVisible()
    qtbot.waitUntil(said.isVisible, timeout=60_000)
    assert said.text.text() == "1 file published to Ben"
    qtbot.mouseClick(said.dismiss_button, Qt.MouseButton.LeftButton)
    assert not said.isVisible()


def test_a_bucket_without_a_public_address_says_how_to_get_a_link(
    tmp_path, open_window, qtbot, s3_server, bucket
):
    photos(tmp_path / "Anna", 2)
    window = open_window(dest_url(bucket, s3_server.url))
    publish_folder(window, qtbot, tmp_path / "Anna", 2)
    said = window.upload.published
    qtbot.waitUntil(said.isVisible, timeout=60_000)
    assert said.text.text() == f"2 files published to Anna. {NO_LINK}"
    assert not said.link.isVisible() and said.gallery_button.isVisible()


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
    # The tick was for Anna's files, as the project's name was: the next folder's
    # project gets the ordinary address unless it is ticked again.
    assert not window.upload.private.isChecked()
    photos(tmp_path / "Ben", 1)
    drop(window.upload.drop_area, [tmp_path / "Ben"])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 3, timeout=10_000)
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [r.state for r in rows] == ["published"] * 3, timeout=60_000)
    assert sorted(projects(s3, bucket)) == sorted([project, "ben"])


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
