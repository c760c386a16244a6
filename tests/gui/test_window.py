"""The real window on Qt's offscreen platform, publishing to the S3 server process."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from lytsite_desktop.core.events import FileDone, FileFailed, FileQueued, FileStateChanged, Progress
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.states import FileState
from lytsite_desktop.gui.upload.drop_area import DropArea
from lytsite_desktop.gui.upload.page import HINT_SEVERAL
from lytsite_desktop.gui.upload.queue_model import QueueModel
from tests.conftest import dest_url, object_sha256, sha256_file, write_random
from tests.gui.conftest import drop
from tests.support.images import exif_with, jpeg_bytes, marked_image, scene


def states(window) -> list[str]:
    return [r.state for r in window.upload.model.rows]


def test_drop_of_a_folder_and_a_file_adds_rows(tmp_path, window_for, qtbot):
    folder = tmp_path / "Wedding"
    (folder / "ceremony").mkdir(parents=True)
    for i in range(3):
        write_random(folder / "ceremony" / f"{i}.jpg", 1000, seed=i)
    (folder / ".DS_Store").write_bytes(b"x")
    single = write_random(tmp_path / "elsewhere" / "cover.jpg", 500, seed=9)
    window = window_for()
    assert window.upload.drop_area.currentIndex() == 0  # the empty state
    drop(window.upload.drop_area, [folder, single])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 4, timeout=10_000)
    assert sorted(r.rel_path for r in window.upload.model.rows) == [
        "ceremony/0.jpg", "ceremony/1.jpg", "ceremony/2.jpg", "cover.jpg",
    ]  # fmt: skip
    assert window.upload.drop_area.currentIndex() == 1 and window.upload.publish_button.isEnabled()
    # The file from elsewhere would be a project of its own ("elsewhere"): the hint
    # says each keeps its folder's name, not "Wedding" for all.
    assert window.upload.project.placeholderText() == HINT_SEVERAL
    assert set(states(window)) == {"ready"}


def dropped(open_window, qtbot, folder: Path, count: int):  # type: ignore[no-untyped-def]
    """A window with ``folder`` dropped on it (its ``count`` rows listed), and
    ``picture(name)``: the picture a row shows (None: none yet)."""
    window = open_window()
    drop(window.upload.drop_area, [folder])
    model = window.upload.model
    qtbot.waitUntil(lambda: model.rowCount() == count, timeout=10_000)

    def picture(name: str):  # type: ignore[no-untyped-def]
        row = next(i for i, r in enumerate(model.rows) if r.rel_path == name)
        return model.index(row, QueueModel.THUMB).data(Qt.ItemDataRole.DecorationRole)

    return window, picture


def test_dropped_photos_show_their_pictures_before_publish(tmp_path, open_window, qtbot):
    """A dropped folder's rows had no pictures until Publish made the previews."""
    from PIL.Image import Transpose

    folder = tmp_path / "Shoot"
    folder.mkdir()
    trailer = b"\0\0\0\x18ftypmp42" + bytes(5000)  # a phone's motion video after the picture
    (folder / "a.jpg").write_bytes(jpeg_bytes(scene((1500, 1000), seed=1)) + trailer)
    upright = scene((1000, 1500), seed=2).transpose(Transpose.ROTATE_90)  # stored sideways
    (folder / "b.jpg").write_bytes(jpeg_bytes(upright, exif=exif_with(6)))
    (folder / "c.jpg").write_bytes(jpeg_bytes(scene((1500, 1000), seed=3))[:4000])  # cut short
    write_random(folder / "d.bin", 5000, seed=4)
    window, picture = dropped(open_window, qtbot, folder, 4)
    qtbot.waitUntil(lambda: picture("a.jpg") is not None and picture("b.jpg") is not None,
                    timeout=10_000)  # fmt: skip
    a, b = picture("a.jpg"), picture("b.jpg")
    assert (a.width(), a.height()) == (60, 40)
    assert (b.width(), b.height()) == (26, 40)  # upright, as the camera held it
    qtbot.wait(300)
    assert picture("c.jpg") is None and picture("d.bin") is None  # no half-grey picture
    assert states(window) == ["ready"] * 4  # nothing published to get them


