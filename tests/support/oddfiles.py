"""Odd files the tests make: every format and mode Pillow can write, a hand-made PSD,
damaged, empty and misnamed ones, and videos with a rotation flag and a location.

Nothing here is copied from elsewhere: each file is written by Pillow, PyAV or the
few lines below, so the expected picture is known.
"""

from __future__ import annotations

import io
import math
import struct
from pathlib import Path

from PIL import Image

#: The formats Pillow writes that a photographer may meet, and their extensions.
FORMATS = {
    "PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "TIFF": ".tif", "BMP": ".bmp",
    "GIF": ".gif", "PPM": ".ppm", "TGA": ".tga", "JPEG2000": ".jp2", "QOI": ".qoi",
    "SGI": ".sgi", "PCX": ".pcx", "ICO": ".ico", "DDS": ".dds", "AVIF": ".avif",
    "MSP": ".msp", "XBM": ".xbm", "SPIDER": ".spi",
}  # fmt: skip
MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "I", "I;16", "F", "YCbCr", "LAB", "HSV")


def scene(size: tuple[int, int] = (96, 64)) -> Image.Image:
    """Smooth colour ramps with a marked corner: any mirror or turn shows, and a
    resize changes little."""
    w, h = size
    im = Image.new("RGB", size)
    im.putdata(
        [
            (int(40 + 180 * x / w), int(40 + 180 * y / h), int(200 - 150 * x / w))
            for y in range(h)
            for x in range(w)
        ]
    )
    im.paste((250, 250, 250), (0, 0, w // 4, h // 4))  # top-left: white
    return im


def as_mode(mode: str, size: tuple[int, int] = (96, 64)) -> Image.Image:
    base = scene(size)
    if mode == "I;16":
        grey = base.convert("L")
        return grey.point(lambda v: v * 257, "I").convert("I;16")
    if mode == "I":
        return base.convert("L").point(lambda v: v * 257, "I")
    if mode == "F":
        return base.convert("L").point(lambda v: v / 255.0, "F")
    if mode in ("LA", "RGBA", "PA"):
        alpha = Image.new("L", size, 255)
        alpha.paste(0, (size[0] // 2, size[1] // 2, size[0], size[1]))  # a transparent quarter
        im = base.convert("L" if mode == "LA" else "RGB")
        im.putalpha(alpha)
        return im.convert("PA") if mode == "PA" else im
    if mode == "P":
        return base.convert("P", palette=Image.Palette.ADAPTIVE)
    return base.convert(mode)


def write_every_format(folder: Path) -> list[Path]:
    """Every (format, mode) Pillow writes and reads back, one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt, ext in FORMATS.items():
        for mode in MODES:
            path = folder / f"{fmt.lower()}-{mode.replace(';', '_').lower()}{ext}"
            try:
                as_mode(mode).save(path, fmt)
                with Image.open(path) as back:
                    back.load()
            except Exception:
                path.unlink(missing_ok=True)  # Pillow does not write (or read) this one
                continue
            out.append(path)
    return out


def psd(path: Path, im: Image.Image) -> Path:
    """A flat RGB Photoshop file (raw image data, no layers), as Photoshop writes
    its merged image."""
    im = im.convert("RGB")
    w, h = im.size
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, h, w, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)  # colour mode data, resources, layers
    planes = b"".join(im.getchannel(c).tobytes() for c in "RGB")
    path.write_bytes(header + sections + struct.pack(">H", 0) + planes)
    return path


def tiff_turned(path: Path, orientation: int) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    scene((90, 60)).save(path, "TIFF", exif=exif)
    return path


def narrow_16bit(path: Path) -> Path:
    """A 16-bit greyscale TIFF whose values sit in 30000-31000, left to right."""
    w, h = 200, 40
    im = Image.new("I", (w, h))
    im.putdata([30000 + 1000 * x // (w - 1) for _y in range(h) for x in range(w)])
    im.convert("I;16").save(path, "TIFF")
    return path


def colour_keyed_png(path: Path) -> Path:
    """An RGB PNG whose transparency is one colour (tRNS), here pure magenta."""
    im = scene((60, 40))
    im.paste((255, 0, 255), (30, 0, 60, 40))
    im.save(path, "PNG", transparency=(255, 0, 255))
    return path


def damaged_copies(sources: list[Path], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for src in sources:
        data = src.read_bytes()
        cut = folder / f"cut-{src.name}"
        cut.write_bytes(data[: max(40, len(data) // 3)])
        out.append(cut)
    garbage = folder / "noise.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    empty = folder / "empty.jpg"
    empty.write_bytes(b"")
    text = folder / "letter.jpg"
    text.write_text("Dear client, ...")
    return [*out, garbage, empty, text]


def video(
    path: Path, *, seconds: float = 2.0, size: tuple[int, int] = (320, 240), turn: int = 0
) -> Path:
    """An H.264/AAC MP4 with a marked top-left corner (red), a location and a title
    in its metadata, and (``turn`` = 90) a display matrix that says "turn 90 degrees
    clockwise to show it", as a phone held upright writes it."""
    import av
    import numpy as np

    w, h = size
    with av.open(str(path), "w") as out:
        out.metadata["location"] = "+52.5200+013.4050/"
        out.metadata["title"] = "Rehearsal"
        v = out.add_stream("libx264", rate=25)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = out.add_stream("aac", rate=44100)
        for _ in range(int(seconds * 25)):
            img = np.zeros((h, w, 3), np.uint8)
            img[:, :, 1] = 150
            img[: h // 4, : w // 4] = (230, 20, 20)
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        t = 0
        while t < seconds * 44100:
            tone = [math.sin(2 * math.pi * 440 * (t + i) / 44100) for i in range(1024)]
            frame = av.AudioFrame.from_ndarray(
                np.array([tone], dtype=np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate = 44100
            t += 1024
            for p in a.encode(frame):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    if turn:
        _turn_track(path)
    return path


def clip(path: Path, container: str, codec: str, options: dict[str, str] | None = None) -> Path:
    """A silent 10-frame clip, 160 x 120, in ``container`` (FFmpeg's name for it)."""
    import av
    import numpy as np

    with av.open(str(path), "w", format=container, options=options or {}) as out:
        v = out.add_stream(codec, rate=25)
        v.width, v.height, v.pix_fmt = 160, 120, "yuv420p"
        img = np.zeros((120, 160, 3), np.uint8)
        img[:, :, 1] = 150
        for _ in range(10):
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    return path


def _turn_track(path: Path) -> None:
    """Write a 90-degree display matrix into the first track's header (tkhd)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    version = data[at + 4]
    times = 8 + 8 + 4 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4
    matrix = at + 4 + 4 + times + 8 + 8
    data[matrix : matrix + 36] = struct.pack(">9i", 0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)
    path.write_bytes(bytes(data))


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()
