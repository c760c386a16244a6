"""Published projects made quickly for gallery tests: a folder laid out as in the
bucket (originals, WebP previews and thumbnails) and its manifest."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from lytsite_desktop.core.keys import file_id, original_key, rendition_key
from lytsite_desktop.core.publish.entry import ManifestEntry, Rendition
from lytsite_desktop.core.publish.manifest import Manifest
from tests.support.images import jpeg_bytes, scene


def _webp(size: tuple[int, int], seed: int) -> bytes:
    buf = io.BytesIO()
    scene(size, seed).save(buf, "WEBP", quality=60)
    return buf.getvalue()


def fake_project(
    root: Path, paths: list[str], project: str = "shoot", preview: tuple[int, int] = (360, 240),
    portraits: frozenset[str] = frozenset(),
) -> Manifest:  # fmt: skip
    """Write each path's original, preview and thumbnail under ``root`` (as the
    bucket's ``projects/{project}/`` folder would hold them) and return the manifest.
    The originals are listed as 3000 x 2000, as a camera's would be (2000 x 3000,
    and their pictures upright, for the paths in ``portraits``)."""
    files = {}
    for i, path in enumerate(paths):
        upright = path in portraits
        original = jpeg_bytes(scene((300, 200), seed=i)) + path.encode()
        sha = hashlib.sha256(original).hexdigest()
        fid = file_id(sha, path)
        okey = original_key(project, fid, path)
        renditions = {}
        for role, (w, h) in (("previews", preview), ("thumbs", (120, 80))):
            size = (h, w) if upright else (w, h)
            data = _webp(size, i)
            key = rendition_key(project, role, fid, path, "webp")
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(data)
            renditions[role] = Rendition(key, size[0], size[1], len(data))
        (root / okey).parent.mkdir(parents=True, exist_ok=True)
        (root / okey).write_bytes(original)
        files[path] = ManifestEntry(
            fileId=fid, fileName=path.rsplit("/", 1)[-1], path=path, contentType="image/jpeg",
            size=len(original), sha256=sha, originalKey=okey,
            width=2000 if upright else 3000, height=3000 if upright else 2000,
            preview=renditions["previews"], thumb=renditions["thumbs"],
            camera={"make": "Lytsite", "model": "TestCam 1", "exposure": "1/250 s"},
        )  # fmt: skip
    return Manifest(project, files, "2026-11-24T10:00:00+00:00")


def put_in_bucket(s3, bucket: str, root: Path) -> None:  # type: ignore[no-untyped-def]
    """Everything under ``root`` (as :func:`fake_project` laid it out) into the bucket."""
    for f in root.rglob("*"):
        if f.is_file():
            s3.put_object(Bucket=bucket, Key=f.relative_to(root).as_posix(), Body=f.read_bytes())


def write_page(root: Path, manifest: Manifest, **render: object) -> Path:
    """The project's index.html and assets next to its files under ``root``."""
    from lytsite_desktop.core.gallery.page import ASSETS, asset, render_index

    folder = root / "projects" / manifest.project
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(render_index(manifest, **render), "utf-8")  # type: ignore[arg-type]
    for name, _kind in ASSETS:
        (folder / name).write_bytes(asset(name))
    return folder / "index.html"


def listed_photo(i: int, name: str, folder: str = "Tag 1", taken: str = "2026-06-14T15:02:11",
                 project: str = "p") -> ManifestEntry:  # fmt: skip
    """A 6000 x 4000 photo as a manifest lists it (nothing written anywhere)."""
    fid = f"{i:016x}"
    stem = name.rsplit(".", 1)[0]
    return ManifestEntry(
        fileId=fid, fileName=name, path=f"{folder}/{name}", contentType="image/jpeg",
        size=8_000_000 + i, sha256="ab" * 32, originalKey=f"projects/{project}/files/{fid}/{name}",
        width=6000, height=4000,
        preview=Rendition(f"projects/{project}/previews/{fid}/{stem}.webp", 1800, 1200, 400_000),
        thumb=Rendition(f"projects/{project}/thumbs/{fid}/{stem}.webp", 480, 320, 20_000),
        camera={"model": "EOS R5", "takenAt": taken},
    )  # fmt: skip