def test_a_png_or_webp_stored_sideways_shows_its_picture_upright_before_publish(
    tmp_path, open_window, qtbot
):
    """A PNG or WebP with an EXIF orientation (a phone's export, an editor's) stood
    sideways in its row until its preview came: Qt turns only a JPEG or TIFF by it."""
    from PIL import Image

    folder = tmp_path / "Exports"
    folder.mkdir()
    sideways = marked_image((320, 240)).transpose(Image.Transpose.ROTATE_90)  # as stored
    sideways.save(folder / "a.png", exif=exif_with(6))
    sideways.save(folder / "b.webp", quality=90, exif=exif_with(6))
    flipped = marked_image((320, 240)).transpose(Image.Transpose.ROTATE_180)
    flipped.save(folder / "c.webp", quality=90, exif=exif_with(3))
    sideways.save(folder / "d.tif", exif=exif_with(6))  # turned by Qt itself: once
    _window, picture = dropped(open_window, qtbot, folder, 4)
    names = ("a.png", "b.webp", "c.webp", "d.tif")
    qtbot.waitUntil(lambda: all(picture(n) is not None for n in names), timeout=10_000)
    assert [(picture(n).width(), picture(n).height()) for n in names] == [(53, 40)] * 4
    for name in names:  # upright: the red block top left, green at the bottom right
        assert picture(name).pixelColor(3, 3).red() > 180, name
        assert picture(name).pixelColor(50, 37).green() > 120, name


def test_pngs_webps_tiffs_heics_and_raws_show_their_pictures_before_publish_too(
    tmp_path, open_window, qtbot
):
    """Only JPEGs had pictures before Publish: a studio's PNG exports, a WebP, a
    scan's TIFF, a phone's HEIC and every camera raw stood blank beside them."""
    import pillow_heif
    from PIL import Image

    from tests.support.dng import make_dng

    folder = tmp_path / "Studio"
    folder.mkdir()
    scene((1500, 1000), seed=1).save(folder / "a.png")
    scene((1000, 1500), seed=2).save(folder / "b.webp", quality=80)
    scene((1500, 1000), seed=3).save(folder / "c.tif", compression="tiff_lzw")
    scene((1500, 1000), seed=4).save(folder / "d.png")
    (folder / "d.png").write_bytes((folder / "d.png").read_bytes()[:3000])  # cut short
    Image.new("RGB", (6000, 4500), "gray").save(folder / "e.png")  # 27 MP: its preview's
    pillow_heif.from_pillow(scene((1000, 1500), seed=5)).save(folder / "f.heic", quality=70)
    (folder / "g.heic").write_bytes((folder / "f.heic").read_bytes()[:2000])  # cut short
    sideways = marked_image((320, 240)).transpose(Image.Transpose.ROTATE_90)  # as stored
    (folder / "h.dng").write_bytes(make_dng(jpeg_bytes(sideways), sideways.size, orientation=6))
    (folder / "i.dng").write_bytes(b"II*\0" + bytes(5000))  # no raw libraw can read
    window, picture = dropped(open_window, qtbot, folder, 9)
    shown = ("a.png", "b.webp", "c.tif", "f.heic", "h.dng")
    qtbot.waitUntil(lambda: all(picture(n) is not None for n in shown), timeout=10_000)
    assert [(picture(n).width(), picture(n).height()) for n in shown] == [
        (60, 40), (26, 40), (60, 40), (27, 40), (53, 40)]  # fmt: skip
    assert picture("h.dng").pixelColor(3, 3).red() > 180  # upright: the red block top left
    # The HEIC's colours as made (red and blue where they were, not swapped):
    made = scene((1000, 1500), seed=5).resize((27, 40))
    spot = max(((x, y) for x in range(27) for y in range(40)),
               key=lambda p: abs(made.getpixel(p)[0] - made.getpixel(p)[2]))  # fmt: skip
    want, got = made.getpixel(spot), picture("f.heic").pixelColor(*spot)
    assert abs(want[0] - want[2]) > 40
    assert all(abs(a - b) < 30 for a, b in zip((got.red(), got.green(), got.blue()), want,
                                               strict=True))  # fmt: skip
    qtbot.wait(300)
    assert picture("d.png") is None and picture("e.png") is None and picture("g.heic") is None
    assert picture("i.dng") is None
    assert states(window) == ["ready"] * 9


