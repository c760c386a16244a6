"""The settings dialog: secrets to the keyring only, a real connection test, validation."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from lytsite_desktop.core.app import App
from lytsite_desktop.core.destinations.connect import Provider
from lytsite_desktop.core.destinations.resolve import DestRef
from lytsite_desktop.gui.dialogs.connect import ConnectDialog
from lytsite_desktop.gui.dialogs.settings import DestinationForm, SettingsDialog
from lytsite_desktop.gui.upload.page import LOCAL_LIBRARY
from tests.conftest import dest_url

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def ring(memory_keyring):
    return memory_keyring


@pytest.fixture
def dialog(qtbot):
    app = App()
    d = SettingsDialog(app)
    qtbot.addWidget(d)
    yield d
    app.close()


R2 = "s3://photos?endpoint=https://acc.r2.cloudflarestorage.com"


def form(name: str, url: str, *, key_id: str = "", secret: str = "", env: bool = False):
    f = DestinationForm()
    f.name.setText(name)
    f.url.setText(url)
    f.key_id.setText(key_id)
    f.secret.setText(secret)
    f.use_env.setChecked(env)
    f.default.setChecked(True)
    return f


def save(dialog, qtbot, f) -> bool:
    """Save a filled form and wait for the answer from the keyring thread."""
    with qtbot.waitSignal(dialog.destination_saved, timeout=10_000) as blocker:
        dialog.edit_destination(f)
    assert not dialog.busy
    return blocker.args[0]


def test_secret_lands_in_the_keyring_and_never_in_the_config_file(dialog, qtbot, ring):
    assert save(dialog, qtbot, form("r2", R2, key_id="AKIDEXAMPLE", secret=SECRET)), (
        dialog.test_status.text()
    )
    assert ring.store == {("lytsite-desktop", "r2"): SECRET}
    assert "MainThread" not in ring.writers  # a keyring may be slow, or ask to be unlocked
    config = dialog.app.paths.config_file.read_text()
    assert SECRET not in config and "AKIDEXAMPLE" in config
    assert App().settings.destinations["r2"].keyring_secret is True
    assert dialog.dest_list.item(0).text().startswith("r2 (default)")


def test_edit_keeps_the_saved_secret_and_remove_forgets_it(dialog, qtbot, ring, monkeypatch):
    assert save(dialog, qtbot, form("r2", R2, key_id="AKIDEXAMPLE", secret=SECRET))
    dialog.select_destination("r2")
    edit = DestinationForm(editing=dialog.app.settings.destinations["r2"])
    assert edit.name.isReadOnly() and edit.key_id.text() == "AKIDEXAMPLE"
    assert edit.secret.text() == "" and not edit.use_env.isChecked()
    edit.url.setText(R2.replace("photos", "client-photos"))
    assert save(dialog, qtbot, edit), dialog.test_status.text()
    saved = App().settings.destinations["r2"]
    assert saved.url.startswith("s3://client-photos") and saved.keyring_secret
    assert ring.store[("lytsite-desktop", "r2")] == SECRET

    edit = DestinationForm(editing=saved)
    edit.use_env.setChecked(True)  # switching to the environment's keys forgets the stored one
    assert save(dialog, qtbot, edit)
    assert ring.store == {} and not App().settings.destinations["r2"].keyring_secret

    assert save(dialog, qtbot, form("b2", R2, key_id="K", secret=SECRET))
    dialog.forget_destination("b2")
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert "b2" not in App().settings.destinations and ring.store == {}
    assert dialog.dest_list.count() == 1 and dialog.dest_list.item(0).text().startswith("r2 ")
    assert "MainThread" not in ring.writers


def test_add_opens_the_connect_form_and_a_second_bucket_is_not_made_the_default(
    dialog, qtbot, ring, s3_server, bucket
):
    """ "Add…" was a form asking for an s3:// address; now it is the welcome's form (the
    service by name, a connection test), and what it saves is selected here."""
    assert save(dialog, qtbot, form("first", dest_url(bucket, s3_server.url), env=True))
    add = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Add…")
    add.click()
    connect = next(c for c in dialog.findChildren(ConnectDialog) if c.isVisible())
    assert connect.chosen is Provider.R2 and not connect.default.isChecked()
    connect.provider.setCurrentIndex(connect.provider.findData(Provider.OTHER))
    connect.where.setText(s3_server.url)
    connect.bucket.setText(bucket)
    connect.key_id.setText("AKIDEXAMPLE")
    connect.secret.setText(SECRET)
    connect.name.setText("studio")
    with qtbot.waitSignal(dialog.destination_saved, timeout=10_000) as saved:
        connect.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert saved.args == [True] and not connect.isVisible()
    assert ring.store[("lytsite-desktop", "studio")] == SECRET
    assert dialog.test_status.text() == "Saved 'studio'."
    assert dialog.dest_list.currentItem().text().startswith("studio — s3://")
    assert App().settings.default_destination == "first"


def test_no_keyring_is_a_clear_message_and_nothing_half_saved(dialog, qtbot):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        saved = save(dialog, qtbot, form("r2", R2, key_id="A", secret=SECRET))
    finally:
        keyring.set_keyring(previous)
    assert not saved
    said = dialog.test_status.text()
    assert "No usable system keyring" in said
    # The window's own way round it, not the command line's (--env-credentials).
    assert "--" not in said and "Use the AWS_ACCESS_KEY_ID" in said
    assert not dialog.app.paths.config_file.exists()


def test_connection_test_makes_a_real_request(dialog, qtbot, s3_server, bucket):
    assert save(dialog, qtbot, form("good", dest_url(bucket, s3_server.url), env=True))
    assert save(dialog, qtbot, form("typo", dest_url(bucket + "-nope", s3_server.url), env=True))
    expectations = (("good", "connected; a test file was uploaded"),
                    ("typo", "There is no bucket called 'test-"))  # fmt: skip
    for name, expected in expectations:
        dialog.select_destination(name)
        dialog.test_connection()
        assert dialog.busy
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
        assert expected in dialog.test_status.text(), dialog.test_status.text()


def test_bad_values_are_explained_and_not_saved(dialog):
    dialog.part_size.setText("3M")
    dialog.save()
    assert "part size must be between 5 MiB and 5 GiB" in dialog.error.text()
    assert not dialog.app.paths.config_file.exists()
    dialog.part_size.setText("32M")
    dialog.bwlimit.setText("20Mbit")
    dialog.preview_size.setValue(2400)
    dialog.auto_resume.setChecked(True)
    dialog.save()
    saved = App().settings
    assert saved.transfer.part_size == 32 * 1024 * 1024 and saved.transfer.bwlimit == 2_500_000
    assert saved.previews.size == 2400 and saved.auto_resume is True


def test_the_studio_name_and_address_are_saved_and_a_bad_address_explained(dialog):
    dialog.studio.setText("  Maria   Costa Photography ")
    dialog.email.setText("maria at example.com")
    dialog.save()
    assert "is not an e-mail address" in dialog.error.text()
    assert not dialog.app.paths.config_file.exists()
    dialog.email.setText("maria@example.com")
    dialog.save()
    saved = App().settings
    assert (saved.studio, saved.email) == ("Maria Costa Photography", "maria@example.com")


def test_the_watermark_is_saved_and_a_bad_logo_explained(dialog, tmp_path):
    tab = dialog.watermark
    tab.text.setText(" © Maria   Costa ")
    tab.logo.setText(str(tmp_path / "not-a-logo.png"))
    dialog.save()
    assert "is not a picture that can be read" in dialog.error.text()
    assert not dialog.app.paths.config_file.exists()
    tab.logo.setText("")
    tab.position.setCurrentIndex(tab.position.findData("top-left"))
    tab.mark_size.setValue(35)
    tab.opacity.setValue(60)
    tab.thumbs.setChecked(True)
    tab.projects.setText("Ana & João, Ben")
    live = dialog.app.settings.watermark  # what the previews already read
    dialog.save()
    saved = App().settings.watermark
    assert (saved.text, saved.position, saved.size, saved.opacity, saved.thumbs) == (
        "© Maria Costa", "top-left", 35, 60, True)  # fmt: skip
    assert saved.projects == ["ana-joao", "ben"]
    assert live.text == "© Maria Costa" and live.applies_to("ben") and not live.applies_to("carl")


def test_a_new_default_saved_in_settings_is_where_the_window_publishes_next(
    open_window, qtbot, ring, s3_server, bucket
):
    """A bucket added in Settings as "Publish here by default" left the Upload tab on
    the local library: Publish sent the wedding there. The new default is chosen when
    Settings closes; a destination picked by hand stays when the default did not move."""
    window = open_window()
    assert window.upload.chosen_destination() == window.app.default_destination()
    dialog = window.open_settings()
    assert save(dialog, qtbot, form("studio", dest_url(bucket, s3_server.url), env=True))
    dialog.accept()
    assert window.upload.chosen_destination() == DestRef("studio")

    picked = window.upload.destination.findText(LOCAL_LIBRARY)
    window.upload.destination.setCurrentIndex(picked)  # this one folder, kept local
    dialog = window.open_settings()
    dialog.accept()  # nothing about the default changed
    assert window.upload.destination.currentText() == LOCAL_LIBRARY
