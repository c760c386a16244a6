"""The settings dialog: secrets to the keyring only, a real connection test, validation."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from lytsite_desktop.core.app import App
from lytsite_desktop.gui.settings_dialog import DestinationForm, SettingsDialog
from tests.conftest import dest_url
from tests.support.memkeyring import MemoryKeyring

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def ring():
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def dialog(qtbot):
    app = App()
    d = SettingsDialog(app)
    qtbot.addWidget(d)
    yield d
    app.close()


def form(name: str, url: str, *, key_id: str = "", secret: str = "", env: bool = False):
    f = DestinationForm(name=name, url=url)
    f.key_id.setText(key_id)
    f.secret.setText(secret)
    f.use_env.setChecked(env)
    f.default.setChecked(True)
    return f


def test_secret_lands_in_the_keyring_and_never_in_the_config_file(dialog, ring):
    saved = dialog.edit_destination(
        form("r2", "s3://photos?endpoint=https://acc.r2.cloudflarestorage.com",
             key_id="AKIDEXAMPLE", secret=SECRET)
    )  # fmt: skip
    assert saved, dialog.test_status.text()
    assert SECRET in ring.store.values()
    config = dialog.app.paths.config_file.read_text()
    assert SECRET not in config and "AKIDEXAMPLE" in config
    assert App().settings.destinations["r2"].keyring_secret is True
    assert dialog.dest_list.item(0).text().startswith("r2 (default)")


def test_no_keyring_is_a_clear_message_and_nothing_half_saved(dialog):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        saved = dialog.edit_destination(
            form("r2", "s3://photos?endpoint=https://x.example", key_id="A", secret=SECRET)
        )
    finally:
        keyring.set_keyring(previous)
    assert not saved
    assert "No usable system keyring" in dialog.test_status.text()
    assert not dialog.app.paths.config_file.exists()


def test_connection_test_makes_a_real_request(dialog, qtbot, s3_server, bucket):
    assert dialog.edit_destination(form("good", dest_url(bucket, s3_server.url), env=True))
    assert dialog.edit_destination(
        form("typo", dest_url(bucket + "-nope", s3_server.url), env=True)
    )
    for name, expected in (("good", "connected"), ("typo", "does not exist")):
        row = sorted(dialog.app.settings.destinations).index(name)
        dialog.dest_list.setCurrentRow(row)
        dialog.test_connection()
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20_000)
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