def test_publish_runs_every_row_to_published_byte_exact(tmp_path, window_for, qtbot, s3, bucket):
    folder = tmp_path / "Shoot"
    big = write_random(folder / "raw" / "big.tif", 9 * MiB, seed=1)
    photo = folder / "photo.jpg"
    photo.write_bytes(jpeg_bytes(marked_image((1600, 1200))))
    smalls = [write_random(folder / f"{i}.bin", 20_000 + i, seed=i) for i in range(5)]
    window = window_for(part_size=5 * MiB, multipart_threshold=6 * MiB)
    drop(window.upload.drop_area, [folder])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 7, timeout=10_000)
    window.upload.project.setText("Client Shoot")
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: states(window) == ["published"] * 7, timeout=60_000)

    def listed() -> dict:
        key = "projects/client-shoot/manifest.json"
        return {
            f["path"]: f
            for f in json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["files"]
        }

    # The batch's end writes the manifest at once (not after the writer's pause).
    qtbot.waitUntil(lambda: len(listed()) == 7, timeout=3_000)
    files = listed()
    for src in [big, photo, *smalls]:
        rel = src.relative_to(folder).as_posix()
        assert object_sha256(s3, bucket, files[rel]["originalKey"]) == sha256_file(src), rel
    assert files["photo.jpg"]["preview"] is not None
    row = next(r for r in window.upload.model.rows if r.rel_path == "0.bin")
    assert "no preview" in row.detail and window.upload.model.data(
        window.upload.model.index(window.upload.model.rows.index(row), QueueModel.STATE)
    ).startswith("published without preview")
    qtbot.waitUntil(lambda: window.status.text().startswith("7 of 7 files"), timeout=5_000)
    photo_row = next(i for i, r in enumerate(window.upload.model.rows) if r.rel_path == "photo.jpg")
    thumb = window.upload.model.index(photo_row, QueueModel.THUMB)
    qtbot.waitUntil(lambda: thumb.data(Qt.ItemDataRole.DecorationRole) is not None, timeout=5_000)
    assert thumb.data(Qt.ItemDataRole.DecorationRole).height() == 40
    no_image = next(r for r in window.upload.model.rows if r.rel_path == "0.bin")
    assert no_image.thumb is None
    qtbot.waitUntil(lambda: bool(window.notifications), timeout=5_000)
    assert window.notifications[-1] == (  # raw/big.tif is random bytes: no TIFF reads it
        "Publishing finished",
        "7 files published to Client Shoot; 1 could not be read (published without a preview)",
    )
    assert not window.keep_awake.held


