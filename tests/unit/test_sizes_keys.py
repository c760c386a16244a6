from __future__ import annotations

import mimetypes

import pytest

from lytsite_desktop.core.keys import content_type, file_id, original_key, slugify
from lytsite_desktop.core.sizes import MiB, format_duration, format_size, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16M", 16 * MiB),
        ("16MiB", 16 * MiB),
        ("16MB", 16_000_000),
        ("100Mbit", 12_500_000),
        ("1.5G", int(1.5 * 1024 * MiB)),
        ("4096", 4096),
        ("2M/s", 2 * MiB),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "fast", "12 parsecs", "-5M"])
def test_parse_size_rejects(bad):
    with pytest.raises(ValueError):
        parse_size(bad)


def test_format():
    assert format_size(1536) == "1.5 KiB"
    assert format_duration(75) == "1m15s"
    assert format_duration(0.4) == "1s" and format_duration(0) == "0s"  # never "0s" of some
    assert format_duration(59.5) == "1m00s"
    assert format_duration(None) == "--"


def test_slugify():
    assert slugify("Wedding 2026 — Ana & João") == "wedding-2026-ana-joao"
    assert slugify("///") == "untitled"


def test_file_id_depends_on_content_and_path():
    a = file_id("ab" * 32, "x/a.jpg")
    assert a == file_id("ab" * 32, "x/a.jpg")
    assert a != file_id("cd" * 32, "x/a.jpg")
    assert a != file_id("ab" * 32, "y/a.jpg")
    assert original_key("p", a, "x/a.jpg") == f"projects/p/files/{a}/a.jpg"


def test_content_type_is_the_apps_not_the_computers(monkeypatch):
    """A file's Content-Type comes from the app's table: a computer whose own table
    (/etc/mime.types, the Windows registry) says otherwise changes nothing."""
    computers = mimetypes.MimeTypes()  # this computer's table, as Python reads it
    computers.add_type("application/x-zip-compressed", ".zip")
    computers.add_type("text/x-markdown", ".mkv")
    monkeypatch.setattr(mimetypes, "_db", computers)
    monkeypatch.setattr(mimetypes, "inited", True)
    assert content_type("Contract.ZIP") == "application/zip"
    assert content_type("clip.mkv") == "video/x-matroska"
    assert content_type("notes.docx").endswith("wordprocessingml.document")
    assert content_type("IMG_0001.JPG") == "image/jpeg"
    assert content_type("README") == "application/octet-stream"
    assert content_type("shoot.unknown") == "application/octet-stream"
