"""The Gallery tab, with real widgets: the layout for 1, 4, 12 and 50 files, only
the visible thumbnails decoded, the lightbox's keys and its download, and the
gallery opened offline (from this computer's copies) and rebuilt from the real
S3 server after the cache is deleted."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from lytsite_desktop.cli import main
from lytsite_desktop.core.app import App
from lytsite_desktop.core.gallery.layout import Layout
from lytsite_desktop.core.gallery.projects import ProjectRef, list_projects
from lytsite_desktop.core.keys import manifest_key
from lytsite_desktop.core.sizes import format_size
from lytsite_desktop.gui.background import Batched
from lytsite_desktop.gui.gallery.view import EMPTY, FLOW, GRID, LIGHTBOX, GalleryView
from tests.conftest import dest_url
from tests.support.gallery import fake_project, put_in_bucket
from tests.support.images import exif_with, jpeg_bytes, scene
from tests.support.netproxy import TcpProxy


@pytest.fixture
def app():
    app = App()
    yield app
    app.close()


@pytest.fixture
def gallery(qtbot, app):
    """``gallery()``: the real view, shown at a laptop's size; shut down after."""
    made: list[GalleryView] = []

    def make() -> GalleryView:
        view = GalleryView(app)
        view.opened: list[Path] = []
        view.open_file = view.opened.append  # the desktop's default app, recorded
        qtbot.addWidget(view)
        view.resize(1100, 760)
        view.show()
        qtbot.waitExposed(view)
        made.append(view)
        return view

    yield make
    for view in made:
        view.shutdown()


def published(app: App, root: Path, count: int, folders: bool = False,
              portraits: tuple[int, ...] = (),
              paths: list[str] | None = None) -> ProjectRef:  # fmt: skip
    """A project of ``count`` files (or of these ``paths``) in a local library
    folder, as if published there (the ``portraits``-th of them upright)."""
    if paths is None:
        paths = [f"{'ceremony/' if folders and i % 2 else ''}IMG_{i}.jpg" for i in range(count)]
    count = len(paths)
    manifest = fake_project(root, paths, portraits=frozenset(paths[i] for i in portraits))
    key = root / manifest_key("shoot")
    key.write_bytes(manifest.to_json())
    dest = app.open(app.ref(f"file://{root}"))  # remembered, as uploads do
    dest.close()
    return ProjectRef(dest.ident, "shoot", count, manifest.updated_at)


def opened(qtbot, view: GalleryView, ref: ProjectRef) -> GalleryView:
    view.open_project(ref)
    qtbot.waitUntil(lambda: not view.busy, timeout=20_000)
    return view


def images_arrive(qtbot, view: GalleryView, paths: list[str]) -> None:
    for p in paths:
        view.cache.get(p)
    qtbot.waitUntil(lambda: all(view.cache.get(p) is not None for p in paths), timeout=10_000)


@pytest.mark.parametrize(
    ("count", "layout", "page"),
    [(1, Layout.SINGLE, FLOW), (4, Layout.GRID, FLOW), (12, Layout.MASONRY, FLOW),
     (50, Layout.THUMBS, GRID)],
)  # fmt: skip
def test_the_layout_follows_the_number_of_files(qtbot, tmp_path, app, gallery, count, layout, page):
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", count))
    assert view.layout_kind == layout and view.pages.currentIndex() == page
    if page == GRID:
        assert view.grid._tiles and len(view.grid._tiles) == 50
        return
    tiles = view.flow.tiles
    assert len(tiles) == count
    qtbot.waitUntil(lambda: all(t.width() > 0 for t in tiles))
    lefts = sorted({t.mapTo(view.flow.widget(), t.rect().topLeft()).x() for t in tiles})
    if layout == Layout.SINGLE:
        # one large image, as tall as the view allows, from the preview (never the original)
        assert tiles[0].height() > 400 and tiles[0].path.endswith(".webp")
        assert "/previews/" in tiles[0].path
    elif layout == Layout.GRID:
        assert len(lefts) == 2  # 4 files: 2 x 2
        assert abs(tiles[0].height() / tiles[0].width() - 2 / 3) < 0.02
    else:
        assert len(lefts) == 3  # a masonry of three columns, from the thumbnails
        assert all("/thumbs/" in t.path for t in tiles)
    images_arrive(qtbot, view, [t.path for t in tiles])