def test_pause_resume_cancel_retry_from_the_window(tmp_path, window_for, qtbot, s3, bucket):
    folder = tmp_path / "Slow"
    slow = write_random(folder / "a.tif", 24 * MiB, seed=3)
    other = write_random(folder / "b.tif", 36 * MiB, seed=4)  # still going when cancelled
    window = window_for(part_size=5 * MiB, multipart_threshold=6 * MiB, bwlimit=4 * MiB)
    drop(window.upload.drop_area, [folder])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 2, timeout=10_000)
    window.upload.publish()
    rows = window.upload.model.rows
    qtbot.waitUntil(lambda: all(r.task is not None for r in rows), timeout=10_000)
    qtbot.waitUntil(lambda: window.upload.model.rows[0].bytes_done > 0, timeout=20_000)

    window.upload.table.selectRow(0)
    assert window.upload.selected_tasks() == [window.upload.model.rows[0].task]
    window.upload.pause_action.trigger()
    qtbot.waitUntil(lambda: window.upload.model.rows[0].state == "paused", timeout=5_000)
    frozen = window.upload.model.rows[0].bytes_done
    qtbot.wait(800)
    assert window.upload.model.rows[0].bytes_done <= frozen + 512 * 1024

    window.upload.toggle_action.trigger()  # Space: resume what is paused
    qtbot.waitUntil(lambda: window.upload.model.rows[0].state == "uploading", timeout=5_000)

    window.upload.table.selectRow(1)
    window.upload.cancel_action.trigger()  # Delete
    qtbot.waitUntil(lambda: window.upload.model.rows[1].state == "cancelled", timeout=10_000)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == [] or all(
        u["Key"].endswith("a.tif") for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    )

    window.upload.retry_action.trigger()  # the cancelled file goes again
    qtbot.waitUntil(lambda: states(window) == ["published", "published"], timeout=60_000)
    for src in (slow, other):
        key = next(r for r in window.upload.model.rows if r.source == str(src))
        assert key.bytes_done == src.stat().st_size
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _on(task: int) -> dict:
    """The fields of an event about task ``task`` (the file ``{task - 1}.jpg``)."""
    return {"task": task, "dest": "file:///lib", "project": "p", "rel_path": f"{task - 1}.jpg"}


def _numbered(model: QueueModel, files: list[Path]) -> None:
    """``files`` dropped, sent and numbered by the engine 1, 2, ... in order."""
    from lytsite_desktop.core.ingest.scan import ScanItem

    model.add_scanned([ScanItem(str(f), f.name, "p") for f in files])
    model.send(model.ready())
    model.apply(
        [FileQueued(**_on(i + 1), path=str(f), size=f.stat().st_size) for i, f in enumerate(files)]
    )


def test_queue_model_passes_qt_model_tester(qtmodeltester, qapp, tmp_path):
    model = QueueModel()
    _numbered(model, [write_random(tmp_path / f"{i}.jpg", 100 * (i + 1), seed=i) for i in range(4)])
    model.apply(
        [
            Progress(**_on(1), bytes_done=50, size=100, sent=50),
            FileStateChanged(**_on(2), state=FileState.UPLOADING),
            FileDone(**_on(3), key="k", size=300, already_published=False, bytes_sent=300),
        ]
    )
    model.tick()
    qtmodeltester.check(model)
    assert model.clear_finished() == [3]
    assert [r.task for r in model.rows] == [1, 2, 4]
    qtmodeltester.check(model)


def _queue_mid_upload(tmp_path) -> QueueModel:
    """A queue with a row in each kind of state: uploading, failed, published."""
    model = QueueModel()
    files = [write_random(tmp_path / f"{i}.jpg", 1000 * (i + 1), seed=i) for i in range(4)]
    _numbered(model, files)
    model.apply(
        [
            FileStateChanged(**_on(1), state=FileState.UPLOADING),
            Progress(**_on(1), bytes_done=500, size=1000, sent=500),
            FileFailed(**_on(2), reason="the bucket is gone"),
            FileDone(**_on(3), key="k", size=3000, already_published=False, bytes_sent=3000),
        ]
    )
    model.tick()
    return model


