"""The client's page as the photographer sets it, from the command line against the
real S3 server: a private address (unguessable, kept for the next upload, never
indexed), the studio's e-mail for the client's selection, downloads off, an
expiry date, and an expired gallery taken off its page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from lytsite_desktop.cli import main
from lytsite_desktop.core.app import App
from tests.conftest import dest_url
from tests.integration.test_curation import keys, manifest, page, shoot


def test_a_private_address_is_unguessable_and_kept(tmp_path, bucket, s3, s3_server, capsys):
    dest = dest_url(bucket, s3_server.url)
    shoot(tmp_path / "Wedding Anna", ["a.jpg"])
    assert main(["upload", str(tmp_path / "Wedding Anna"), "--dest", dest, "--private"]) == 0
    [project] = {k.split("/")[1] for k in keys(s3, bucket)}
    assert re.fullmatch(r"wedding-anna-[a-z2-7]{12}", project)
    doc = manifest(s3, bucket, project)
    assert doc["private"] is True and doc["title"] == "Wedding Anna"  # the title as typed
    assert '<meta name="robots" content="noindex, nofollow">' in page(s3, bucket, project)
    # The next private upload of the same name goes to the same address.
    shoot(tmp_path / "Wedding Anna", ["b.jpg"], seed=3)
    assert main(["upload", str(tmp_path / "Wedding Anna"), "--dest", dest, "--private"]) == 0
    assert {k.split("/")[1] for k in keys(s3, bucket)} == {project}
    assert {f["path"] for f in manifest(s3, bucket, project)["files"]} == {"a.jpg", "b.jpg"}
    # Another private project gets another address; a public one its plain name.
    shoot(tmp_path / "Wedding Ben", ["c.jpg"])
    assert main(["upload", str(tmp_path / "Wedding Ben"), "--dest", dest, "--private"]) == 0
    assert main(["upload", str(tmp_path / "Wedding Anna"), "--dest", dest]) == 0
    projects = {k.split("/")[1] for k in keys(s3, bucket)}
    assert len(projects) == 3 and "wedding-anna" in projects
    assert "noindex" not in page(s3, bucket, "wedding-anna")


def test_email_downloads_and_expiry(tmp_path, bucket, s3, s3_server, capsys):
    app = App()
    app.settings.studio, app.settings.email = "Studio Nord", "hello@studio-nord.example"
    app.settings.save(app.paths.config_file)
    app.close()
    dest = dest_url(bucket, s3_server.url)
    shoot(tmp_path / "day", ["a.jpg", "b.jpg"])
    last = date.today() + timedelta(days=14)
    assert main(["upload", str(tmp_path / "day"), "--dest", dest,
                 "--expires", last.isoformat()]) == 0  # fmt: skip
    doc = manifest(s3, bucket, "day")
    assert doc["contact"] == "hello@studio-nord.example" and doc["expires"] == last.isoformat()
    assert "hello@studio-nord.example" in page(s3, bucket, "day")  # the page's "Send to"
    assert main(["gallery", "day", "--downloads", "off"]) == 0
    assert "no downloads" in capsys.readouterr().out
    assert manifest(s3, bucket, "day")["downloads"] is False
    html = page(s3, bucket, "day")
    assert "files/" not in html and "Download all" not in html
    assert main(["gallery", "day", "--downloads", "on", "--expires", "never"]) == 0
    doc = manifest(s3, bucket, "day")
    assert "downloads" not in doc and "expires" not in doc
    assert "files/" in page(s3, bucket, "day")
    assert main(["gallery", "day", "--expires", "31.12.2027"]) == 2  # not a date it reads


def test_an_expired_gallery_is_pointed_out_then_taken_off_its_page(
    tmp_path, bucket, s3, s3_server, capsys
):
    dest = dest_url(bucket, s3_server.url)
    shoot(tmp_path / "day", ["a.jpg", "b.jpg"])
    assert main(["upload", str(tmp_path / "day"), "--dest", dest]) == 0
    yesterday = date.today() - timedelta(days=1)
    assert main(["gallery", "day", "--expires", yesterday.isoformat()]) == 0
    html = page(s3, bucket, "day")  # rendered after the last day: nothing of the photos
    assert "This gallery was open until" in html and "previews/" not in html
    capsys.readouterr()
    assert main(["gallery", "list"]) == 0
    err = capsys.readouterr().err
    assert "Expired: “day” (day): closed after" in err and "gallery day --hide-all" in err
    assert main(["gallery", "day", "--hide-all"]) == 0
    assert all(f["hidden"] for f in manifest(s3, bucket, "day")["files"])
    capsys.readouterr()
    assert main(["gallery", "list"]) == 0
    assert "Expired" not in capsys.readouterr().err  # not offered again
