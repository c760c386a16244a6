"""A file's previews made by the real worker processes, as an upload makes them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from lytsite_desktop.core.ingest.filetypes import sniff
from lytsite_desktop.core.previews.jobs import RenderResult
from lytsite_desktop.core.previews.maker import PreviewMaker


def make(maker: PreviewMaker, path: Path) -> tuple[RenderResult, Image.Image | None]:
    """The result, and the WebP preview when there is one (loaded)."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    cached = maker.make(str(path), sha, sniff(str(path)))
    r = cached.result
    preview = None
    if r.preview is not None and r.preview.name.endswith(".webp"):
        preview = Image.open(cached.path(r.preview))
        preview.load()
    return r, preview