def test_the_table_shows_what_the_queue_says_through_the_filter(tmp_path, qtbot):
    """The view asks a cell's roles in one call (multiData, through the problems
    filter): every cell's text, colour, alignment and icon are what data() says."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

    from lytsite_desktop.gui.upload.problems import ProblemsOnly

    model = _queue_mid_upload(tmp_path)
    proxy = ProblemsOnly()
    proxy.setSourceModel(model)
    delegate = QStyledItemDelegate()
    display, fg = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole
    align, deco = Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.DecorationRole
    seen = set()
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, proxy.index(row, col))
            source = model.index(row, col)
            assert option.text == (source.data(display) or ""), (row, col)
            colour = source.data(fg)
            if colour is not None:
                assert option.palette.text().color() == QColor(colour), (row, col)
            if source.data(align) is not None:
                assert int(option.displayAlignment.value) == source.data(align), (row, col)
            assert option.icon.isNull() == (source.data(deco) is None), (row, col)
            seen.add(option.text)
    assert {"uploading", "50%", "failed: the bucket is gone", "published"} <= seen, seen


def test_painting_the_queue_asks_each_cell_once(tmp_path, open_window, qtbot, monkeypatch):
    """A repaint asked Python seven times a cell (once a role), each call a wait for
    the interpreter's lock while uploads run: the window's longest stalls."""
    window = open_window()
    model = window.upload.model
    fresh = _queue_mid_upload(tmp_path)
    model.add_scanned([r.item() for r in fresh.rows])
    for mine, theirs in zip(model.rows, fresh.rows, strict=True):
        mine.__dict__.update(theirs.__dict__)
    calls = 0
    real = QueueModel.data

    def counted(self, *args):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(self, *args)

    monkeypatch.setattr(QueueModel, "data", counted)
    window.upload.drop_area.setCurrentIndex(DropArea.QUEUE)
    qtbot.waitUntil(window.upload.table.isVisible)
    window.upload.table.viewport().grab()  # paints every cell
    # A progress bar's one question; every other cell asked in one call.
    assert 0 < calls <= model.rowCount(), calls


def test_a_tick_tells_the_view_only_the_cells_that_changed(tmp_path, qtbot):
    """Two files far apart in the queue move: the view is told of their changing
    cells only, not of every row between them (which it repainted, thumbnails and
    names too, on every refresh)."""
    model = QueueModel()
    _numbered(model, [write_random(tmp_path / f"{i}.jpg", 1000, seed=i) for i in range(60)])
    model.tick()
    told: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: told.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.apply([Progress(**_on(3), bytes_done=10, size=1000, sent=10),
                 Progress(**_on(51), bytes_done=20, size=1000, sent=20)])  # fmt: skip
    model.tick()
    assert told == [
        (2, QueueModel.SIZE, 2, QueueModel.ETA),
        (50, QueueModel.SIZE, 50, QueueModel.ETA),
    ]
    assert model.index(50, QueueModel.PROGRESS).data() == "2%"


def test_rows_join_the_filter_without_a_call_into_python_each(tmp_path, qtbot):
    """While every row is shown, 500 rows added through the problems filter run no
    Python of the filter's (a filter written in Python was called for each row, each
    call a wait for the interpreter's lock); with the filter on, only the problems
    show, and a file that fails later joins them."""
    import sys

    from lytsite_desktop.core.ingest.scan import ScanItem
    from lytsite_desktop.gui.upload import problems

    model = QueueModel()
    proxy = problems.ProblemsOnly()
    proxy.setSourceModel(model)
    ran: list[str] = []

    def watch(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "call" and frame.f_code.co_filename == problems.__file__:
            ran.append(frame.f_code.co_name)

    sys.setprofile(watch)
    try:
        model.add_scanned([ScanItem(f"/x/{i}.jpg", f"{i}.jpg", "p", size=10) for i in range(500)])
    finally:
        sys.setprofile(None)
    assert proxy.rowCount() == 500
    assert ran == [], f"{len(ran)} calls: {set(ran)}"
    proxy.set_only_problems(True)
    assert proxy.rowCount() == 0
    model.send(model.ready()[:8])
    model.apply([FileQueued(task=1, dest="file:///lib", project="p", rel_path="7.jpg",
                            path="/x/7.jpg", size=10)])  # fmt: skip
    model.apply([FileFailed(task=1, dest="file:///lib", project="p", rel_path="7.jpg",
                            reason="gone")])  # fmt: skip
    model.tick()
    assert proxy.rowCount() == 1 and proxy.index(0, QueueModel.NAME).data() == "7.jpg"


def test_the_table_shows_the_queue_itself_unless_it_filters(tmp_path, open_window, qtbot):
    """Showing every row, the table asks the queue itself (a filter between them
    cost two more calls into Python a cell); with "Problems only" it shows the
    filter, and a row chosen either way is the queue's right row."""
    window = open_window()
    page, model = window.upload, window.upload.model
    files = [write_random(tmp_path / f"{i}.jpg", 1000 * (i + 1), seed=i) for i in range(4)]
    _numbered(model, files)
    model.apply([FileFailed(**_on(3), reason="the bucket is gone")])
    model.tick()
    page.drop_area.setCurrentIndex(DropArea.QUEUE)
    assert page.table.model() is model
    page.problems_action.trigger()
    assert page.table.model() is page.proxy and page.proxy.rowCount() == 1
    page.table.selectRow(0)
    assert [r.rel_path for r in page.selected_rows()] == ["2.jpg"]
    assert page.retry_action.isEnabled()  # the chosen row failed: the selection is watched
    page.problems_action.trigger()
    assert page.table.model() is model
    page.table.selectRow(1)
    assert [r.rel_path for r in page.selected_rows()] == ["1.jpg"]
    assert not page.retry_action.isEnabled()


