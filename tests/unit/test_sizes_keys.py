from __future__ import annotations

import pytest

from lytsite_desktop.core.keys import file_id, original_key, slugify
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