def test_a_few_files_stand_whole_in_even_rows(qtbot, tmp_path, app, gallery):
    """2-6 files were 3:2 tiles: a portrait lost its top and bottom."""
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", 5, portraits=(0, 3)))
    tiles = view.flow.tiles
    qtbot.waitUntil(lambda: all(t.width() > 0 for t in tiles))
    images_arrive(qtbot, view, [t.path for t in tiles])
    content = view.flow.widget()
    boxes = [t.geometry().translated(t.parentWidget().mapTo(content, t.pos()) - t.pos())
             for t in tiles]  # fmt: skip
    for tile, box in zip(tiles, boxes, strict=True):  # each at its own shape
        image = view.cache.get(tile.path)
        own = image.width() / image.height()
        assert abs(box.width() / box.height() - own) < 0.03 * own
    assert [round(t.item.entry.preview.width / t.item.entry.preview.height, 2)
            for t in tiles] == [0.67, 1.5, 1.5, 0.67, 1.5]  # fmt: skip
    for row in (boxes[:3], boxes[3:]):  # three, then two: as high as each other, edge to edge
        assert len({b.top() for b in row}) == 1 and max(b.height() for b in row) - min(
            b.height() for b in row) <= 1  # fmt: skip
        room = content.contentsRect().marginsRemoved(content.layout().contentsMargins())
        assert abs(row[0].left() - room.left()) <= 1 and abs(row[-1].right() - room.right()) <= 1
    assert boxes[3].top() > boxes[0].bottom()


def test_a_masonrys_section_of_one_or_two_fills_the_width(qtbot, tmp_path, app, gallery):
    """A folder of one photo in a 7-20 gallery stood alone in the first of three
    columns, two thirds of the width empty beside it (two photos: one third)."""
    paths = [f"IMG_{i}.jpg" for i in range(8)] + ["ceremony/C_1.jpg", "ceremony/C_2.jpg",
                                                  "party/P_1.jpg"]  # fmt: skip
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", 0, paths=paths))
    assert view.layout_kind == Layout.MASONRY
    tiles = view.flow.tiles
    qtbot.waitUntil(lambda: all(t.width() > 0 for t in tiles))
    content = view.flow.widget()
    room = content.contentsRect().marginsRemoved(content.layout().contentsMargins())
    boxes = {t.item.entry.fileName: t.geometry().translated(
        t.parentWidget().mapTo(content, t.pos()) - t.pos()) for t in tiles}  # fmt: skip
    top = [boxes[f"IMG_{i}.jpg"] for i in range(8)]
    assert len({b.left() for b in top}) == 3  # the first section: a masonry
    pair = boxes["C_1.jpg"], boxes["C_2.jpg"]  # side by side, edge to edge
    assert pair[0].top() == pair[1].top() and pair[0].height() == pair[1].height()
    assert abs(pair[0].left() - room.left()) <= 1 and abs(pair[1].right() - room.right()) <= 1
    lone = boxes["P_1.jpg"]  # as large as a row allows, in the middle
    assert lone.width() > 0.6 * room.width()
    assert abs((lone.left() - room.left()) - (room.right() - lone.right())) <= 2
    assert abs(lone.width() / lone.height() - 1.5) < 0.03
    shown = {t.item.entry.fileName: t.path for t in tiles}
    assert "/previews/" in shown["P_1.jpg"] and "/thumbs/" in shown["IMG_0.jpg"]


def test_sections_come_from_folders(qtbot, tmp_path, app, gallery):
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", 6, folders=True))
    assert [title for title, _ in view.shown.sections] == ["", "ceremony"]
    assert [i.entry.path for i in view.items][:3] == ["IMG_0.jpg", "IMG_2.jpg", "IMG_4.jpg"]


def test_only_the_visible_thumbnails_are_decoded(qtbot, tmp_path, app, gallery):
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", 300))
    grid = view.grid
    qtbot.waitUntil(lambda: bool(view.cache.requested) and not view.cache.busy, timeout=10_000)
    visible = {str(view.items[i].thumb) for i in grid.visible_range()}
    assert 10 <= len(visible) <= 60
    assert set(view.cache.requested) == visible
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: str(view.items[-1].thumb) in view.cache.requested)
    later = {str(view.items[i].thumb) for i in grid.visible_range()}
    assert set(view.cache.requested) == visible | later  # nothing scrolled past was decoded


