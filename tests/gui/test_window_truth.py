"""The window tells the true story: where files go, which batch finished, what a
damaged photo is, and what a control can do. The real window (offscreen), the real
S3 server process, the test proxy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyleOptionViewItem

from lytsite_desktop.core.app import App
from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.destinations.s3_errors import NO_KEYS
from lytsite_desktop.core.events import FileDone, FileQueued
from lytsite_desktop.core.previews import notes
from lytsite_desktop.core.sizes import MiB, format_size
from lytsite_desktop.core.speed import SpeedMeter
from lytsite_desktop.core.states import FileState
from lytsite_desktop.gui.upload.drop_area import DropArea
from lytsite_desktop.gui.upload.page import LOCAL_LIBRARY
from lytsite_desktop.gui.upload.queue_model import QueueModel
from lytsite_desktop.gui.upload.rows import Role, Row, state_text
from lytsite_desktop.gui.upload.status_line import Totals, status_line
from tests.conftest import dest_url, write_random
from tests.gui.conftest import drop
from tests.support.images import jpeg_bytes, marked_image
from tests.support.netproxy import TcpProxy


def states(window) -> list[FileState]:
    return [r.state for r in window.upload.model.rows]


def all_final(window) -> bool:
    return bool(window.upload.model.rows) and all(r.finished for r in window.upload.model.rows)


@pytest.fixture
def studio(s3_server, bucket):
    """A saved bucket destination, made the default (its keys from the environment)."""

    def save(url: str | None = None) -> None:
        app = App()
        app.save_destination("studio", url or dest_url(bucket, s3_server.url), default=True)
        app.close()

    return save


def publish(window, qtbot, folder, count: int, project: str = "") -> None:
    before = len(window.upload.model.rows)
    drop(window.upload.drop_area, [folder])
    qtbot.waitUntil(lambda: len(window.upload.model.rows) == before + count, timeout=10_000)
    window.upload.project.setText(project)
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)


def test_the_local_library_stays_local_with_a_bucket_as_default(
    tmp_path, open_window, qtbot, studio, s3, bucket
):
    studio()
    write_random(tmp_path / "Private" / "contract.pdf", 5000, seed=1)
    window = open_window()
    assert window.upload.chosen_destination() == DestRef("studio")  # the default
    window.upload.destination.setCurrentIndex(window.upload.destination.findText(LOCAL_LIBRARY))
    assert window.upload.chosen_destination() == DestRef.local_library(window.app.paths)
    publish(window, qtbot, tmp_path / "Private", 1)
    qtbot.waitUntil(lambda: states(window) == [FileState.PUBLISHED], timeout=30_000)
    library = AppPaths.discover().default_library / "projects" / "private"
    assert list((library / "files").rglob("contract.pdf"))
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, "nothing went to the bucket"


def test_two_destinations_publish_side_by_side_and_every_row_ends(
    tmp_path, open_window, qtbot, studio, s3_server, s3, bucket
):
    big = write_random(tmp_path / "Wedding" / "ceremony.dat", 14 * MiB, seed=2)
    write_random(tmp_path / "Portraits" / "anna.dat", 7 * MiB, seed=3)
    with TcpProxy(s3_server.port, up_rate=4 * MiB) as proxy:
        studio(dest_url(bucket, proxy.url))
        window = open_window(part_size=5 * MiB, multipart_threshold=6 * MiB)
        publish(window, qtbot, tmp_path / "Wedding", 1)
        qtbot.waitUntil(lambda: window.upload.model.rows[0].bytes_done > 0, timeout=20_000)
        # While the bucket upload runs: the second folder to this computer's library.
        window.upload.destination.setCurrentIndex(window.upload.destination.findText(LOCAL_LIBRARY))
        publish(window, qtbot, tmp_path / "Portraits", 1)
        qtbot.waitUntil(lambda: states(window)[1] == FileState.PUBLISHED, timeout=30_000)
        assert states(window)[0] in (FileState.UPLOADING, FileState.LISTING), "A still runs"
        qtbot.waitUntil(lambda: all_final(window), timeout=60_000)
    assert states(window) == [FileState.PUBLISHED, FileState.PUBLISHED]
    assert not window.upload.uploading
    qtbot.waitUntil(lambda: not window.keep_awake.held, timeout=2_000)
    (obj,) = s3.list_objects_v2(Bucket=bucket, Prefix="projects/wedding/files/")["Contents"]
    assert obj["Size"] == big.stat().st_size
    library = AppPaths.discover().default_library / "projects" / "portraits" / "files"
    assert list(library.rglob("anna.dat"))
    assert not list(library.parent.parent.rglob("ceremony.dat"))
    finished = [t for title, t in window.notifications if title == "Publishing finished"]
    assert sorted(finished) == ["1 file published to Portraits", "1 file published to Wedding"]
    services = window.session.service
    # The limit, and one unit for the second destination beyond it when it must.
    assert len(services.engines()) == 2 and services.slots.peak <= services.slots.size + 1


def test_a_cut_network_shows_no_speed_and_says_what_the_queue_waits_for(
    tmp_path, open_window, qtbot, studio, s3_server, s3, bucket
):
    """Seen under Xvfb: the network cut, every row "waiting for network" beside
    "494.9 KiB/s, 13s left", the status line "1.4 MiB/s, 51s left"."""
    src = write_random(tmp_path / "Gala" / "speech.tif", 24 * MiB, seed=5)
    model = window = None
    with TcpProxy(s3_server.port, up_rate=2 * MiB) as proxy:
        studio(dest_url(bucket, proxy.url))
        window = open_window(part_size=5 * MiB, multipart_threshold=6 * MiB)
        model = window.upload.model
        publish(window, qtbot, src.parent, 1)
        qtbot.waitUntil(lambda: model.rows[0].speed > 0, timeout=20_000)
        assert "/s" in window.status.text()
        proxy.set_network_down(True)
        qtbot.waitUntil(lambda: states(window) == [FileState.WAITING_FOR_NETWORK], timeout=30_000)
        speed, left = (model.index(0, c) for c in (QueueModel.SPEED, QueueModel.ETA))
        qtbot.waitUntil(lambda: model.data(speed) == "" and model.data(left) == "", timeout=2_000)
        qtbot.waitUntil(lambda: "waiting for the network" in window.status.text(), timeout=2_000)
        assert "/s" not in window.status.text() and " left" not in window.status.text()
        proxy.set_network_down(False)
        qtbot.waitUntil(lambda: states(window) == [FileState.PUBLISHED], timeout=60_000)
    assert "waiting" not in window.status.text()
    (obj,) = s3.list_objects_v2(Bucket=bucket, Prefix="projects/gala/files/")["Contents"]
    assert obj["Size"] == src.stat().st_size


def test_the_finish_message_names_the_project_and_counts_its_own_batch(
    tmp_path, open_window, qtbot, studio
):
    studio()
    for i in range(2):
        write_random(tmp_path / "Shoot" / f"{i}.bin", 2000, seed=i)
    write_random(tmp_path / "Party" / "toast.bin", 3000, seed=9)
    window = open_window()
    publish(window, qtbot, tmp_path / "Shoot", 2, project="Ana & João")
    qtbot.waitUntil(lambda: len(window.notifications) == 1, timeout=30_000)
    assert window.notifications[-1] == ("Publishing finished", "2 files published to Ana & João")
    publish(window, qtbot, tmp_path / "Party", 1)  # no name typed: the folder's, as written
    qtbot.waitUntil(lambda: len(window.notifications) == 2, timeout=30_000)
    assert window.notifications[-1] == ("Publishing finished", "1 file published to Party")

    # Resume with a finished file selected: the control is off, and pressing it says why.
    window.upload.table.selectRow(0)
    qtbot.waitUntil(lambda: not window.upload.resume_action.isEnabled(), timeout=2_000)
    window.upload.resume_selected()
    assert window.statusBar().currentMessage() == (
        "Nothing to resume: the selected files are published."
    )


def test_after_cancel_resume_is_off_until_files_are_chosen_and_says_what_retry_does(
    tmp_path, open_window, qtbot, studio, s3_server, bucket
):
    """Seen under Xvfb: everything cancelled, Resume lit, and pressing it said "the
    selected files are not paused, failed or cancelled" of files that were
    cancelled (with nothing chosen, Resume continues only paused files)."""
    for i in range(3):
        write_random(tmp_path / "Gala" / f"{i}.tif", 3 * MiB, seed=i)
    with TcpProxy(s3_server.port, up_rate=MiB) as proxy:
        studio(dest_url(bucket, proxy.url))
        window = open_window()
        page = window.upload
        publish(window, qtbot, tmp_path / "Gala", 3)
        qtbot.waitUntil(lambda: any(r.bytes_done for r in page.model.rows), timeout=20_000)
        page.cancel_selected()  # nothing chosen: all of them
        qtbot.waitUntil(lambda: states(window) == [FileState.CANCELLED] * 3, timeout=20_000)
        qtbot.waitUntil(lambda: not page.resume_action.isEnabled(), timeout=2_000)
        assert page.retry_action.isEnabled()
        page.resume_selected()
        assert window.statusBar().currentMessage() == (
            "Nothing is paused. Retry sends the cancelled and failed files again."
        )
        assert window.notifications[-1] == (
            "Publishing cancelled",
            "3 files cancelled; nothing published to Gala",
        )  # not "Publishing finished: 0 files published to Gala; 3 cancelled"
        page.table.selectRow(0)  # chosen: Resume sends it again
        qtbot.waitUntil(lambda: page.resume_action.isEnabled(), timeout=2_000)
        page.resume_selected()
        qtbot.waitUntil(lambda: states(window)[0] is not FileState.CANCELLED, timeout=10_000)
        assert states(window)[1:] == [FileState.CANCELLED] * 2


def test_a_damaged_photo_is_told_apart_and_the_problems_filter_explains_itself(
    tmp_path, open_window, qtbot, studio
):
    studio()
    folder = tmp_path / "Beach"
    folder.mkdir()
    (folder / "fine.jpg").write_bytes(jpeg_bytes(marked_image((1200, 800))))
    (folder / "cut.jpg").write_bytes(jpeg_bytes(marked_image((2000, 1500)))[:6000])
    window = open_window()
    publish(window, qtbot, folder, 2)
    qtbot.waitUntil(lambda: all_final(window), timeout=30_000)
    model = window.upload.model
    rows = {r.rel_path: (i, r) for i, r in enumerate(model.rows)}
    i, cut = rows["cut.jpg"]
    assert cut.state is FileState.PUBLISHED and cut.damaged
    state = model.index(i, QueueModel.STATE)
    assert state.data() == (
        "published, but the photo could not be read, it is cut short (an incomplete copy?)"
    )
    assert state.data(Qt.ItemDataRole.DecorationRole) is not None  # the warning sign
    assert state.data(Role.PROBLEM) is True
    shown = " ".join(str(state.data(r)) for r in (Qt.ItemDataRole.DisplayRole,
                                                   Qt.ItemDataRole.ToolTipRole))  # fmt: skip
    assert "truncated" not in shown and "bytes not processed" not in shown  # no library text
    j, _ = rows["fine.jpg"]
    assert not model.index(j, QueueModel.STATE).data(Role.PROBLEM)
    qtbot.waitUntil(lambda: bool(window.notifications), timeout=5_000)
    assert window.notifications[-1][1] == (
        "2 files published to Beach; 1 could not be read (published without a preview)"
    )
    window.upload.problems_action.trigger()
    assert window.upload.proxy.rowCount() == 1
    assert window.upload.proxy.index(0, QueueModel.NAME).data() == "cut.jpg"
    assert not window.upload.filter_note.isVisible()

    window.upload.problems_action.trigger()  # the filter off again
    window.upload.clear_action.trigger()  # Clear finished: the list is empty again
    assert model.rows == [] and window.upload.proxy.rowCount() == 0
    assert all(not e.tasks() for e in window.session.service.engines()), "engines forgot them"

    (tmp_path / "Fine").mkdir()
    (tmp_path / "Fine" / "ok.jpg").write_bytes(jpeg_bytes(marked_image((800, 600))))
    publish(window, qtbot, tmp_path / "Fine", 1)
    qtbot.waitUntil(lambda: all_final(window), timeout=30_000)
    window.upload.problems_action.trigger()
    assert window.upload.proxy.rowCount() == 0
    assert window.upload.filter_note.isVisible()  # an empty filter says so, in words
    assert "Nothing needs a look" in window.upload.filter_note.text()


def test_a_misnamed_file_is_told_in_one_sentence():
    row = Row("/x/IMG_0099.jpg", "IMG_0099.jpg", "shoot", 10, state=FileState.PUBLISHED,
              detail=notes.misnamed("JPG"), damaged=True)  # fmt: skip
    assert state_text(row) == (
        "published, but not a picture the app can read, though it is named .jpg"
    )


def test_a_retry_says_why_and_a_wait_for_the_network_needs_no_words():
    """A full disk showed as "retrying" alone (the reason in a tooltip only)."""
    full = "the disk holding /Volumes/Photos is full; free some space to continue"
    retrying = Row("/x/a.jpg", "a.jpg", "shoot", 10, state=FileState.RETRYING, detail=full)
    assert state_text(retrying) == f"retrying: {full}"
    waiting = Row("/x/a.jpg", "a.jpg", "shoot", 10, state=FileState.WAITING_FOR_NETWORK,
                  detail="cannot reach https://x.r2.cloudflarestorage.com")  # fmt: skip
    assert state_text(waiting) == "waiting for network"


def test_the_status_line_tells_why_nothing_moves_not_a_speed():
    """Seen under Xvfb, the library's disk full: every file "retrying", and the
    status line "409.6 KiB/s, 49s left" (bytes written, then lost to the full disk)."""
    clock = iter(range(100))
    meter = SpeedMeter(clock=lambda: float(next(clock)))
    for i in range(4):
        meter.update(i * MiB)  # retried writes: bytes that went nowhere
    full = "the disk holding /Volumes/Photos is full; free some space to continue"
    rows = [Row(f"/x/{i}.jpg", f"{i}.jpg", "shoot", MiB, state=FileState.RETRYING, detail=full)
            for i in range(3)]  # fmt: skip
    rows.append(Row("/x/3.jpg", "3.jpg", "shoot", MiB, state=FileState.PUBLISHED))
    line = status_line(Totals.of(rows, meter, 4.0), 0)
    assert line.endswith(f"retrying: {full}") and "/s" not in line, line
    for row in rows[:3]:  # seen too: "paused" in every row, "1.7 MiB/s, 30s left" below
        row.state = FileState.PAUSED
    line = status_line(Totals.of(rows, meter, 4.0), 0)
    assert line.endswith("· paused") and "/s" not in line, line
    rows[0].state = FileState.UPLOADING  # one moves again: its speed is worth saying
    assert "/s" in status_line(Totals.of(rows, meter, 4.0), 0)
    for row in rows[:3]:  # all sent, being added to the gallery: nothing leaves
        row.state = FileState.LISTING
    line = status_line(Totals.of(rows, meter, 4.0), 0)
    assert "/s" not in line and " left" not in line, line
    # Seen under Xvfb, the network cut with 47 files to go: the 8 being sent "waiting
    # for network", the others "queued" behind them, and the line said nothing of it.
    for row in rows[:2]:
        row.state = FileState.WAITING_FOR_NETWORK
    rows[2].state = FileState.QUEUED
    line = status_line(Totals.of(rows, meter, 4.0), 0)
    assert line.endswith("· waiting for the network") and "/s" not in line, line


def test_a_long_state_shows_whole_lines_and_says_when_there_is_more(tmp_path, open_window, qtbot):
    """Qt cut a long note's third line in half at the window's first size."""
    folder = tmp_path / "Shoot"
    folder.mkdir()
    (folder / "IMG_0099.jpg").write_bytes(bytes(range(256)) * 40)  # no picture at all
    window = open_window()
    window.resize(760, 500)
    publish(window, qtbot, folder, 1)
    qtbot.waitUntil(lambda: all_final(window), timeout=30_000)
    table = window.upload.table
    index = table.model().index(0, QueueModel.STATE)  # what the table shows
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)
    option.rect = table.visualRect(index)
    table.itemDelegateForIndex(index).initStyleOption(option, index)
    metrics = QFontMetrics(option.font)
    text_rect = option.rect.adjusted(option.decorationSize.width() + 4, 0, 0, 0)  # its icon
    shown = metrics.boundingRect(text_rect, Qt.TextFlag.TextWordWrap, option.text)
    assert shown.height() <= option.rect.height(), "a line cut in half"
    assert option.text.endswith("…") and option.text.startswith("published, but"), option.text
    assert "  " not in option.text
    assert index.data(Qt.ItemDataRole.ToolTipRole).endswith(notes.misnamed("jpg"))


def test_the_queue_toolbar_belongs_to_the_upload_tab(open_window, qtbot):
    window = open_window()
    assert window.upload.toolbar.isVisible()
    window.tabs.setCurrentWidget(window.gallery)
    assert not window.upload.toolbar.isVisible()
    window.tabs.setCurrentWidget(window.upload)
    assert window.upload.toolbar.isVisible()


def test_the_manifest_of_the_damaged_file_says_why_in_plain_words(
    tmp_path, open_window, qtbot, studio, s3, bucket
):
    studio()
    folder = tmp_path / "Cut"
    folder.mkdir()
    (folder / "cut.jpg").write_bytes(jpeg_bytes(marked_image((2000, 1500)))[:6000])
    window = open_window()
    publish(window, qtbot, folder, 1)
    qtbot.waitUntil(lambda: all_final(window), timeout=30_000)
    body = s3.get_object(Bucket=bucket, Key="projects/cut/manifest.json")["Body"].read()
    (entry,) = json.loads(body)["files"]
    assert entry["preview"] is None
    assert (
        entry["note"]
        == "no preview: the photo could not be read, it is cut short (an incomplete copy?)"
    )


def test_the_gallery_tab_shows_a_publish_under_way_and_not_the_upload_tabs_totals(
    tmp_path, open_window, qtbot, studio, s3_server, bucket
):
    """The Gallery tab's status bar said the Upload tab's line: "1 file(s) ready to
    publish", and "1 of 1 files · 14.0 MiB of 14.0 MiB" long after the publish ended."""
    write_random(tmp_path / "Gala" / "speech.tif", 14 * MiB, seed=6)
    with TcpProxy(s3_server.port, up_rate=4 * MiB) as proxy:
        studio(dest_url(bucket, proxy.url))
        window = open_window(part_size=5 * MiB, multipart_threshold=6 * MiB)
        drop(window.upload.drop_area, [tmp_path / "Gala"])
        qtbot.waitUntil(lambda: len(window.upload.model.rows) == 1, timeout=10_000)
        qtbot.waitUntil(lambda: window.status.text() == "1 file ready to publish", timeout=2_000)
        window.tabs.setCurrentWidget(window.gallery)
        assert window.status.text() == ""
        window.tabs.setCurrentWidget(window.upload)
        qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.upload.model.rows[0].bytes_done > 0, timeout=20_000)
        window.tabs.setCurrentWidget(window.gallery)
        assert window.status.text().startswith("Publishing: 0 of 1 files · "), window.status.text()
        qtbot.waitUntil(lambda: all_final(window), timeout=60_000)
    qtbot.waitUntil(lambda: window.status.text() == "", timeout=2_000)
    window.tabs.setCurrentWidget(window.upload)
    assert window.status.text().startswith("1 of 1 files · 14.0 MiB of 14.0 MiB")


