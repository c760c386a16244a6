"""Changing and taking back what was published, from the command line, against the
real S3 server: the title, hidden files, removing files, deleting a project,
pruning replaced versions, an interrupted delete finished later, and what each
object tells a browser (read back with HEAD)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf

from lytsite_desktop.cli import main
from lytsite_desktop.core.app import App
from tests.conftest import dest_url
from tests.support.images import exif_with, jpeg_bytes, scene
from tests.support.netproxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
TITLE = "Ana & João — Casamento"


def shoot(folder: Path, names: list[str], seed: int = 0) -> None:
    for i, name in enumerate(names):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg_bytes(scene((900, 600), seed=seed + i), exif=exif_with(1)))


def keys(s3, bucket: str, prefix: str = "projects/") -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def manifest(s3, bucket: str, project: str) -> dict:
    body = s3.get_object(Bucket=bucket, Key=f"projects/{project}/manifest.json")["Body"]
    return json.loads(body.read())


def page(s3, bucket: str, project: str) -> str:
    body = s3.get_object(Bucket=bucket, Key=f"projects/{project}/index.html")["Body"]
    return body.read().decode()


def by_path(doc: dict) -> dict[str, dict]:
    return {f["path"]: f for f in doc["files"]}


def object_keys(entry: dict) -> set[str]:
    return {entry["originalKey"], entry["preview"]["key"], entry["thumb"]["key"]}


def test_a_title_as_typed_on_the_page_and_in_gallery_list_then_changed(
    tmp_path, bucket, s3, s3_server, capsys
):
    shoot(tmp_path / "Ana & João", ["a.jpg", "b.jpg"])
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "Ana & João"), "--dest", dest]) == 0
    # By default the title is the folder's name as written, not its slug.
    assert manifest(s3, bucket, "ana-joao")["title"] == "Ana & João"
    assert "<h1>Ana &amp; João</h1>" in page(s3, bucket, "ana-joao")
    capsys.readouterr()
    assert main(["gallery", "ana-joao", "--title", TITLE]) == 0
    assert manifest(s3, bucket, "ana-joao")["title"] == TITLE
    html = page(s3, bucket, "ana-joao")
    assert "<title>Ana &amp; João — Casamento</title>" in html
    assert "<h1>Ana &amp; João — Casamento</h1>" in html
    capsys.readouterr()
    assert main(["gallery", "list"]) == 0
    assert f"ana-joao\t{TITLE}\t2 files" in capsys.readouterr().out


def test_the_page_opens_with_the_cover_title_date_and_studio(tmp_path, bucket, s3, s3_server):
    from lytsite_desktop.core.app import App

    app = App()
    app.settings.studio = "Maria Costa Photography"
    app.settings.save(app.paths.config_file)
    app.close()
    folder = tmp_path / "Ana & João"
    folder.mkdir()
    for i, name in enumerate(["a.jpg", "b.jpg"]):  # taken on 24 November 2026
        photo = jpeg_bytes(scene((900, 600), seed=i), exif=exif_with(1, camera=True))
        (folder / name).write_bytes(photo)
    assert main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url)]) == 0
    doc = manifest(s3, bucket, "ana-joao")
    assert doc["studio"] == "Maria Costa Photography"
    html = page(s3, bucket, "ana-joao")
    hero = html.split('<header class="hero">', 1)[1].split("</header>", 1)[0]
    first = by_path(doc)["a.jpg"]
    assert first["fileId"] in hero and "<h1>Ana &amp; João</h1>" in hero
    assert "24 November 2026 · Maria Costa Photography" in hero and "2 photos" in hero
    # every photo holds its colour until it loads
    assert f'style="background-color:{first["color"]}"' in html
    assert len(first["color"]) == 7 and first["color"].startswith("#")


def test_upload_title_is_set_at_the_first_publish(tmp_path, bucket, s3, s3_server):
    shoot(tmp_path / "day", ["a.jpg"])
    dest = dest_url(bucket, s3_server.url)
    args = ["upload", str(tmp_path / "day"), "--dest", dest, "--project", "Ana & João"]
    assert main([*args, "--title", TITLE]) == 0
    assert manifest(s3, bucket, "ana-joao")["title"] == TITLE
    app = App()  # kept for a later run that would write the first manifest (a resume)
    assert [r.title for r in app.journal.all_files()] == [TITLE]
    app.close()
    shoot(tmp_path / "day", ["b.jpg"], seed=5)
    assert main(args) == 0  # a later publish without --title keeps the title
    doc = manifest(s3, bucket, "ana-joao")
    assert doc["title"] == TITLE and set(by_path(doc)) == {"a.jpg", "b.jpg"}


def test_hide_and_show_a_file(tmp_path, bucket, s3, s3_server):
    shoot(tmp_path / "shoot", ["keep.jpg", "blink.jpg", "c/other.jpg"])
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "shoot"), "--dest", dest]) == 0
    assert "blink.jpg" in page(s3, bucket, "shoot")
    assert main(["gallery", "shoot", "--hide", "blink.jpg", "--cover", "c/other.jpg"]) == 0
    doc = manifest(s3, bucket, "shoot")
    files = by_path(doc)
    assert files["blink.jpg"]["hidden"] is True and "hidden" not in files["keep.jpg"]
    assert doc["cover"] == files["c/other.jpg"]["fileId"]
    html = page(s3, bucket, "shoot")
    assert "blink.jpg" not in html and "keep.jpg" in html
    assert object_keys(files["blink.jpg"]) <= keys(s3, bucket)  # still published
    cover = html.split('<div class="cover">', 1)[1].split("</div>", 1)[0]
    assert files["c/other.jpg"]["fileId"] in cover
    assert main(["gallery", "shoot", "--show", "blink.jpg"]) == 0
    assert by_path(manifest(s3, bucket, "shoot"))["blink.jpg"]["hidden"] is False
    assert "blink.jpg" in page(s3, bucket, "shoot")
    # A path the gallery does not have is refused, and nothing changes.
    assert main(["gallery", "shoot", "--hide", "nope.jpg"]) == 2


def test_remove_two_files_asks_then_deletes_them_and_only_them(
    tmp_path, bucket, s3, s3_server, capsys
):
    shoot(tmp_path / "shoot", ["a.jpg", "b.jpg", "c.jpg", "d/e.jpg"])
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "shoot"), "--dest", dest]) == 0
    files = by_path(manifest(s3, bucket, "shoot"))
    before = keys(s3, bucket)
    capsys.readouterr()
    # No terminal and no --yes: it lists what it would delete, with sizes, deletes nothing.
    assert main(["gallery", "shoot", "--remove", "b.jpg", "d/e.jpg"]) == 2
    out = capsys.readouterr()
    assert "b.jpg  (" in out.out and "d/e.jpg  (" in out.out and "KiB" in out.out
    assert "--yes" in out.err
    assert keys(s3, bucket) == before
    assert main(["gallery", "shoot", "--remove", "b.jpg", "d/e.jpg", "--yes"]) == 0
    gone = object_keys(files["b.jpg"]) | object_keys(files["d/e.jpg"])
    assert keys(s3, bucket) == before - gone
    doc = manifest(s3, bucket, "shoot")
    assert set(by_path(doc)) == {"a.jpg", "c.jpg"}
    html = page(s3, bucket, "shoot")
    assert "b.jpg" not in html and "e.jpg" not in html and "c.jpg" in html
    # The offline copy follows, and the journal forgets them.
    app = App()
    try:
        [ref] = app.gallery.known()
        kept = app.gallery.manifest(ref.dest, "shoot")
        assert kept is not None and set(kept.files) == {"a.jpg", "c.jpg"}
        assert {r.rel_path for r in app.journal.all_files()} == {"a.jpg", "c.jpg"}
    finally:
        app.close()


def test_delete_a_project_leaves_nothing_under_its_prefix(tmp_path, bucket, s3, s3_server, capsys):
    shoot(tmp_path / "gone", ["a.jpg", "b.jpg"])
    shoot(tmp_path / "kept", ["k.jpg"], seed=9)
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "gone"), str(tmp_path / "kept"), "--dest", dest]) == 0
    kept_before = keys(s3, bucket, "projects/kept/")
    assert main(["gallery", "gone", "--delete"]) == 2  # no terminal: asks for --yes
    assert keys(s3, bucket, "projects/gone/")
    assert main(["gallery", "gone", "--delete", "--yes"]) == 0
    assert keys(s3, bucket, "projects/gone/") == set()
    assert keys(s3, bucket, "projects/kept/") == kept_before
    capsys.readouterr()
    assert main(["gallery", "list"]) == 0
    listed = capsys.readouterr().out
    assert "gone" not in listed and "kept" in listed


def test_prune_after_re_exporting_a_photo(tmp_path, bucket, s3, s3_server, capsys):
    folder = tmp_path / "shoot"
    shoot(folder, ["a.jpg", "b.jpg"])
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(folder), "--dest", dest]) == 0
    old = by_path(manifest(s3, bucket, "shoot"))["a.jpg"]
    # The photographer edits a.jpg and exports it again to the same path.
    (folder / "a.jpg").write_bytes(jpeg_bytes(scene((600, 900), seed=42)))
    assert main(["upload", str(folder), "--dest", dest]) == 0
    doc = manifest(s3, bucket, "shoot")
    new = by_path(doc)["a.jpg"]
    assert new["fileId"] != old["fileId"] and doc["retired"] == [old["fileId"]]
    assert object_keys(old) <= keys(s3, bucket)  # queued for prune, not yet deleted
    capsys.readouterr()
    assert main(["prune", "--dest", dest, "--yes"]) == 0
    assert "a.jpg (an earlier version)" in capsys.readouterr().out
    left = keys(s3, bucket)
    assert not object_keys(old) & left
    assert object_keys(new) | object_keys(by_path(doc)["b.jpg"]) <= left
    assert "retired" not in manifest(s3, bucket, "shoot")
    capsys.readouterr()
    assert main(["prune", "--dest", dest, "--yes"]) == 0
    assert "Nothing to prune" in capsys.readouterr().out


def test_an_interrupted_delete_is_finished_by_the_next_run(tmp_path, bucket, s3, s3_server):
    shoot(tmp_path / "gone", [f"{i}.jpg" for i in range(4)])
    with TcpProxy(s3_server.port) as proxy:
        dest = dest_url(bucket, proxy.url)
        assert main(["upload", str(tmp_path / "gone"), "--dest", dest]) == 0
        proxy.latency = 0.3  # each request slow enough to be caught between two
        proxy.reset_counters()
        proc = subprocess.Popen(
            [sys.executable, "-m", "lytsite_desktop", "gallery", "gone", "--delete", "--yes",
             "--dest", dest],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
        )  # fmt: skip
        # Killed once the manifest and page are deleted and it lists what else to delete.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = [(r.method, r.target) for r in proxy.requests]
            deletes = [i for i, (m, t) in enumerate(seen) if m == "POST" and "delete" in t]
            if deletes and any("list-type" in t for _, t in seen[deletes[0] :]):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL
        left = keys(s3, bucket, "projects/gone/")
        assert "projects/gone/manifest.json" not in left and len(left) >= 12  # cut short
        app = App()
        try:
            assert [d.project for d in app.journal.deletions()] == ["gone"]
        finally:
            app.close()
        proxy.latency = 0.0
        assert main(["gallery", "list"]) == 0  # the next run finishes it
    assert keys(s3, bucket, "projects/gone/") == set()
    app = App()
    try:
        assert app.journal.deletions() == []
    finally:
        app.close()


def test_nothing_is_deleted_on_a_destination_that_cannot_be_reached(
    tmp_path, bucket, s3, s3_server, capsys
):
    shoot(tmp_path / "shoot", ["a.jpg"])
    assert main(["upload", str(tmp_path / "shoot"), "--dest", dest_url(bucket, s3_server.url)]) == 0
    before = keys(s3, bucket)
    with TcpProxy(s3_server.port) as proxy:
        proxy.set_network_down(True)
        dest = dest_url(bucket, proxy.url)
        capsys.readouterr()
        assert main(["gallery", "shoot", "--dest", dest, "--remove", "a.jpg", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "Nothing was changed" in err and "Traceback" not in err
    assert keys(s3, bucket) == before


def test_what_each_object_tells_a_browser(tmp_path, bucket, s3, s3_server):
    folder = tmp_path / "shoot"
    shoot(folder, ["Noiva João “sim”.jpg"])
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(b"1 0 0 rg 10 10 200 200 re f\n" * 300)
    pdf.save(folder / "contract.pdf", compress_streams=False)  # a smaller view copy is made
    assert main(["upload", str(folder), "--dest", dest_url(bucket, s3_server.url)]) == 0
    files = by_path(manifest(s3, bucket, "shoot"))
    photo, contract = files["Noiva João “sim”.jpg"], files["contract.pdf"]

    def head(key: str) -> dict:
        return s3.head_object(Bucket=bucket, Key=key)

    immutable = "public, max-age=31536000, immutable"
    original = head(photo["originalKey"])
    assert original["ContentType"] == "image/jpeg"
    assert original["CacheControl"] == immutable
    assert original["ContentDisposition"] == (
        'attachment; filename="Noiva Joao sim.jpg"; '
        "filename*=UTF-8''Noiva%20Jo%C3%A3o%20%E2%80%9Csim%E2%80%9D.jpg"
    )
    assert head(contract["originalKey"])["ContentDisposition"] == (
        "attachment; filename=\"contract.pdf\"; filename*=UTF-8''contract.pdf"
    )
    renditions = (
        (photo["preview"]["key"], "image/webp"), (photo["thumb"]["key"], "image/webp"),
        (contract["preview"]["key"], "application/pdf"), (contract["thumb"]["key"], "image/webp"),
    )  # fmt: skip
    for key, kind in renditions:
        h = head(key)
        assert (h["ContentType"], h["CacheControl"], h["ContentDisposition"]) == (
            kind, immutable, "inline")  # fmt: skip
    for name, kind in (("manifest.json", "application/json"), ("index.html", "text/html")):
        h = head(f"projects/shoot/{name}")
        assert h["ContentType"].startswith(kind) and h["CacheControl"] == "no-cache"
    for name in ("photoswipe.css", "gallery.js", "sw.js"):
        assert head(f"projects/shoot/{name}")["CacheControl"] == "public, max-age=300"