def test_lightbox_keys_caption_and_fit(qtbot, tmp_path, app, gallery):
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", 12))
    view.flow.tiles[2].setFocus()
    qtbot.keyClick(view.flow.tiles[2], Qt.Key.Key_Return)
    box = view.lightbox
    assert view.pages.currentIndex() == LIGHTBOX and box.index == 2
    steps = [(Qt.Key.Key_Right, 3), (Qt.Key.Key_Right, 4), (Qt.Key.Key_End, 11),
             (Qt.Key.Key_Right, 11), (Qt.Key.Key_Left, 10), (Qt.Key.Key_Home, 0),
             (Qt.Key.Key_Left, 0)]  # fmt: skip
    for key, expected in steps:
        qtbot.keyClick(box, key)
        assert box.index == expected
    assert box.counter.text() == "1 / 12"
    assert box.name.text() == "IMG_0.jpg" and "TestCam 1" in box.camera.text()
    size = format_size(view.items[0].entry.size)
    assert box.download_button.text() == f"Download original ({size})"
    qtbot.waitUntil(lambda: box.image() is not None)
    assert box.image().width() == 360  # the preview, not the thumbnail
    qtbot.keyClick(box, Qt.Key.Key_1)
    assert not box.fit and box.canvas.size() == box.image().size()
    qtbot.keyClick(box, Qt.Key.Key_F)
    assert box.fit
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert view.pages.currentIndex() == FLOW
    assert view.flow.tiles[0].hasFocus()  # back on the file the lightbox showed


def test_a_preview_not_here_yet_shows_its_thumbnail_enlarged_meanwhile(
    qtbot, tmp_path, app, gallery
):
    """The lightbox of a photo whose preview is not on this computer (still on its
    way, or offline) shows the thumbnail it has, enlarged, and says so, instead of
    an empty frame."""
    root = tmp_path / "lib"
    ref = published(app, root, 3)
    view = opened(qtbot, gallery(), ref)
    entry = view.items[1].entry
    assert entry.preview is not None
    # The preview is gone from where this computer keeps it, and from the library.
    Path(view.items[1].full).unlink()
    (root / entry.preview.key).unlink()
    view = opened(qtbot, gallery(), ref)
    view.open_lightbox(1)
    box = view.lightbox
    qtbot.waitUntil(lambda: box.stand_in() is not None, timeout=10_000)
    assert box.image() is None
    shot = box.canvas.grab().toImage()
    background = shot.pixelColor(2, 2)
    above_the_middle = shot.pixelColor(shot.width() // 2, shot.height() // 2 - 40)
    assert above_the_middle != background  # a picture, not a blank frame with words
    assert "1 preview is no longer in the bucket." in view.status.text()  # "1 previews are"


def test_previews_this_computer_cannot_keep_are_told_plainly(qtbot, tmp_path, app, gallery):
    """Where the gallery keeps its copies cannot be written (here a file in the way;
    a full disk says "the disk is full"): the tab says so in plain words, not
    "could not be opened", and shows what it can."""
    ref = published(app, tmp_path / "lib", 3)
    blocked = app.gallery.folder(ref.dest, ref.project)
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("in the way")
    view = opened(qtbot, gallery(), ref)
    assert len(view.items) == 3
    assert (
        "The previews could not be kept on this computer: a file is in the way of one "
        "of its folders." in view.status.text()
    ), view.status.text()


def test_download_original_from_the_bucket_verified(qtbot, tmp_path, app, gallery):
    root = tmp_path / "lib"
    view = opened(qtbot, gallery(), published(app, root, 3))
    view.open_lightbox(1)
    entry = view.items[1].entry
    qtbot.mouseClick(view.lightbox.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.opened), timeout=10_000)
    [saved] = view.opened
    assert saved == app.paths.downloads_dir / "shoot" / "IMG_1.jpg"
    assert saved.read_bytes() == (root / entry.originalKey).read_bytes()
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == entry.sha256
    assert "Saved to" in view.lightbox.download_note.text()


def shoot(folder: Path) -> None:
    folder.mkdir(parents=True)
    for i in range(4):
        (folder / f"IMG_{i}.jpg").write_bytes(
            jpeg_bytes(scene((900, 600), seed=i), exif=exif_with(1, camera=True))
        )