def test_a_bucket_that_cannot_be_used_is_said_once_not_for_every_file(
    tmp_path, open_window, qtbot, studio, no_keys_here
):
    """Saved to use the AWS_* variables, started without them: every file fails for
    that one reason. One notification says it (five before, one a file), and the
    batch's end says why nothing was published (it said "see the list")."""
    studio()
    for i in range(5):
        write_random(tmp_path / "Shoot" / f"{i}.dat", 20_000, seed=i)
    window = open_window()
    publish(window, qtbot, tmp_path / "Shoot", 5)
    qtbot.waitUntil(lambda: any(t.startswith("Publishing") for t, _ in window.notifications),
                    timeout=30_000)  # fmt: skip
    assert states(window) == [FileState.FAILED] * 5
    told = [text for title, text in window.notifications if title == "Upload failed"]
    assert len(told) == 1 and told[0].endswith(NO_KEYS)
    assert window.notifications[-1] == (
        "Publishing failed", f"Nothing published to Shoot. 5 files failed: {NO_KEYS}"
    )  # fmt: skip
    assert "Settings → Destinations → Edit…" in NO_KEYS


def test_a_project_name_typed_for_one_folder_is_not_given_to_the_next(tmp_path, open_window, qtbot):
    """Seen under Xvfb: "Mia & Jonas Zweitauswahl" typed and published, then a folder
    of portraits dropped: the field still said the wedding's name (over the
    portraits' own in grey), and Publish would have put them into the wedding."""
    write_random(tmp_path / "Hochzeit" / "a.jpg", 3000, seed=1)
    write_random(tmp_path / "Portraits" / "b.jpg", 3000, seed=2)
    window = open_window()
    publish(window, qtbot, tmp_path / "Hochzeit", 1, project="Mia & Jonas Zweitauswahl")
    qtbot.waitUntil(lambda: states(window) == [FileState.PUBLISHED], timeout=30_000)
    assert window.upload.project.text() == ""
    drop(window.upload.drop_area, [tmp_path / "Portraits"])
    qtbot.waitUntil(lambda: len(window.upload.model.rows) == 2, timeout=10_000)
    assert window.upload.project.placeholderText() == "Portraits"
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all_final(window), timeout=30_000)
    projects = AppPaths.discover().default_library / "projects"
    assert list((projects / "portraits" / "files").rglob("b.jpg"))
    assert not list((projects / "mia-jonas-zweitauswahl").rglob("b.jpg"))


