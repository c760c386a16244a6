"""The Linux desktop integration in resources/linux: the .desktop entry and the
AppStream metainfo pass their validators, the entry offers the app for photos,
PDFs and folders in a file manager's "Open with", and every icon size exists."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

LINUX = Path(__file__).resolve().parents[2] / "resources" / "linux"
APP_ID = "io.lytsite.LytsiteDesktop"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make test` (as root on Debian)")
    return path


def test_the_desktop_entry_validates_and_opens_photos_pdfs_and_folders():
    entry = LINUX / f"{APP_ID}.desktop"
    run = subprocess.run(
        [tool("desktop-file-validate"), str(entry)], capture_output=True, text=True
    )
    assert run.returncode == 0 and not run.stdout.strip(), run.stdout + run.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(entry, encoding="utf-8")
    desktop = parser["Desktop Entry"]
    assert desktop["Exec"] == "lytsite-desktop %F"  # several local files and folders, as paths
    assert desktop["Icon"] == APP_ID
    types = set(desktop["MimeType"].strip(";").split(";"))
    assert {"inode/directory", "image/jpeg", "image/heic", "image/x-adobe-dng",
            "application/pdf"} <= types  # fmt: skip


def test_the_appstream_metainfo_validates():
    metainfo = LINUX / f"{APP_ID}.metainfo.xml"
    run = subprocess.run(
        [tool("appstreamcli"), "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    text = metainfo.read_text("utf-8")
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_every_icon_size_is_there(size):
    png = LINUX / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    image = QImage(str(png))
    assert image.width() == size and image.height() == size
    assert image.hasAlphaChannel()