def test_files_done_out_of_sight_do_not_repaint_the_table(tmp_path, open_window, qtbot):
    """48 files published far below the rows on screen: Qt repaints every row it
    shows when told of more than about 200 cells at once, so the queue tells it
    in smaller runs and nothing on screen is drawn again."""
    from PySide6.QtCore import QEvent, QObject

    window = open_window()
    model = window.upload.model
    _numbered(model, [write_random(tmp_path / f"{i}.jpg", 1000, seed=i) for i in range(200)])
    model.tick()
    window.upload.drop_area.setCurrentIndex(DropArea.QUEUE)
    viewport = window.upload.table.viewport()
    qtbot.waitUntil(viewport.isVisible)
    qtbot.wait(100)
    assert window.upload.table.rowAt(viewport.height() - 1) < 100  # the rows below are not shown

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    paints = Paints()
    viewport.installEventFilter(paints)
    done = [FileDone(**_on(t), key="k", size=1000, already_published=False, bytes_sent=1000)
            for t in range(101, 149)]  # fmt: skip
    model.apply(done)
    model.tick()
    qtbot.wait(100)
    assert paints.count == 0, "the table was repainted for rows it does not show"
    model.apply([Progress(**_on(1), bytes_done=500, size=1000, sent=500)])
    model.tick()
    qtbot.waitUntil(lambda: paints.count > 0)  # a row on screen is drawn again