def test_the_project_hint_says_each_folder_keeps_its_name_and_is_cleared(
    tmp_path, open_window, qtbot
):
    """The second walk: two folders dropped, the grey hint said the first one's name
    only ("Portraits Lea"), though each would be its own project; after Publish it
    still said it, with nothing left to publish."""
    from lytsite_desktop.gui.upload.page import HINT, HINT_SEVERAL

    for n, who in enumerate(("Portraits Lea", "Portraits Sam")):
        write_random(tmp_path / who / f"{n}.jpg", 3000, seed=n)
    window = open_window()
    drop(window.upload.drop_area, [tmp_path / "Portraits Lea"])
    qtbot.waitUntil(lambda: len(window.upload.model.rows) == 1, timeout=10_000)
    assert window.upload.project.placeholderText() == "Portraits Lea"
    drop(window.upload.drop_area, [tmp_path / "Portraits Sam"])
    qtbot.waitUntil(lambda: len(window.upload.model.rows) == 2, timeout=10_000)
    assert window.upload.project.placeholderText() == HINT_SEVERAL
    qtbot.mouseClick(window.upload.publish_button, Qt.MouseButton.LeftButton)
    assert window.upload.project.placeholderText() == HINT
    qtbot.waitUntil(lambda: all_final(window), timeout=30_000)
    projects = AppPaths.discover().default_library / "projects"
    assert list((projects / "portraits-lea").rglob("0.jpg"))
    assert list((projects / "portraits-sam").rglob("1.jpg"))


