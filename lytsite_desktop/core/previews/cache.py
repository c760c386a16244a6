"""The local preview cache: renditions by content hash, so nothing is made twice.

``{cache}/renditions/{sha[:2]}/{sha256}/{variant}/`` holds ``preview.webp`` (or
``preview.pdf``), ``thumb.webp`` and ``meta.json``. The variant names the
settings (size, quality) and the renderer's version, so changing either makes
fresh previews while the old ones stay valid for their settings. A folder only
appears (renamed into place) once complete; ``meta.json`` is written last.
The gallery reads the same files, which is why it works offline.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.previews.jobs import RenderResult, RenditionFile

#: Bump when previews made by an older version should be made again.
RENDERER_VERSION = 2
META = "meta.json"


def variant(ps: PreviewSettings) -> str:
    return f"r{RENDERER_VERSION}-{ps.size}q{ps.quality}-{ps.thumb_size}q{ps.thumb_quality}"


@dataclass(frozen=True)
class Cached:
    """A file's renditions as found in (or just put into) the cache."""

    folder: Path
    result: RenderResult

    def path(self, rendition: RenditionFile) -> Path:
        return self.folder / rendition.name


class PreviewCache:
    def __init__(self, cache_dir: Path) -> None:
        self.root = cache_dir / "renditions"

    def folder(self, sha256: str, variant_name: str) -> Path:
        return self.root / sha256[:2] / sha256 / variant_name

    def get(self, sha256: str, variant_name: str) -> Cached | None:
        folder = self.folder(sha256, variant_name)
        try:
            result = RenderResult.from_dict(json.loads((folder / META).read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        for r in (result.preview, result.thumb):
            if r is not None and not (folder / r.name).is_file():
                return None  # partly cleaned by the system: make it again
        return Cached(folder, result)

    def workdir(self) -> Path:
        """An empty folder for a job to write into, inside the cache (same disk)."""
        tmp = self.root / ".tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=tmp))

    def put(self, sha256: str, variant_name: str, work: Path, result: RenderResult) -> Cached:
        """Move a finished job's folder into place. Results that might differ next
        time (a time limit, a crash) are returned but not kept."""
        if not result.lasting:
            shutil.rmtree(work, ignore_errors=True)
            return Cached(work, result)
        (work / META).write_text(json.dumps(result.to_dict()), "utf-8")
        final = self.folder(sha256, variant_name)
        final.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                os.replace(work, final)
                return Cached(final, result)
            except OSError:
                found = self.get(sha256, variant_name)
                if found is not None:  # made meanwhile by another process: as good
                    shutil.rmtree(work, ignore_errors=True)
                    return found
                shutil.rmtree(final, ignore_errors=True)  # a broken leftover
        return Cached(work, result)

    def discard(self, work: Path) -> None:
        shutil.rmtree(work, ignore_errors=True)
