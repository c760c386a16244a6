"""The first run: the welcome, connecting a bucket with its test, and the Help menu's
log folder and crash reports, on the real widgets."""

from __future__ import annotations

import io
import threading

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox

from lytsite_desktop.core.config.settings import Settings
from lytsite_desktop.core.destinations.connect import Provider
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.core.platform import diagnostics
from lytsite_desktop.gui.app import CrashRelay
from lytsite_desktop.gui.dialogs.connect import ENV_CHOICE
from lytsite_desktop.gui.upload.drop_area import DropArea
from tests.conftest import write_random
from tests.gui.conftest import drop
from tests.support.s3server import ACCESS_KEY, SECRET_KEY
from tests.support.signing_server import PREFIX, TOKEN, SigningServer


class Opened(QObject):
    """Receives the URLs the app asks the desktop to open (QDesktopServices' handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened():
    handler = Opened()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


def test_the_welcome_shows_once_and_starting_locally_is_remembered(open_window, qtbot):
    window = open_window()
    assert window.upload.drop_area.currentIndex() == DropArea.WELCOME
    text = window.upload.welcome.findChildren(QLabel)[0].text()
    assert "It works right away" in text
    assert str(window.app.paths.default_library) in text  # where files go until then
    window.upload.welcome.local_button.click()
    assert window.upload.drop_area.currentIndex() == DropArea.EMPTY
    assert Settings.load(window.app.paths.config_file).welcomed
    assert open_window().upload.drop_area.currentIndex() == DropArea.EMPTY  # the next start


def test_files_dropped_on_the_welcome_are_queued(open_window, qtbot, tmp_path):
    window = open_window()
    write_random(tmp_path / "Shoot" / "a.jpg", 5000)
    drop(window.upload.drop_area, [tmp_path / "Shoot"])
    qtbot.waitUntil(lambda: window.upload.model.rowCount() == 1, timeout=10_000)
    assert window.upload.drop_area.currentIndex() == DropArea.QUEUE
    assert window.app.settings.welcomed


def test_connecting_a_bucket_tests_it_saves_it_and_publishes_there(
    open_window, qtbot, s3_server, bucket, memory_keyring
):
    window = open_window()
    dialog = window.connect_bucket()
    dialog.provider.setCurrentIndex(dialog.provider.findData(Provider.OTHER))
    assert dialog.where_label.text() == "Endpoint"
    dialog.where.setText(s3_server.url)
    dialog.bucket.setText(bucket)
    dialog.key_id.setText(ACCESS_KEY)
    dialog.secret.setText(SECRET_KEY)
    dialog.name.setText("studio")
    with qtbot.waitSignal(dialog.tested, timeout=20_000) as tested:
        dialog.test_button.click()
    report = tested.args[0]
    assert report.ok and len(report.steps) == 4
    assert "Connected: this bucket is ready" in dialog.outcome.text()
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert memory_keyring.store[("lytsite-desktop", "studio")] == SECRET_KEY
    saved = Settings.load(window.app.paths.config_file)
    assert saved.default_destination == "studio" and saved.welcomed
    assert saved.destinations["studio"].url == f"s3://{bucket}?endpoint={s3_server.url}"
    assert window.upload.chosen_destination() == DestRef("studio")
    assert window.upload.drop_area.currentIndex() == DropArea.EMPTY


def test_without_a_keyring_the_dialog_says_the_way_the_window_offers(
    open_window, qtbot, s3_server, bucket
):
    """Not the command line's --env-credentials: the window's own way round it, in
    the same dialog."""
    window = open_window()
    dialog = window.connect_bucket()
    dialog.provider.setCurrentIndex(dialog.provider.findData(Provider.OTHER))
    dialog.where.setText(s3_server.url)
    dialog.bucket.setText(bucket)
    dialog.key_id.setText(ACCESS_KEY)
    dialog.secret.setText(SECRET_KEY)
    dialog.name.setText("studio")
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        qtbot.waitUntil(lambda: "Not saved" in dialog.outcome.text(), timeout=10_000)
    finally:
        keyring.set_keyring(previous)
    said = dialog.outcome.text()
    assert "No usable system keyring" in said and f"tick \u201c{ENV_CHOICE}\u201d" in said
    assert "--" not in said
    assert (
        not window.app.paths.config_file.exists()
        or not Settings.load(window.app.paths.config_file).destinations
    )
    # The way round it is right there (it was a raw form in Settings): the keys from
    # the environment, nothing for the keychain to keep.
    assert dialog.use_env.isVisible()
    dialog.use_env.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    saved = Settings.load(window.app.paths.config_file).destinations["studio"]
    assert saved.url == f"s3://{bucket}?endpoint={s3_server.url}"
    assert not saved.keyring_secret and not saved.access_key_id
    assert window.upload.chosen_destination() == DestRef("studio")


def test_mistakes_are_explained_before_any_request(open_window, qtbot):
    window = open_window()
    dialog = window.connect_bucket()
    assert dialog.chosen is Provider.R2
    dialog.where.setText("wedding-photos")  # the bucket where the account ID goes
    dialog.bucket.setText("0123456789abcdef0123456789abcdef")
    dialog.key_id.setText("k" * 32)
    dialog.secret.setText("s" * 64)
    with qtbot.waitSignal(dialog.tested, timeout=5_000) as tested:
        dialog.test_button.click()
    assert tested.args[0] is None  # nothing was sent
    text = dialog.outcome.text()
    assert "looks like a bucket name, not an account ID" in text
    assert "looks like your account ID, not a bucket name" in text
    assert not dialog.busy
    dialog.reject()


def test_the_connect_form_is_as_tall_as_what_it_shows(open_window, qtbot):
    """Seen under Xvfb: a fixed 600 px left an empty band of some 250 px between the
    fields and the buttons. The form is as tall as its fields, and grows to show
    the connection test's whole report."""
    window = open_window()
    dialog = window.connect_bucket()
    qtbot.waitExposed(dialog)
    buttons = dialog.buttons.geometry()
    assert buttons.top() - dialog.default.mapTo(dialog, dialog.default.rect().bottomLeft()).y() < 60
    dialog.where.setText("wedding-photos")
    dialog.bucket.setText("0123456789abcdef0123456789abcdef")
    dialog.key_id.setText("k" * 20)
    dialog.secret.setText("s" * 30)
    with qtbot.waitSignal(dialog.tested, timeout=5_000):
        dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.layout().totalHeightForWidth(dialog.width()) <= dialog.height())
    report = dialog.outcome.geometry()
    assert report.height() >= dialog.outcome.heightForWidth(report.width())
    assert report.bottom() <= dialog.buttons.geometry().top()
    # Seen under Xvfb too: a shorter text in the report's place (what Save says)
    # and a service with a shorter help left the height, and a band above the buttons.
    tall = dialog.height()
    dialog.outcome.clear()
    dialog.provider.setCurrentIndex(dialog.provider.findText(Provider.OTHER.value))
    qtbot.waitUntil(lambda: dialog.buttons.geometry().top() - _last_row_bottom(dialog) < 60)
    assert dialog.height() < tall
    dialog.reject()