def test_after_a_resume_of_two_projects_each_name_says_whose_it_is(qtbot):
    """The walk: Resume brought back two projects' "first-dance.mp4", two rows
    alike. With files of several projects in the queue a name says its project
    (after the file's: a narrow column cuts the project off first); with one, the
    name alone, as before."""
    model = QueueModel()
    model.apply(
        [FileQueued(task=1, dest="file:///lib", project="smith-wedding",
                    rel_path="first-dance.mp4", path="/a/first-dance.mp4", size=10)]
    )  # fmt: skip
    name = model.index(0, QueueModel.NAME)
    assert model.data(name) == "first-dance.mp4"
    with qtbot.waitSignal(model.dataChanged) as told:
        model.apply(
            [FileQueued(task=2, dest="file:///lib", project="jones-wedding",
                        rel_path="first-dance.mp4", path="/b/first-dance.mp4", size=10)]
        )  # fmt: skip
    assert told.args[0].column() == QueueModel.NAME and told.args[1].row() == 1
    shown = [model.data(model.index(i, QueueModel.NAME)) for i in range(2)]
    assert shown == ["first-dance.mp4 · smith-wedding", "first-dance.mp4 · jones-wedding"]
    tip = model.data(model.index(1, QueueModel.NAME), Qt.ItemDataRole.ToolTipRole)
    assert tip == "first-dance.mp4 · jones-wedding"
    model.apply([FileDone(task=2, dest="file:///lib", project="jones-wedding",
                          rel_path="first-dance.mp4", key="k", size=10,
                          already_published=False, bytes_sent=10)])  # fmt: skip
    model.clear_finished()
    assert model.data(model.index(0, QueueModel.NAME)) == "first-dance.mp4"


