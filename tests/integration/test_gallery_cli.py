"""The published gallery from the command line, against the real S3 server: pages
published with the project, `gallery list`, and `gallery PROJECT --export DIR`
online, offline (the S3 server unreachable) and on a machine with no cache."""

from __future__ import annotations

import hashlib
import shutil

from lytsite_desktop.cli import main
from lytsite_desktop.core.app import App
from lytsite_desktop.core.gallery.page import ASSETS
from lytsite_desktop.core.gallery.projects import remote_projects, remote_refs
from tests.conftest import dest_url
from tests.support.images import exif_with, jpeg_bytes, scene
from tests.support.netproxy import TcpProxy


def shoot(folder):
    (folder / "party").mkdir(parents=True)
    for i in range(3):
        (folder / f"IMG_{i}.jpg").write_bytes(
            jpeg_bytes(scene((900, 600), seed=i), exif=exif_with(1, camera=True))
        )
    (folder / "party" / "dance.jpg").write_bytes(jpeg_bytes(scene((600, 900), seed=7)))
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.jpg")}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def exported_originals(out):
    return {p.name: p.read_bytes() for p in (out / "files").rglob("*.jpg")}


def test_the_web_gallery_is_published_with_the_project(tmp_path, bucket, s3, s3_server, capsys):
    originals = shoot(tmp_path / "Wedding")
    dest = dest_url(bucket, s3_server.url)
    assert main(["upload", str(tmp_path / "Wedding"), "--dest", dest]) == 0
    page = s3.get_object(Bucket=bucket, Key="projects/wedding/index.html")
    assert page["ContentType"].startswith("text/html")
    html = page["Body"].read().decode()
    for rel in originals:
        assert rel.rsplit("/", 1)[-1] in html
    assert "<h2>party</h2>" in html and 'data-layout="grid"' in html
    for asset in (name for name, _kind in ASSETS):
        s3.head_object(Bucket=bucket, Key=f"projects/wedding/{asset}")
    # the offline copy of the manifest is kept beside the preview cache
    app = App()
    [ref] = app.gallery.known()
    assert ref.project == "wedding" and ref.files == 4
    bucket_side = app.open(app.ref(dest))
    assert remote_projects(bucket_side) == ["wedding"]  # what a new machine would list
    # ... titled before it is opened, from the head of its manifest (a ranged read)
    (listed,) = remote_refs(bucket_side, set())
    assert (listed.project, listed.title) == ("wedding", "Wedding") and listed.updated
    assert remote_refs(bucket_side, {(bucket_side.ident, "wedding")}) == []
    total, chunks = bucket_side.read_range("projects/wedding/manifest.json", 0, 64)
    assert len(b"".join(chunks)) == 64 and total > 1000
    bucket_side.close()
    capsys.readouterr()
    assert main(["gallery", "list"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("wedding\tWedding\t4 files\t") and bucket in line
    app.close()


def test_export_online_offline_and_from_a_new_machine(tmp_path, bucket, s3_server, capsys):
    folder = tmp_path / "Wedding"
    originals = shoot(folder)
    with TcpProxy(s3_server.port) as proxy:
        dest = dest_url(bucket, proxy.url)
        assert main(["upload", str(folder), "--dest", dest]) == 0

        # Online, the sources unchanged on disk: copied from there.
        out = tmp_path / "export-online"
        assert main(["gallery", "wedding", "--export", str(out)]) == 0
        assert exported_originals(out) == {k.rsplit("/", 1)[-1]: v for k, v in originals.items()}
        assert len(list((out / "previews").rglob("*.webp"))) == 4
        assert len(list((out / "thumbs").rglob("*.webp"))) == 4

        # Offline: the manifest copy, the preview cache and the files on disk suffice.
        proxy.set_network_down(True)
        out = tmp_path / "export-offline"
        capsys.readouterr()
        assert main(["gallery", "wedding", "--export", str(out)]) == 0
        assert "Offline" in capsys.readouterr().err
        assert len(list((out / "previews").rglob("*.webp"))) == 4
        assert len(exported_originals(out)) == 4
        proxy.set_network_down(False)

        # A new machine: no cache, the photos gone from disk. All from the bucket.
        app = App()
        shutil.rmtree(app.paths.cache_dir)
        app.close()
        shutil.rmtree(folder)
        out = tmp_path / "export-new"
        capsys.readouterr()
        assert main(["gallery", "wedding", "--export", str(out)]) == 0
        assert "Fetched 8 previews and thumbnails" in capsys.readouterr().out
        got = exported_originals(out)
        assert {sha(v) for v in got.values()} == {sha(v) for v in originals.values()}
        assert len(list((out / "thumbs").rglob("*.webp"))) == 4

        # And offline with no copy at all: a clear message, exit 2.
        shutil.rmtree(App().paths.cache_dir)
        proxy.set_network_down(True)
        capsys.readouterr()
        assert main(["gallery", "wedding", "--export", str(tmp_path / "nothing")]) == 2
        assert "no copy on this computer" in capsys.readouterr().err
