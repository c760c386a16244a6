"""A watermark from the settings, against the real S3 server: burned into the
previews of the projects it names (bottom right, as set), not into another
project's, never into an original or (unless asked) a thumbnail; a changed
watermark makes new previews at new addresses when the folder is published
again, and prune deletes the old ones."""

from __future__ import annotations

import io
import tempfile

from PIL import Image, ImageChops

from lytsite_desktop.cli import main
from lytsite_desktop.core.app import App
from lytsite_desktop.core.previews.jobs import RenderJob, render
from tests.conftest import dest_url, object_sha256, sha256_file
from tests.integration.test_curation import keys, manifest
from tests.support.images import exif_with, jpeg_bytes, scene


def set_watermark(**fields) -> None:
    app = App()
    for name, value in fields.items():
        setattr(app.settings.watermark, name, value)
    app.settings.save(app.paths.config_file)
    app.close()


def picture(s3, bucket: str, key: str) -> Image.Image:
    return Image.open(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())).convert(
        "RGB")  # fmt: skip


def data_of(s3, bucket: str, project: str) -> str:
    """The page's JSON block."""
    page = s3.get_object(Bucket=bucket, Key=f"projects/{project}/index.html")["Body"].read()
    return page.decode().split('id="gallery-data">', 1)[1].split("</script>", 1)[0]


def plain_preview(source) -> Image.Image:
    """The same photo's preview without a watermark, made here."""
    out = tempfile.mkdtemp()
    result = render(RenderJob(str(source), "image", "JPEG", out, 1800, 85, 480, 80, 10**9))
    return Image.open(f"{out}/{result.preview.name}").convert("RGB")


def test_a_watermark_on_the_named_projects_previews_then_changed(tmp_path, bucket, s3, s3_server,
                                                                  capsys):  # fmt: skip
    dest = dest_url(bucket, s3_server.url)
    for folder, names in (("Ana", ["a.jpg", "b.jpg"]), ("Ben", ["c.jpg"])):  # larger than a preview
        (tmp_path / folder).mkdir()
        for i, name in enumerate(names):
            photo = jpeg_bytes(scene((2400, 1600), seed=i), exif=exif_with(1))
            (tmp_path / folder / name).write_bytes(photo)
    set_watermark(text="© Maria Costa", position="bottom-right", size=30, opacity=70,
                  projects=["ana"])  # fmt: skip
    assert main(["upload", str(tmp_path / "Ana"), str(tmp_path / "Ben"), "--dest", dest]) == 0
    ana = {f["path"]: f for f in manifest(s3, bucket, "ana")["files"]}
    first = ana["a.jpg"]["preview"]["key"]
    assert first.endswith(".webp") and first.count(".") == 2  # a.{tag}.webp
    assert ana["a.jpg"]["thumb"]["key"].endswith("/a.webp")  # thumbnails untouched
    ben = manifest(s3, bucket, "ben")["files"][0]
    assert ben["preview"]["key"].endswith("/c.webp")  # not a project it names
    # The viewer zooms into Ben's originals, never into Ana's (they have no watermark).
    assert ana["a.jpg"]["watermarked"] is True and "watermarked" not in ben
    assert '"z":[' in data_of(s3, bucket, "ben") and '"z":[' not in data_of(s3, bucket, "ana")
    # Burned in at the bottom right, nowhere else; the original is byte-exact.
    marked = picture(s3, bucket, first)
    diff = ImageChops.difference(marked, plain_preview(tmp_path / "Ana" / "a.jpg")).convert("L")
    left, top, _right, _bottom = diff.point(lambda v: 255 if v > 24 else 0).getbbox()
    assert left > 0.6 * marked.width and top > 0.75 * marked.height  # beyond WebP's noise
    assert object_sha256(s3, bucket, ana["a.jpg"]["originalKey"]) == sha256_file(
        tmp_path / "Ana" / "a.jpg")  # fmt: skip
    # Another opacity: published again, new previews at new addresses.
    set_watermark(opacity=40)
    assert main(["upload", str(tmp_path / "Ana"), "--dest", dest]) == 0
    again = {f["path"]: f for f in manifest(s3, bucket, "ana")["files"]}
    second = again["a.jpg"]["preview"]["key"]
    assert second != first and again["a.jpg"]["fileId"] == ana["a.jpg"]["fileId"]
    old = {ana[p]["preview"]["key"] for p in ana}
    assert old <= keys(s3, bucket, "projects/ana/")  # kept until prune
    capsys.readouterr()
    assert main(["prune", "--dest", dest, "--project", "ana", "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.count("(an earlier preview)") == 2
    left_over = keys(s3, bucket, "projects/ana/")
    assert not old & left_over
    assert {again[p]["preview"]["key"] for p in again} | {again[p]["originalKey"] for p in again} \
        <= left_over  # fmt: skip
    page = s3.get_object(Bucket=bucket, Key="projects/ana/index.html")["Body"].read().decode()
    assert second.split("projects/ana/", 1)[1] in page and first.rsplit("/", 1)[-1] not in page