def test_a_row_names_the_project_its_file_went_to_not_its_folders(tmp_path, qtbot):
    """A name typed for a folder's project is the project its rows say."""
    from lytsite_desktop.core.ingest.scan import ScanItem

    model = QueueModel()
    model.apply(
        [FileQueued(task=1, dest="file:///lib", project="smith-wedding",
                    rel_path="first-dance.mp4", path="/a/first-dance.mp4", size=10)]
    )  # fmt: skip
    model.add_scanned([ScanItem("/b/first-dance.mp4", "first-dance.mp4", "jones", size=10)])
    model.send(model.ready())
    with qtbot.waitSignal(model.dataChanged) as told:
        model.apply(
            [FileQueued(task=2, dest="file:///lib", project="jones-and-ortiz",
                        rel_path="first-dance.mp4", path="/b/first-dance.mp4", size=10)]
        )  # fmt: skip
    assert (told.args[0].row(), told.args[0].column()) == (1, QueueModel.NAME)
    assert model.data(model.index(1, QueueModel.NAME)) == "first-dance.mp4 · jones-and-ortiz"


def test_after_a_crash_the_banner_and_the_rows_say_which_projects(tmp_path, open_window, qtbot):
    """The walk: "45 uploads did not finish last time" said nothing of which, after
    Resume two projects' "first-dance.mp4" looked alike, and the batch's end named
    no project ("45 files published"). Each now names the projects as the Gallery
    tab does: the title where this computer keeps the manifest, else its name."""
    from lytsite_desktop.core.publishing import PublishingService
    from lytsite_desktop.core.store.records import QueueItem
    from lytsite_desktop.core.transfer.task import UploadRequest

    lib = (tmp_path / "lib").as_uri()
    first = write_random(tmp_path / "ana" / "a.jpg", 50_000, seed=1)
    videos = [write_random(tmp_path / who / "first-dance.mp4", 300_000, seed=n)
              for n, who in enumerate(("ana", "maria"), start=2)]  # fmt: skip
    app = App()
    try:  # Ana & João's first file published (its manifest and title kept here) ...
        service = PublishingService(app, previews=False)
        service.publish([UploadRequest(str(first), first.name, "wedding-ana-joao")], app.ref(lib),
                        titles={"wedding-ana-joao": "Wedding Ana & João"})  # fmt: skip
        assert service.wait(60)
        ident = service.engines()[0].dest.ident
        service.close()
        # ... then a crash with both videos queued, of two projects.
        app.journal.queue([
            QueueItem(ident, project, "first-dance.mp4", str(v), v.stat().st_size,
                      v.stat().st_mtime_ns)
            for project, v in zip(("wedding-ana-joao", "wedding-maria-tom"), videos, strict=True)
        ])  # fmt: skip
    finally:
        app.close()
    window = open_window(lib)
    qtbot.waitUntil(lambda: window.upload.banner.isVisible(), timeout=10_000)
    assert window.upload.banner.text.text().startswith(
        "<b>2 uploads of <i>Wedding Ana &amp; João</i> and <i>wedding-maria-tom</i> did not finish"
    )
    qtbot.mouseClick(window.upload.banner.resume_button, Qt.MouseButton.LeftButton)
    model = window.upload.model
    qtbot.waitUntil(lambda: len(model.rows) == 2 and all(r.finished for r in model.rows))
    names = sorted(model.data(model.index(i, QueueModel.NAME)) for i in range(2))
    assert names == ["first-dance.mp4 · Wedding Ana & João", "first-dance.mp4 · wedding-maria-tom"]
    # ... and so does the word that the batch is done (it said "2 files published").
    qtbot.waitUntil(lambda: bool(window.notifications))
    title, text = window.notifications[-1]
    assert title == "Publishing finished"
    assert text.startswith("2 files published to Wedding Ana & João and wedding-maria-tom;")