def test_offline_from_the_cache_then_rebuilt_from_the_bucket(
    qtbot, tmp_path, app, gallery, bucket, s3_server
):
    folder = tmp_path / "Wedding"
    shoot(folder)
    with TcpProxy(s3_server.port) as proxy:
        assert main(["upload", str(folder), "--dest", dest_url(bucket, proxy.url)]) == 0
        [ref] = list_projects(app.journal, app.gallery)

        # The network is down: everything shows from this computer.
        proxy.set_network_down(True)
        view = opened(qtbot, gallery(), ref)
        assert view.layout_kind == Layout.GRID and len(view.flow.tiles) == 4
        assert "Offline" in view.status.text()
        assert all(i.here for i in view.items)
        images_arrive(qtbot, view, [t.path for t in view.flow.tiles])
        # The lightbox's original: the photo on disk, unchanged since its upload.
        view.open_lightbox(0)
        qtbot.mouseClick(view.lightbox.download_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(view.opened))
        assert view.opened == [folder / "IMG_0.jpg"]

        # A new computer: no copies at all, and no network either.
        shutil.rmtree(app.paths.cache_dir)
        view = opened(qtbot, gallery(), ref)
        assert view.pages.currentIndex() == EMPTY
        assert "not on this computer yet" in view.empty.text()

        # The network is back: it rebuilds from the bucket, with progress.
        proxy.set_network_down(False)
        view = opened(qtbot, gallery(), ref)
        assert len(view.items) == 4
        assert "Fetched 8 previews and thumbnails" in view.status.text()
        assert all(i.thumb.is_file() and i.full.is_file() for i in view.items)
        assert not view.progress.isVisible()
        images_arrive(qtbot, view, [t.path for t in view.flow.tiles])


def test_refresh_lists_the_buckets_projects_on_a_new_computer(qtbot, app, gallery):
    root = app.paths.default_library  # the default destination, with nothing known here
    manifest = fake_project(root, [f"IMG_{i}.jpg" for i in range(3)])
    manifest.title = "Shoot by the Lake"
    (root / manifest_key("shoot")).write_bytes(manifest.to_json())
    older = fake_project(root, ["IMG_9.jpg"], project="an-older-one")  # published before
    older.title, older.updated_at = "An Older One", "2026-01-05T10:00:00+00:00"
    (root / manifest_key("an-older-one")).write_bytes(older.to_json())
    assert list_projects(app.journal, app.gallery) == []  # this computer knows nothing yet
    view = gallery()
    view.refresh_projects(remote=True)
    qtbot.waitUntil(lambda: view.projects.count() == 2, timeout=10_000)
    # Titled before it is opened (the head of its manifest; its name, "shoot", before),
    # newest first (by name before: "an-older-one" first).
    assert view.projects.item(0).text().startswith("Shoot by the Lake\nin the bucket · 20")
    assert view.projects.item(1).text().startswith("An Older One\nin the bucket · 2026-01-05")
    view.projects.setCurrentRow(0)
    qtbot.waitUntil(lambda: not view.busy and view.shown is not None, timeout=10_000)
    # Read whole once opened: how many files, where it said "in the bucket".
    assert view.projects.item(0).text().startswith("Shoot by the Lake\n3 files · 20")
    assert view.layout_kind == Layout.GRID
    assert all(i.thumb.is_file() for i in view.items)  # fetched, and kept for next time
    assert "Fetched 6 previews and thumbnails" in view.status.text()


