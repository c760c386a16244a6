"""`lytsite-desktop --self-check`: does this installation have every part it needs?

It makes a JPEG, a HEIF, a JPEG XL, a PDF and a short video in a temporary folder
and turns each into its previews the way an upload does (in a spawned preview
worker), which proves the WebP encoder, the HEIF and JPEG XL plugins, pikepdf,
pdfium, FFmpeg's H.264 and AAC encoders (PyAV) and the worker processes work,
in a source checkout and, above all, in a PyInstaller bundle, where a missing
plugin or data file shows up only when it is used. The window's half of the
check is in gui/app.py.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lytsite_desktop.core.config.settings import PreviewSettings
from lytsite_desktop.core.ingest.filetypes import sniff
from lytsite_desktop.core.previews.maker import PreviewMaker


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def _jpeg(folder: Path) -> Path:
    from PIL import Image

    path = folder / "check.jpg"
    Image.linear_gradient("L").resize((2400, 1600)).convert("RGB").save(path, quality=90)
    return path


def _heif(folder: Path) -> Path:
    import pillow_heif
    from PIL import Image

    path = folder / "check.heic"
    image = Image.linear_gradient("L").resize((1200, 800)).convert("RGB")
    pillow_heif.from_pillow(image).save(path, quality=80)
    return path


def _jxl(folder: Path) -> Path:
    import pillow_jxl  # noqa: F401  (its import adds JPEG XL to Pillow)
    from PIL import Image

    path = folder / "check.jxl"
    Image.linear_gradient("L").resize((1200, 800)).convert("RGB").save(path, "JXL", quality=80)
    return path


def _pdf(folder: Path) -> Path:
    import pikepdf

    path = folder / "check.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
    return path


def _video(folder: Path) -> Path:
    import av
    from PIL import Image

    path = folder / "check.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        frame = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
        for _ in range(10):
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


#: name: (sample maker, whether it must get a preview). A PDF's preview is its
#: optimised copy, made only when smaller: its thumbnail is the check.
SAMPLES: dict[str, tuple[Callable[[Path], Path], bool]] = {
    "JPEG to WebP preview": (_jpeg, True),
    "HEIF (pillow-heif)": (_heif, True),
    "JPEG XL (pillow-jxl-plugin)": (_jxl, True),
    "PDF (pikepdf, pdfium)": (_pdf, False),
    "video (PyAV: H.264, AAC)": (_video, True),
}


def run_checks() -> list[Check]:
    """Each sample made and rendered by a preview worker; never raises."""
    checks: list[Check] = []
    settings = PreviewSettings(workers=1)
    with tempfile.TemporaryDirectory(prefix="lytsite-selfcheck-") as tmp:
        folder = Path(tmp)
        maker = PreviewMaker(settings, folder / "cache")
        try:
            for name, (make, needs_preview) in SAMPLES.items():
                checks.append(_render(maker, name, make, needs_preview, folder))
        finally:
            maker.close()
    return checks


def _render(
    maker: PreviewMaker, name: str, make: Callable[[Path], Path], needs_preview: bool, folder: Path
) -> Check:
    try:
        source = make(folder)
    except Exception as exc:  # the library itself is missing or broken
        return Check(name, False, f"cannot write a sample: {type(exc).__name__}: {exc}")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    cached = maker.make(str(source), digest, sniff(str(source)))
    result = cached.result
    if result.thumb is None or (needs_preview and result.preview is None):
        return Check(name, False, result.note or "no rendition was made")
    thumb = result.thumb
    made = f"thumbnail {thumb.width}×{thumb.height}"
    if result.preview is not None:
        made = f"preview {result.preview.width}×{result.preview.height}, {made}"
    return Check(name, True, made)