def left_by_a_crash(lib: Path, project: str, published: Path, cut_short: list[Path]) -> None:
    """An earlier run (this test's home): ``published`` published to the library
    folder ``lib`` as ``project``, then a crash left ``cut_short`` queued."""
    from lytsite_desktop.core.publishing import PublishingService
    from lytsite_desktop.core.store.records import QueueItem
    from lytsite_desktop.core.transfer.task import UploadRequest

    app = App()
    try:
        service = PublishingService(app, previews=False)
        service.publish([UploadRequest(str(published), published.name, project)],
                        app.ref(lib.as_uri()))  # fmt: skip
        assert service.wait(60)
        ident = service.engines()[0].dest.ident
        service.close()
        app.journal.queue([QueueItem(ident, project, f.name, str(f), f.stat().st_size,
                                     f.stat().st_mtime_ns) for f in cut_short])  # fmt: skip
    finally:
        app.close()


def test_a_look_at_the_journal_answered_after_resume_them_offers_nothing_again(
    tmp_path, open_window, qtbot
):
    """The walk: "Resume them", and 3 s later the banner said again that 12 uploads
    did not finish, with its button, while their rows uploaded. The window looks at
    the journal every 2 s; a look asked just before the click ran before the
    resume and its answer, the files not yet taken, came after it."""
    lib = tmp_path / "lib"
    first = write_random(tmp_path / "Gala" / "first.jpg", 50_000, seed=1)
    crashed = [write_random(tmp_path / "Gala" / f"{n}.jpg", MiB, seed=n) for n in (2, 3, 4)]
    left_by_a_crash(lib, "gala", first, crashed)
    window = open_window(lib.as_uri(), bwlimit=MiB)  # 3 s of uploading
    banner = window.upload.banner
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=10_000)
    assert "3 uploads of <i>gala</i> did not finish" in banner.text.text()
    # It said "they continue where they stopped": a file sent whole starts over.
    assert "its last finished part (a small file is sent again whole)" in banner.text.text()
    window.upload.session.find_interrupted()  # the 2 s look, asked just before the click
    qtbot.mouseClick(banner.resume_button, Qt.MouseButton.LeftButton)
    offered = []

    def done() -> bool:
        offered.append(banner.isVisible() and banner.resume_button.isVisible())
        rows = window.upload.model.rows
        return len(rows) == 3 and all(r.state == FileState.PUBLISHED for r in rows)

    qtbot.waitUntil(done, timeout=30_000)
    assert len(offered) > 10 and not any(offered)


def test_the_note_of_files_that_failed_last_time_counts_them():
    from lytsite_desktop.gui.upload.status_line import failed_note

    one = "1 file could not be published last time (in red, with the reason): "
    assert failed_note(1) == one + "Retry sends it again, Clear Finished lets it go."
    assert failed_note(3).startswith("3 files could not be published last time")
    assert failed_note(3).endswith("Retry sends them again, Clear Finished lets them go.")


def test_the_crash_banner_names_up_to_three_projects_and_counts_more():
    from lytsite_desktop.gui.upload.status_line import interrupted_note

    assert interrupted_note(1, ["Ana <3 João"]).startswith(
        "<b>1 upload of <i>Ana &lt;3 João</i> did not finish last time.</b>"
    )
    three = interrupted_note(7, ["A", "B", "C"])
    assert three.startswith("<b>7 uploads of <i>A</i>, <i>B</i> and <i>C</i> did not")
    assert interrupted_note(9, list("ABCD")).startswith("<b>9 uploads of 4 projects did not")


