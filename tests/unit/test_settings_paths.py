from __future__ import annotations

from pathlib import Path

import pytest

from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import DestinationConfig, Settings, TransferSettings
from lytsite_desktop.core.sizes import MiB


def test_lytsite_home_moves_everything(tmp_path):
    paths = AppPaths.discover({"LYTSITE_HOME": str(tmp_path)})
    for folder in (paths.config_dir, paths.state_dir, paths.cache_dir, paths.data_dir):
        assert folder.is_relative_to(tmp_path)
    assert paths.journal_file.parent == tmp_path / "state"


def test_platform_dirs_without_lytsite_home():
    paths = AppPaths.discover({})
    assert "lytsite-desktop" in str(paths.config_dir)


def test_defaults_are_documented_values():
    ts = TransferSettings()
    assert ts.concurrency == 8 and ts.part_size == 16 * MiB
    assert ts.multipart_threshold == 32 * MiB and ts.bwlimit is None


def test_round_trip_without_secrets(tmp_path):
    path = tmp_path / "config.json"
    s = Settings()
    s.transfer.concurrency = 4
    s.destinations["r2"] = DestinationConfig("r2", "s3://b?endpoint=x", "AKID", True)
    s.save(path)
    loaded = Settings.load(path)
    assert loaded.transfer.concurrency == 4
    assert loaded.destinations["r2"].access_key_id == "AKID"
    assert "secret" not in path.read_text().lower().replace("keyring_secret", "")


def test_unreadable_settings_say_where(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=str(bad)):
        Settings.load(bad)


@pytest.mark.parametrize("change", [{"concurrency": 0}, {"part_size": MiB}, {"bwlimit": 10}])
def test_validation(change):
    ts = TransferSettings(**change)
    with pytest.raises(ValueError):
        ts.validate()


def test_missing_file_gives_defaults(tmp_path):
    assert Settings.load(Path(tmp_path / "nope.json")) == Settings()
