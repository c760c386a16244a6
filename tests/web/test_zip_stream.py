"""The gallery's streamed ZIP writer (the one "Download all" runs in the browser's
service worker), run under Node on real files: store-only entries that Python's
zipfile reads back byte-exact with every CRC right, the exact length announced
before the first byte, a read that fails midway picked up where it stopped, and
the ZIP64 records the format needs beyond 4 GiB (a file, an offset, or the
directory past the limit; the limit is lowered so the test needs no 4 GiB)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

HARNESS = Path(__file__).parents[1] / "support" / "zipnode.js"


def run_writer(tmp_path: Path, files: list[tuple[str, bytes]], **spec: object) -> tuple[Path, dict]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run `make test` (as root on Debian)")
    listed = []
    for i, (name, data) in enumerate(files):
        source = tmp_path / f"source-{i}"
        source.write_bytes(data)
        listed.append({"path": str(source), "name": name, "size": len(data)})
    out = tmp_path / "all.zip"
    (tmp_path / "spec.json").write_text(json.dumps({"files": listed, "out": str(out), **spec}))
    done = subprocess.run([node, str(HARNESS), str(tmp_path / "spec.json")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out, json.loads(done.stdout)


FILES = [
    ("IMG_0001.jpg", os.urandom(3_000_001)),
    ("ceremony/Ana & João ✨.jpg", os.urandom(70_000)),
    ("../../etc/passwd", b"only a name"),
    ("empty.txt", b""),
]


@pytest.mark.parametrize("limit", [None, 1_000_000, 100])
def test_the_archive_reads_back_byte_exact(tmp_path, limit):
    out, result = run_writer(tmp_path, FILES, limit=limit, failOnce="IMG_0001.jpg")
    assert result["retried"] is True
    assert out.stat().st_size == result["total"]  # the announced length, exactly
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        infos = z.infolist()
        assert [i.filename for i in infos] == [
            "IMG_0001.jpg", "ceremony/Ana & João ✨.jpg", "etc/passwd", "empty.txt"]  # fmt: skip
        for info, (_name, data) in zip(infos, FILES, strict=True):
            assert info.compress_type == zipfile.ZIP_STORED
            assert z.read(info) == data
    tested = subprocess.run(["unzip", "-t", str(out)], capture_output=True, text=True)
    assert tested.returncode == 0 and "No errors detected" in tested.stdout  # Info-ZIP agrees
    raw = out.read_bytes()
    zip64_end = b"PK\x06\x06" in raw and b"PK\x06\x07" in raw
    assert zip64_end is (limit is not None)  # ZIP64 records only where the limit is passed