def test_files_that_failed_last_time_are_listed_again_until_let_go(tmp_path, open_window, qtbot):
    """Files that failed were forgotten once the window closed: its next start
    showed nothing of them (only `status` on the command line did). They come
    back as failed rows with their reasons; Retry sends them again; Clear
    Finished lets them go for good."""
    from lytsite_desktop.core.publishing import PublishingService
    from lytsite_desktop.core.transfer.task import UploadRequest

    lib = tmp_path / "lib"
    (lib / "projects").mkdir(parents=True)
    (lib / "projects" / "gala").write_text("a file where the project's folder goes")
    photos = [write_random(tmp_path / "Gala" / f"{n}.jpg", 50_000, seed=n) for n in (1, 2)]
    app = App()
    try:  # a run in which both failed (the command line's, or a window closed since)
        service = PublishingService(app, previews=False)
        service.publish([UploadRequest(str(p), p.name, "gala", "Gala Dinner") for p in photos],
                        app.ref(lib.as_uri()))  # fmt: skip
        assert service.wait(60)
        service.close()
    finally:
        app.close()
    (lib / "projects" / "gala").unlink()  # the photographer clears the way
    window = open_window(lib.as_uri())
    model = window.upload.model
    qtbot.waitUntil(lambda: len(model.rows) == 2, timeout=10_000)
    assert states(window) == [FileState.FAILED, FileState.FAILED]
    assert [r.rel_path for r in model.rows] == ["1.jpg", "2.jpg"]
    assert all("a file is in the way of one of its folders" in r.detail for r in model.rows)
    assert window.upload.drop_area.currentIndex() == DropArea.QUEUE
    assert (
        window.statusBar().currentMessage().startswith("2 files could not be published last time")
    )
    window.upload.table.selectRow(0)
    assert window.upload.retry_action.isEnabled()
    window.upload.retry_action.trigger()
    qtbot.waitUntil(lambda: states(window)[0] is FileState.PUBLISHED, timeout=30_000)
    assert states(window)[1] is FileState.FAILED  # only the one chosen
    (sent,) = (lib / "projects" / "gala" / "files").rglob("1.jpg")
    assert sent.read_bytes() == photos[0].read_bytes()
    # Its project's first manifest, written by this later run, has the title typed
    # then (kept in the journal; it was the address, "gala"), and the end says it.
    manifest = json.loads((lib / "projects" / "gala" / "manifest.json").read_bytes())
    assert manifest["title"] == "Gala Dinner"
    qtbot.waitUntil(lambda: bool(window.notifications), timeout=10_000)
    assert window.notifications[-1][1].startswith("1 file published to Gala Dinner")
    window.upload.clear_action.trigger()
    journal = window.upload.app.journal
    qtbot.waitUntil(lambda: not journal.failed(), timeout=10_000)  # not shown at the next start
    assert model.rows == []


def test_a_file_gone_before_it_was_read_is_listed_again_without_a_size(
    tmp_path, open_window, qtbot
):
    """A file that vanished before the run could read it came back next time as
    "0 B" (the journal never knew its size): its size is left blank."""
    from lytsite_desktop.core.publishing import PublishingService
    from lytsite_desktop.core.transfer.task import UploadRequest
    from lytsite_desktop.gui.upload.rows import SIZE

    lib = tmp_path / "lib"
    kept = write_random(tmp_path / "Gala" / "kept.jpg", 50_000, seed=1)
    app = App()
    try:
        service = PublishingService(app, previews=False)
        service.publish(
            [UploadRequest(str(tmp_path / "Gala" / "gone.jpg"), "gone.jpg", "gala", "Gala"),
             UploadRequest(str(kept), "kept.jpg", "gala", "Gala")],
            app.ref(lib.as_uri()),
        )  # fmt: skip
        assert service.wait(60)
        service.close()
    finally:
        app.close()
    window = open_window(lib.as_uri())
    model = window.upload.model
    qtbot.waitUntil(lambda: len(model.rows) == 1, timeout=10_000)
    assert model.rows[0].rel_path == "gone.jpg" and model.rows[0].state is FileState.FAILED
    assert model.data(model.index(0, SIZE)) == ""
    # It is back, and sent again: its size is known now, and shown.
    write_random(tmp_path / "Gala" / "gone.jpg", 60_000, seed=2)
    window.upload.table.selectRow(0)
    window.upload.retry_action.trigger()
    qtbot.waitUntil(lambda: model.rows[0].state is FileState.PUBLISHED, timeout=30_000)
    assert model.data(model.index(0, SIZE)) == format_size(60_000)


_HOLDING_RUN = """
import sys
from lytsite_desktop.core.app import App
from lytsite_desktop.core.publishing import PublishingService
from lytsite_desktop.core.transfer.task import UploadRequest

lib, *photos = sys.argv[1:]
app = App()
service = PublishingService(app, previews=False)
service.publish([UploadRequest(p, p.rsplit("/", 1)[1], "gala", "Gala") for p in photos],
                app.ref(lib))
assert service.wait(60)
print("failed and still running", flush=True)
sys.stdin.read()  # the run goes on (other files, in a real one) until told to end
service.close()
app.close()
"""