def test_a_killed_upload_is_offered_on_the_next_launch_and_completes(
    tmp_path, window_for, qtbot, s3, bucket, s3_server
):
    import os
    import signal
    import subprocess
    import sys

    from tests.support.netproxy import TcpProxy

    repo = Path(__file__).resolve().parents[2]
    src = write_random(tmp_path / "Gala" / "speech.tif", 30 * MiB, seed=31)
    with TcpProxy(s3_server.port, up_rate=6 * MiB) as proxy:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lytsite_desktop", "upload", str(src.parent), "--json",
             "--dest", dest_url(bucket, proxy.url), "--part-size", "5M"],
            stdout=subprocess.PIPE, text=True, cwd=repo,
            env=dict(os.environ, PYTHONPATH=str(repo)),
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            if '"progress"' in line and json.loads(line)["bytes_done"] > 8 * MiB:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL

        proxy.set_up_rate(None)  # the link is fast now. The next launch: the same journal,
        window = window_for(bwlimit=4 * MiB)  # and its own bandwidth limit is the bottleneck
        qtbot.waitUntil(lambda: window.upload.banner.isVisible(), timeout=10_000)
        # The folder's name as written, kept in the journal (it said "gala": the
        # project had no manifest yet, so no title, here or in the bucket after).
        assert "1 upload of <i>Gala</i> did not finish" in window.upload.banner.text.text()
        assert window.upload.drop_area.currentIndex() == DropArea.EMPTY
        qtbot.mouseClick(window.upload.banner.resume_button, Qt.MouseButton.LeftButton)
        # The resumed file is a row, shown at once (not the empty drop area) ...
        qtbot.waitUntil(lambda: len(window.upload.model.rows) == 1, timeout=10_000)
        assert window.upload.drop_area.currentIndex() == DropArea.QUEUE
        # ... and its speed is what the 4 MiB/s limit lets out, never the parts that
        # were already in the bucket counted as if sent now.
        speeds, lines = [], []

        def sample() -> bool:
            speeds.append(window.upload.model.rows[0].speed)
            speeds.append(window.upload.model.totals().speed)
            lines.append(window.status.text())
            return states(window) == ["published"]

        qtbot.waitUntil(sample, timeout=60_000)
        assert 0 < max(speeds) <= 4 * MiB * 1.2, max(speeds) / MiB
        assert any("MiB/s" in line for line in lines) and not any("MB/s" in x for x in lines)

        def page_published() -> bool:  # the web gallery goes up at the batch's end
            return s3.list_objects_v2(Bucket=bucket, Prefix="projects/gala/index.html")["KeyCount"]

        qtbot.waitUntil(page_published, timeout=10_000)
    assert not window.upload.banner.isVisible()
    (row,) = window.upload.model.rows
    assert row.rel_path == "speech.tif"
    manifest = json.loads(
        s3.get_object(Bucket=bucket, Key="projects/gala/manifest.json")["Body"].read()
    )
    (entry,) = manifest["files"]
    assert object_sha256(s3, bucket, entry["originalKey"]) == sha256_file(src)
    assert manifest["title"] == "Gala"


def test_a_second_launch_hands_its_paths_to_the_open_window(tmp_path, window_for, qtbot):
    import os
    import subprocess
    import sys

    from lytsite_desktop.gui.single import InstanceServer

    window = window_for()
    server = InstanceServer(window.receive_paths, parent=window)
    assert server.listening
    folder = tmp_path / "Later"
    write_random(folder / "x.jpg", 1000, seed=1)
    repo = Path(__file__).resolve().parents[2]
    second = subprocess.Popen(
        [sys.executable, "-m", "lytsite_desktop", str(folder)],
        cwd=repo, env=dict(os.environ, PYTHONPATH=str(repo)),
    )  # fmt: skip
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=20_000)
    assert second.returncode == 0, "handed over and left, no second window"
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 1, timeout=10_000)
    assert window.upload.model.rows[0].source == str(folder / "x.jpg")
    server.close()


def test_the_current_cell_draws_no_frame_of_its_own(tmp_path, open_window, qtbot):
    """Seen under Xvfb after Publish: the table took the focus and its current cell,
    a portrait's thumbnail, showed a blank rounded box beside the picture (the
    frame Qt draws round a current cell). Rows are chosen whole: no cell frames."""
    from PySide6.QtCore import QItemSelectionModel

    window = open_window()
    page, model = window.upload, window.upload.model
    _numbered(model, [write_random(tmp_path / f"{i}.jpg", 1000, seed=i) for i in range(2)])
    model.tick()
    page.drop_area.setCurrentIndex(DropArea.QUEUE)
    table = page.table
    window.activateWindow()
    cells = [table.visualRect(model.index(0, c)) for c in range(model.columnCount())]

    def drawn() -> list:
        table.viewport().repaint()
        return [table.viewport().grab(rect).toImage() for rect in cells]

    plain = drawn()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    nothing_chosen = QItemSelectionModel.SelectionFlag.NoUpdate
    for column in range(model.columnCount()):
        table.selectionModel().setCurrentIndex(model.index(0, column), nothing_chosen)
        assert drawn() == plain, f"column {column}"