def test_a_video_shows_its_poster_and_plays_in_the_system_player(qtbot, tmp_path, app, gallery):
    from tests.support import oddfiles

    folder = tmp_path / "Clips"
    folder.mkdir()
    oddfiles.video(folder / "toast.mp4", seconds=1.0)
    (folder / "cake.jpg").write_bytes(jpeg_bytes(scene((1200, 800), seed=2)))
    assert main(["upload", str(folder)]) == 0  # the local library
    (ref,) = list_projects(app.journal, app.gallery)
    view = opened(qtbot, gallery(), ref)
    item = next(i for i in view.items if i.entry.fileName == "toast.mp4")
    assert item.video is not None and item.video.suffix == ".mp4" and item.video.is_file()
    assert item.full == item.thumb  # the poster is what the lightbox shows
    images_arrive(qtbot, view, [str(i.full) for i in view.items])
    # Its tile has a play mark on the poster (white in the middle); the photo's none.
    middles = {}
    for tile in view.flow.tiles:
        image = tile.grab().toImage()
        middle = image.pixelColor(image.width() // 2, image.height() // 2)
        middles[tile.item.entry.fileName] = middle.getRgb()[:3]
    assert middles["toast.mp4"] == (255, 255, 255)
    assert middles["cake.jpg"] != (255, 255, 255)
    index = view.items.index(item)
    view.open_lightbox(index)
    assert view.lightbox.play_button.isVisibleTo(view.lightbox)
    view.lightbox.play_button.click()
    assert view.opened == [item.video]
    view.lightbox.go(1 - index)  # the photo: nothing to play
    assert not view.lightbox.play_button.isVisibleTo(view.lightbox)


def test_the_link_row_shows_the_page_and_copies_it(qtbot, tmp_path, app, gallery):
    view = opened(qtbot, gallery(), published(app, tmp_path / "lib", 3))
    row = view.link_row
    assert row.isVisible() and row.link.text().endswith("/projects/shoot/index.html")
    qtbot.mouseClick(row.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == row.link.text()
    assert view.status.text() == "The gallery's link is copied."


def test_a_file_with_no_picture_is_named_on_its_tile_and_says_why(qtbot, tmp_path, app, gallery):
    """Walked under Xvfb: a damaged photo's tile said "JPG" and "Hidden", nothing
    else, and the photographer had to guess which file it was."""
    folder = tmp_path / "Shoot"
    folder.mkdir()
    for name in ("IMG_0098.jpg", "IMG_7781.jpg"):  # no pictures at all, named as ones
        (folder / name).write_bytes(bytes(range(256)) * (40 if name[-5] == "8" else 41))
    (folder / "cake.jpg").write_bytes(jpeg_bytes(scene((1200, 800), seed=2)))
    assert main(["upload", str(folder)]) == 0  # the local library
    (ref,) = list_projects(app.journal, app.gallery)
    view = opened(qtbot, gallery(), ref)
    tiles = {t.item.entry.fileName: t for t in view.flow.tiles}
    damaged = [tiles["IMG_0098.jpg"], tiles["IMG_7781.jpg"]]
    for tile in damaged:
        tile.resize(240, 160)
    one, other = (tile.grab().toImage() for tile in damaged)
    assert one.size() == other.size()
    assert one != other, "the two tiles differ only by the name they show"
    for tile in damaged:  # and the tooltip says why there is no picture
        assert tile.item.entry.note and tile.item.entry.note in tile.toolTip()


def test_the_photo_opened_while_the_gallery_fills_comes_before_the_rest(
    qtbot, tmp_path, app, gallery, bucket, s3, s3_server
):
    """A project published from another computer, opened here for the first time:
    the photo the photographer opens at once is fetched before the thumbnails still
    on their way, not after every one of them."""
    published_to = tmp_path / "published"
    manifest = fake_project(published_to, [f"IMG_{i:02d}.jpg" for i in range(48)])
    put_in_bucket(s3, bucket, published_to)
    s3.put_object(Bucket=bucket, Key=manifest_key("shoot"), Body=manifest.to_json())
    with TcpProxy(s3_server.port, latency=0.1) as proxy:
        dest = app.open(app.ref(dest_url(bucket, proxy.url)))
        dest.close()
        view = gallery()
        view.open_project(ProjectRef(dest.ident, "shoot", 48, ""))
        qtbot.waitUntil(lambda: view.shown is not None, timeout=10_000)
        assert view.layout_kind == Layout.THUMBS and not view.items[47].here
        view.open_lightbox(47)
        qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
        images_arrive(qtbot, view, [str(view.items[47].full)])  # shown in the lightbox
        gets = [r.target.split("?")[0] for r in proxy.requests if r.method == "GET"]
    wanted = next(i for i, t in enumerate(gets) if t.endswith(view.items[47].entry.preview.key))
    last_thumb = max(i for i, t in enumerate(gets) if "/thumbs/" in t)
    assert wanted < last_thumb


def test_images_arriving_reach_the_grid_at_once_then_together(qtbot):
    """What the bucket sends while a project opens: the first image passed on at
    once, those right behind it together a moment later (not held until the next
    one comes: the last thumbnails of a first screen would wait for it)."""
    got: list[list[int]] = []
    batched = Batched(got.append, 0.05)
    batched.add(1)
    assert got == [[1]]
    batched.add(2)
    batched.add(3)
    assert got == [[1]]
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)  # no more came: passed on anyway
    assert got[1] == [2, 3]
    batched.add(4)  # a quiet moment since: at once again
    assert got[2] == [4]
    batched.add(5)
    batched.flush()  # before the end's own words
    assert got[3] == [5]