def test_files_failing_in_a_run_still_going_are_not_called_last_times(tmp_path, open_window, qtbot):
    """A command line run still going when the window started had its failures
    listed as "could not be published last time" (its failed rows were let go at
    once). They belong to that run until it ends: the window lists only the
    failures of runs that are over, and those of the run once it has ended."""
    import subprocess
    import sys
    from pathlib import Path

    from lytsite_desktop.core.publishing import PublishingService
    from lytsite_desktop.core.transfer.task import UploadRequest

    lib = tmp_path / "lib"
    (lib / "projects").mkdir(parents=True)
    for project in ("gala", "old"):
        (lib / "projects" / project).write_text("a file where the project's folder goes")
    old = write_random(tmp_path / "Old" / "old.jpg", 50_000, seed=3)
    app = App()
    try:  # a run that is over: its failure is last time's
        service = PublishingService(app, previews=False)
        service.publish([UploadRequest(str(old), old.name, "old", "Old")], app.ref(lib.as_uri()))
        assert service.wait(60)
        service.close()
    finally:
        app.close()
    photos = [write_random(tmp_path / "Gala" / f"{n}.jpg", 50_000, seed=n) for n in (1, 2)]
    repo = Path(__file__).resolve().parents[2]
    run = subprocess.Popen(
        [sys.executable, "-c", _HOLDING_RUN, lib.as_uri(), *map(str, photos)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=repo,
    )  # fmt: skip
    try:
        assert run.stdout is not None and run.stdout.readline().startswith("failed and still")
        window = open_window(lib.as_uri())
        model = window.upload.model
        qtbot.waitUntil(lambda: len(model.rows) >= 1, timeout=10_000)
        assert [r.rel_path for r in model.rows] == ["old.jpg"]  # not the running one's
        said = window.statusBar().currentMessage()
        assert said.startswith("1 file could not be published last time")
        # Nor are they taken from that run to be tried again here.
        journal = window.upload.app.journal
        theirs = [r.id for r in journal.failed() if r.project == "gala"]
        assert len(theirs) == 2 and window.upload.session.service.retry(theirs) == []
    finally:
        assert run.stdin is not None
        run.stdin.close()
        run.wait(30)
    assert run.returncode == 0
    later = open_window(lib.as_uri())  # the run has ended: its failures are last time's now
    qtbot.waitUntil(lambda: len(later.upload.model.rows) == 3, timeout=10_000)
    assert sorted(r.rel_path for r in later.upload.model.rows) == ["1.jpg", "2.jpg", "old.jpg"]


def test_files_another_run_publishes_now_are_said_and_offered_once_it_stops(
    tmp_path, open_window, qtbot
):
    """The walk: with a command line upload under way the window said "Ready" and
    nothing of it, and "Resume them" (for an earlier crash) took that run's files
    too, each then failing with "Another lytsite-desktop window or command is
    already uploading this file". The window now says what another run publishes,
    leaves those files to it, and offers them once it is killed."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    lib = tmp_path / "lib"
    first = write_random(tmp_path / "Old" / "first.jpg", 50_000, seed=8)
    crashed = write_random(tmp_path / "Old" / "old.jpg", 50_000, seed=9)
    left_by_a_crash(lib, "old", first, [crashed])
    gala = [write_random(tmp_path / "Gala" / f"{n}.jpg", 3_000_000, seed=n) for n in (1, 2, 3)]
    repo = Path(__file__).resolve().parents[2]
    run = subprocess.Popen(  # a terminal's upload, slowed so it is still going
        [sys.executable, "-m", "lytsite_desktop", "upload", str(tmp_path / "Gala"),
         "--dest", lib.as_uri(), "--bwlimit", "20K", "--no-previews", "--json"],
        stdout=subprocess.PIPE, text=True, cwd=repo,
    )  # fmt: skip
    try:
        assert run.stdout is not None and run.stdout.readline()  # its files are queued
        window = open_window(lib.as_uri())
        banner = window.upload.banner
        qtbot.waitUntil(lambda: "3 files of" in banner.text.text(), timeout=10_000)
        text = banner.text.text()
        assert "<b>1 upload of <i>old</i> did not finish last time.</b>" in text
        assert (
            "<b>3 files of <i>Gala</i> are being published by another lytsite-desktop</b>" in text
        )
        qtbot.waitUntil(lambda: window.status.text()
                        == "Another lytsite-desktop is publishing 3 files")  # fmt: skip
        qtbot.mouseClick(banner.resume_button, Qt.MouseButton.LeftButton)
        model = window.upload.model
        qtbot.waitUntil(lambda: all_final(window), timeout=20_000)
        assert [(r.rel_path, r.state) for r in model.rows] == [("old.jpg", FileState.PUBLISHED)]
        assert banner.isVisible() and not banner.resume_button.isVisible()
        assert banner.text.text().startswith("<b>3 files of <i>Gala</i> are being published")
        assert run.poll() is None  # still its own, still going
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(30)
    # Killed: its files are this computer's to resume, said within a few seconds.
    qtbot.waitUntil(lambda: banner.resume_button.isVisible(), timeout=10_000)
    assert banner.text.text().startswith("<b>3 uploads of <i>Gala</i> did not finish last time.")
    assert "another lytsite-desktop" not in banner.text.text()
    qtbot.mouseClick(banner.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(model.rows) == 4 and all_final(window), timeout=30_000)
    assert {r.rel_path: r.state for r in model.rows} == {
        "old.jpg": FileState.PUBLISHED,
        **{p.name: FileState.PUBLISHED for p in gala},
    }
    for photo in gala:
        (copy,) = (lib / "projects" / "gala" / "files").glob(f"*/{photo.name}")
        assert copy.read_bytes() == photo.read_bytes()


def test_a_run_started_after_the_window_opened_is_said_until_it_ends(tmp_path, open_window, qtbot):
    """The window asked the journal once, as it opened: a terminal's upload started
    later left it saying "Ready" all along. It asks again every few seconds while
    it publishes nothing itself, and says nothing more once that run has ended."""
    import subprocess
    import sys
    from pathlib import Path

    lib = tmp_path / "lib"
    window = open_window(lib.as_uri())
    banner = window.upload.banner
    qtbot.waitUntil(lambda: banner.told, timeout=10_000)
    assert not banner.isVisible() and window.status.text() == "Ready"
    for n in (1, 2):
        write_random(tmp_path / "Gala" / f"{n}.jpg", 1_500_000, seed=n)
    run = subprocess.Popen(  # about three seconds of a terminal's upload
        [sys.executable, "-m", "lytsite_desktop", "upload", str(tmp_path / "Gala"),
         "--dest", lib.as_uri(), "--bwlimit", "600K", "--no-previews"],
        stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    try:
        qtbot.waitUntil(lambda: "another lytsite-desktop" in banner.text.text(), timeout=10_000)
        assert banner.isVisible() and not banner.resume_button.isVisible()
        qtbot.waitUntil(lambda: window.status.text().startswith("Another lytsite-desktop is"))
        assert run.wait(60) == 0
    finally:
        run.kill()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=10_000)  # done: nothing to say
    qtbot.waitUntil(lambda: window.status.text() == "Ready")
    assert not window.upload.model.rows
