"""The photographer's changes from the Gallery tab, with real widgets against the
real S3 server: the title, the cover from a photo's context menu, hiding files
chosen with Ctrl-click (drawn dimmed), and removing files after a confirmation
that names them."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from lytsite_desktop.cli import main
from lytsite_desktop.core.app import App
from lytsite_desktop.core.gallery.projects import list_projects
from lytsite_desktop.gui.gallery.view import GalleryView
from tests.conftest import dest_url
from tests.support.images import exif_with, jpeg_bytes, scene


@pytest.fixture
def view(qtbot, tmp_path, bucket, s3_server):
    folder = tmp_path / "Ana & João"
    folder.mkdir()
    for i in range(4):
        (folder / f"IMG_{i}.jpg").write_bytes(
            jpeg_bytes(scene((900, 600), seed=i), exif=exif_with(1, camera=True))
        )
    assert main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url)]) == 0
    app = App()
    view = GalleryView(app)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    view.show()
    qtbot.waitExposed(view)
    [ref] = list_projects(app.journal, app.gallery)
    view.open_project(ref)
    qtbot.waitUntil(lambda: not view.busy and len(view.flow.tiles) == 4, timeout=20_000)
    yield view
    view.shutdown()
    app.close()


def bucket_manifest(s3, bucket: str, project: str = "ana-joao") -> dict:
    body = s3.get_object(Bucket=bucket, Key=f"projects/{project}/manifest.json")["Body"]
    return json.loads(body.read())


def saved(qtbot, view: GalleryView) -> None:
    """The change is in the bucket and the tab shows it (and says what changed)."""
    qtbot.waitUntil(lambda: not view.curation.busy and view.status.text() != "Saving…",
                    timeout=20_000)  # fmt: skip


def right_click(qtbot, view: GalleryView, index: int) -> QMenu:
    tile = view.flow.tiles[index]
    centre = tile.rect().center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse,
        centre,
        tile.mapToGlobal(centre),
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(tile, event)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    return menu


def choose(menu: QMenu, label: str) -> None:
    [action] = [a for a in menu.actions() if a.text() == label]
    menu.close()
    action.trigger()


def test_the_title_as_typed_is_saved_to_the_bucket(qtbot, view, s3, bucket):
    assert view.title.text() == "Ana & João"  # the folder's name as written, not its slug
    assert view.curation.title_edit.text() == "Ana & João"
    assert not view.curation.save_button.isEnabled()
    view.curation.title_edit.clear()
    field = view.curation.title_edit
    qtbot.keyClicks(field, "Ana & Jo")
    typed = QInputMethodEvent()  # what a keyboard's input method sends for "ã" and "—"
    typed.setCommitString("ão — Wedding")
    QApplication.sendEvent(field, typed)
    assert view.curation.save_button.isEnabled()
    qtbot.mouseClick(view.curation.save_button, Qt.MouseButton.LeftButton)
    saved(qtbot, view)
    assert bucket_manifest(s3, bucket)["title"] == "Ana & João — Wedding"
    qtbot.waitUntil(lambda: view.title.text() == "Ana & João — Wedding")
    page = s3.get_object(Bucket=bucket, Key="projects/ana-joao/index.html")["Body"].read()
    assert "<h1>Ana &amp; João — Wedding</h1>" in page.decode()


def test_a_cover_from_the_context_menu(qtbot, view, s3, bucket):
    chosen = view.items[2].entry
    choose(right_click(qtbot, view, 2), "Use as cover")
    saved(qtbot, view)
    assert bucket_manifest(s3, bucket)["cover"] == chosen.fileId
    assert f"{chosen.fileName} is the cover." in view.status.text()


def test_move_a_photo_later_and_the_first_cannot_go_earlier(qtbot, view, s3, bucket):
    """The menu offered "Move earlier" on the first photo, wrote the manifest and
    said it moved."""
    menu = right_click(qtbot, view, 0)
    enabled = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
    assert enabled["Move earlier"] is False and enabled["Move later"] is True
    first, second = (view.items[i].entry for i in (0, 1))
    choose(menu, "Move later")
    saved(qtbot, view)
    order = bucket_manifest(s3, bucket)["order"]
    assert order.index(second.fileId) < order.index(first.fileId)
    qtbot.waitUntil(lambda: view.flow.tiles[1].item.entry.fileId == first.fileId)
    menu = right_click(qtbot, view, 3)  # the last: no later
    enabled = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
    menu.close()
    assert enabled["Move later"] is False and enabled["Move earlier"] is True


def test_hide_files_chosen_with_ctrl_click(qtbot, view, s3, bucket):
    before = _contrast(qtbot, view, 1)
    for i in (1, 3):
        qtbot.mouseClick(view.flow.tiles[i], Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    assert [i.entry.path for i in view.selected_items()] == ["IMG_1.jpg", "IMG_3.jpg"]
    menu = right_click(qtbot, view, 3)
    assert "Remove 2 files…" in [a.text() for a in menu.actions()]
    choose(menu, "Hide from the client's page")
    saved(qtbot, view)
    files = {f["path"]: f for f in bucket_manifest(s3, bucket)["files"]}
    assert [p for p, f in files.items() if f.get("hidden")] == ["IMG_1.jpg", "IMG_3.jpg"]
    # Still shown to the photographer, dimmed.
    qtbot.waitUntil(lambda: view.flow.tiles and view.flow.tiles[1].item.entry.hidden is True)
    assert len(view.flow.tiles) == 4
    assert _contrast(qtbot, view, 1) < 0.6 * before
    choose(right_click(qtbot, view, 1), "Show on the client's page")
    saved(qtbot, view)
    files = {f["path"]: f for f in bucket_manifest(s3, bucket)["files"]}
    assert files["IMG_1.jpg"]["hidden"] is False and files["IMG_3.jpg"]["hidden"] is True


def test_shift_click_selects_a_run_of_tiles(qtbot, view):
    qtbot.mouseClick(view.flow.tiles[0], Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    qtbot.mouseClick(view.flow.tiles[2], Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert [i.entry.path for i in view.selected_items()] == ["IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"]
    assert not view.lightbox.isVisible()


def test_remove_asks_naming_the_files_then_deletes_them(qtbot, view, s3, bucket):
    gone = [view.items[i].entry for i in (0, 2)]
    for i in (0, 2):
        qtbot.mouseClick(view.flow.tiles[i], Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    choose(right_click(qtbot, view, 0), "Remove 2 files…")
    qtbot.waitUntil(lambda: view.curation.confirmation is not None, timeout=20_000)
    box = view.curation.confirmation
    assert "Delete 2 files" in box.text() and "cannot be undone" in box.text()
    assert "IMG_0.jpg  (" in box.informativeText() and "IMG_2.jpg  (" in box.informativeText()
    assert view.status.text().startswith("Found 2 files (")
    assert not view.curation.prune_button.isEnabled()
    # Cancel first: nothing is deleted.
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: "Nothing was deleted" in view.status.text())
    assert view.curation.prune_button.isEnabled()
    assert len(bucket_manifest(s3, bucket)["files"]) == 4
    choose(right_click(qtbot, view, 0), "Remove 2 files…")
    qtbot.waitUntil(lambda: view.curation.confirmation is not None, timeout=20_000)
    [delete] = [b for b in view.curation.confirmation.buttons() if b.text() == "Delete"]
    delete.click()
    qtbot.waitUntil(lambda: "Deleted 2 files" in view.status.text(), timeout=20_000)
    assert [f["path"] for f in bucket_manifest(s3, bucket)["files"]] == ["IMG_1.jpg", "IMG_3.jpg"]
    left = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    for entry in gone:
        assert entry.originalKey not in left and entry.preview.key not in left
    qtbot.waitUntil(
        lambda: [t.item.entry.path for t in view.flow.tiles] == ["IMG_1.jpg", "IMG_3.jpg"]
    )


def _contrast(qtbot, view: GalleryView, index: int) -> float:
    """How far a tile's pixels stand from the window's background, on average."""
    tile = view.flow.tiles[index]
    qtbot.waitUntil(lambda: view.cache.get(tile.path) is not None, timeout=10_000)
    image = tile.grab().toImage()
    ground = view.palette().window().color().lightness()
    w, h = image.width(), image.height()
    points = [
        (x, y) for x in range(w // 3, w, max(1, w // 12)) for y in range(h // 3, h, max(1, h // 12))
    ]
    return sum(abs(image.pixelColor(x, y).lightness() - ground) for x, y in points) / len(points)


def test_the_window_finishes_a_deletion_a_crash_left_half_done(qtbot, tmp_path, open_window):
    folder = tmp_path / "gone"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg_bytes(scene((600, 400), seed=1)))
    library = tmp_path / "library"
    assert main(["upload", str(folder), "--dest", f"file://{library}"]) == 0
    app = App()
    try:  # what a crash right after the decision leaves: the record, every object still there
        dest = app.open(app.ref(f"file://{library}"))
        keys = [o.key for o in dest.list_objects("projects/gone/")]
        app.journal.add_deletion(dest.ident, "gone", None, keys)
        dest.close()
    finally:
        app.close()
    assert (library / "projects" / "gone" / "manifest.json").exists()
    open_window()
    app = App()
    try:  # every object gone, then the record of the deletion closed (in that order)
        qtbot.waitUntil(lambda: not (library / "projects" / "gone").exists()
                        and app.journal.deletions() == [], timeout=20_000)  # fmt: skip
    finally:
        app.close()


def test_offline_a_change_says_nothing_was_changed(qtbot, tmp_path, bucket, s3, s3_server):
    from tests.support.netproxy import TcpProxy

    folder = tmp_path / "shoot"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg_bytes(scene((600, 400), seed=1)))
    with TcpProxy(s3_server.port) as proxy:
        assert main(["upload", str(folder), "--dest", dest_url(bucket, proxy.url)]) == 0
        app = App()
        view = GalleryView(app)
        qtbot.addWidget(view)
        view.resize(1000, 700)
        view.show()
        try:
            [ref] = list_projects(app.journal, app.gallery)
            view.open_project(ref)
            qtbot.waitUntil(lambda: not view.busy and len(view.flow.tiles) == 1, timeout=20_000)
            proxy.set_network_down(True)
            choose(right_click(qtbot, view, 0), "Hide from the client's page")
            saved(qtbot, view)
            said = view.status.text()
            assert said.startswith("Nothing was changed: cannot reach") and said.endswith(".")
            assert "Traceback" not in said and str(tmp_path) not in said
        finally:
            view.shutdown()
            app.close()
    files = {f["path"]: f for f in bucket_manifest(s3, bucket, "shoot")["files"]}
    assert "hidden" not in files["a.jpg"]


def test_downloads_off_and_an_expiry_date_reach_the_bucket(qtbot, view, s3, bucket):
    curation = view.curation
    assert curation.downloads.isChecked() and not curation.expires.isChecked()
    curation.downloads.click()
    saved(qtbot, view)
    assert bucket_manifest(s3, bucket)["downloads"] is False
    page = s3.get_object(Bucket=bucket, Key="projects/ana-joao/index.html")["Body"].read()
    assert b"/files/" not in page and b"files/" not in page
    curation.expires.click()
    saved(qtbot, view)
    shown = curation.expiry_date.date()
    assert bucket_manifest(s3, bucket)["expires"] == shown.toString("yyyy-MM-dd")
    assert "Open until" in view.status.text()
    curation.downloads.click()
    saved(qtbot, view)
    assert "downloads" not in bucket_manifest(s3, bucket)


def test_a_clients_list_selects_those_photos_and_copies_a_lightroom_filter(qtbot, view):
    view.paste_selection()
    dialog = view.selection_dialog
    assert dialog is not None and not dialog.select_button.isEnabled()
    dialog.text.setPlainText(
        "My selection (3):\n\nIMG_1.jpg\nimg_3\nIMG_9.jpg\n\nhttps://x.example/p/"
    )
    assert "2 photos found" in dialog.summary.text()
    assert "Not in this gallery: IMG_9.jpg." in dialog.summary.text()
    dialog.select_button.click()
    assert [i.entry.fileName for i in view.selected_items()] == ["IMG_1.jpg", "IMG_3.jpg"]
    assert "2 of 4 files selected" in view.status.text()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == "IMG_1, IMG_3"
    dialog.close()


def test_old_versions_are_listed_then_deleted_from_the_gallery_tab(
    qtbot, view, s3, bucket, s3_server, tmp_path
):
    """A photo exported again replaces the one on the page; its earlier version
    stays in the bucket until "Delete old versions…" names it and deletes it."""
    folder = tmp_path / "Ana & João"
    old = next(i.entry for i in view.items if i.entry.path == "IMG_1.jpg")
    (folder / "IMG_1.jpg").write_bytes(
        jpeg_bytes(scene((900, 600), seed=41), exif=exif_with(1, camera=True))
    )
    assert main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url)]) == 0
    new = next(f for f in bucket_manifest(s3, bucket)["files"] if f["path"] == "IMG_1.jpg")
    assert new["fileId"] != old.fileId
    old_keys = {old.originalKey, old.preview.key, old.thumb.key}
    assert old_keys <= {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}

    view.curation.prune_button.click()
    # Looking, then asking: the button is grey (pressed again it would do nothing),
    # and the line under the title says what is going on.
    assert not view.curation.prune_button.isEnabled()
    assert view.status.text() == "Looking for old versions…"
    qtbot.waitUntil(lambda: view.curation.confirmation is not None, timeout=20_000)
    box = view.curation.confirmation
    assert "Delete 1 old version (" in box.text() and "cannot be undone" in box.text()
    assert box.informativeText().startswith("IMG_1.jpg (an earlier version)  (")
    assert view.status.text().startswith("Found 1 old version (")
    assert view.status.text().endswith(") to delete: waiting for your answer.")
    assert not view.curation.prune_button.isEnabled()
    [delete] = [b for b in box.buttons() if b.text() == "Delete"]
    delete.click()
    qtbot.waitUntil(lambda: "Deleted 1 old version" in view.status.text(), timeout=20_000)
    assert view.curation.prune_button.isEnabled()
    left = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert not old_keys & left
    assert {new["originalKey"], new["preview"]["key"], new["thumb"]["key"]} <= left
    manifest = bucket_manifest(s3, bucket)
    assert len(manifest["files"]) == 4 and not manifest.get("retired")

    view.curation.prune_button.click()
    qtbot.waitUntil(lambda: "No old versions" in view.status.text(), timeout=20_000)
    assert view.curation.confirmation is None