def _last_row_bottom(dialog) -> int:  # type: ignore[no-untyped-def]
    check = dialog.default
    return check.mapTo(dialog, check.rect().bottomLeft()).y()


def test_help_opens_the_log_folder(open_window, opened):
    window = open_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    texts = [a.text() for a in help_menu.actions()]
    assert texts == ["Getting Started", "Open Log Folder", "About lytsite-desktop"]
    window.log_folder_action.trigger()
    (url,) = opened.urls
    assert url.toLocalFile() == str(diagnostics.log_dir(window.app.paths))


def test_a_crash_in_a_worker_thread_is_reported_in_the_window(open_window, qtbot, opened):
    window = open_window()
    diag = diagnostics.start(window.app.paths, stderr=io.StringIO())
    relay = CrashRelay(window)
    relay.report.connect(window.show_crash_report)
    diag.on_crash = relay.report.emit
    try:
        thread = threading.Thread(target=lambda: 1 / 0, name="upload-1")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(window.crash_reports) == 1, timeout=5_000)
    finally:
        diag.stop()
    report = window.crash_reports[0]
    assert "crashed (upload-1)" in report.read_text()
    assert "ZeroDivisionError" in report.read_text()
    (box,) = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert "Your uploads are safe" in box.text() and str(report) in box.informativeText()
    (open_button,) = [b for b in box.buttons() if b.text() == "Open Folder"]
    open_button.click()
    assert [u.toLocalFile() for u in opened.urls] == [str(report.parent)]
    box.close()


def test_connecting_an_upload_server_needs_only_its_address_and_a_token(
    open_window, qtbot, tmp_path, s3_server, s3, bucket, memory_keyring, monkeypatch
):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    window = open_window()
    with SigningServer(s3_server.url, bucket) as server:
        dialog = window.connect_bucket()
        dialog.provider.setCurrentIndex(dialog.provider.findData(Provider.SIGNER))
        assert dialog.where_label.text() == "Server address"
        assert dialog.secret_label.text() == "Token"
        assert not dialog.bucket.isVisible() and not dialog.key_id.isVisible()
        address = server.dest.removeprefix("companion+")
        dialog.where.setText(address)
        dialog.public_url.setText("https://photos.example.com")
        dialog.secret.setText("a-token-the-server-never-gave")
        with qtbot.waitSignal(dialog.tested, timeout=20_000) as tested:
            dialog.test_button.click()
        assert not tested.args[0].ok
        assert "did not accept this computer's token" in dialog.outcome.text()
        dialog.secret.setText(TOKEN)
        with qtbot.waitSignal(dialog.tested, timeout=20_000) as tested:
            dialog.test_button.click()
        assert tested.args[0].ok, dialog.outcome.text()
        assert "this upload server is ready" in dialog.outcome.text()
        with qtbot.waitSignal(dialog.saved, timeout=10_000):
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        assert memory_keyring.store[("lytsite-desktop", "studio")] == TOKEN
        saved = Settings.load(window.app.paths.config_file)
        assert saved.destinations["studio"].url == server.dest
        # the share link's start: the bucket's public address, then the server's folder
        assert saved.destinations["studio"].public_url == f"https://photos.example.com/{PREFIX}"
        assert window.upload.chosen_destination() == DestRef("studio")

        write_random(tmp_path / "Shoot" / "a.jpg", 5000)
        drop(window.upload.drop_area, [tmp_path / "Shoot"])
        qtbot.waitUntil(lambda: window.upload.model.rowCount() == 1, timeout=10_000)
        window.upload.publish_button.click()
        rows = window.upload.model.rows
        qtbot.waitUntil(lambda: [r.state for r in rows] == ["published"], timeout=30_000)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.startswith(f"{PREFIX}projects/shoot/files/") for k in keys), keys
