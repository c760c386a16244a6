"""Test images made on the spot: ICC profiles, EXIF orientations, GPS, bombs, raw files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

# -- ICC profiles (matrix/TRC, ICC v2), built from primaries like the real ones -------------

D65 = (0.3127, 0.3290)
D50_XYZ = (0.9642, 1.0, 0.8249)
_BRADFORD = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]


def _inv(m: list[list[float]]) -> list[list[float]]:
    a, b, c = m[0]
    d, e, f = m[1]
    g, h, i = m[2]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [
        [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
        [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
        [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
    ]


def _mul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    return [[sum(a[r][k] * b[k][c] for k in range(3)) for c in range(3)] for r in range(3)]


def _vec(m: list[list[float]], v: tuple[float, ...]) -> tuple[float, float, float]:
    return tuple(sum(m[r][k] * v[k] for k in range(3)) for r in range(3))  # type: ignore[return-value]


def _xyz(xy: tuple[float, float]) -> tuple[float, float, float]:
    x, y = xy
    return (x / y, 1.0, (1 - x - y) / y)


def rgb_to_xyz(primaries: list[tuple[float, float]], white=D65) -> list[list[float]]:
    """The linear RGB -> XYZ matrix of a colour space (white at Y=1)."""
    cols = [_xyz(p) for p in primaries]
    m = [[cols[c][r] for c in range(3)] for r in range(3)]
    s = _vec(_inv(m), _xyz(white))
    return [[m[r][c] * s[c] for c in range(3)] for r in range(3)]


def _adapt_to_d50(white: tuple[float, float] = D65) -> list[list[float]]:
    src = _vec(_BRADFORD, _xyz(white))
    dst = _vec(_BRADFORD, D50_XYZ)
    scale = [[dst[i] / src[i] if i == j else 0.0 for j in range(3)] for i in range(3)]
    return _mul(_inv(_BRADFORD), _mul(scale, _BRADFORD))


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _tag_xyz(v) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)


def _tag_text(text: str) -> bytes:
    data = text.encode() + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(data)) + data + b"\0" * 79


def _icc(tags: list[tuple[bytes, bytes]], device: bytes, space: bytes, pcs: bytes) -> bytes:
    """An ICC v2 profile: the 128-byte header, the tag table, the tags."""
    offset = 128 + 4 + 12 * len(tags)
    table, blob = b"", b""
    for sig, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(blob), len(data))
        blob += data
    body = struct.pack(">I", len(tags)) + table + blob
    header = bytearray(128)
    struct.pack_into(">I", header, 0, 128 + len(body))
    header[8:12] = bytes([2, 0x10, 0, 0])
    header[12:16], header[16:20], header[20:24] = device, space, pcs
    header[36:40] = b"acsp"
    header[68:80] = b"".join(_s15(c) for c in D50_XYZ)
    return bytes(header) + body


def make_profile(name: str, primaries, gamma: float, white: tuple[float, float] = D65) -> bytes:
    """An ICC v2 RGB display profile: given primaries and white, a pure gamma curve."""
    m = _mul(_adapt_to_d50(white), rgb_to_xyz(primaries, white))
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags = [
        (b"desc", _tag_text(name)),
        (b"wtpt", _tag_xyz(D50_XYZ)),
        (b"rXYZ", _tag_xyz([m[0][0], m[1][0], m[2][0]])),
        (b"gXYZ", _tag_xyz([m[0][1], m[1][1], m[2][1]])),
        (b"bXYZ", _tag_xyz([m[0][2], m[1][2], m[2][2]])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0public domain\0"),
    ]
    return _icc(tags, b"mntr", b"RGB ", b"XYZ ")


SRGB_PRIMARIES = [(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)]
D50 = (0.3457, 0.3585)

#: Wide-gamut working spaces photographers embed: (primaries, gamma, white).
#: Display P3's real curve is sRGB's; a 2.2 gamma stands in for it here, and the
#: expected values below use the same curve, so the test stays exact.
SPACES = {
    "Adobe RGB (1998)": ([(0.64, 0.33), (0.21, 0.71), (0.15, 0.06)], 563 / 256, D65),
    "Display P3": ([(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)], 2.2, D65),
    "ProPhoto RGB": ([(0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001)], 1.8, D50),
}


def profile_for(space: str) -> bytes:
    primaries, gamma, white = SPACES[space]
    return make_profile(f"{space} test", primaries, gamma, white)


def adobe_rgb_profile() -> bytes:
    return profile_for("Adobe RGB (1998)")


def _srgb_to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def srgb_to_space(rgb: tuple[int, int, int], space: str) -> tuple[int, int, int]:
    """The encoding of an sRGB colour in ``space`` (plain math, no lcms): to XYZ,
    Bradford-adapted between the whites, then into the space and its curve."""
    primaries, gamma, white = SPACES[space]
    lin = tuple(_srgb_to_linear(c / 255) for c in rgb)
    xyz_d50 = _vec(_adapt_to_d50(D65), _vec(rgb_to_xyz(SRGB_PRIMARIES), lin))
    xyz = _vec(_inv(_adapt_to_d50(white)), xyz_d50)
    out = _vec(_inv(rgb_to_xyz(primaries, white)), xyz)
    return tuple(round(255 * max(0.0, min(1.0, v)) ** (1 / gamma)) for v in out)  # type: ignore[return-value]


def srgb_to_adobe(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    return srgb_to_space(rgb, "Adobe RGB (1998)")


# -- EXIF ----------------------------------------------------------------------------------

#: How to store an upright image so that EXIF orientation ``n`` shows it upright.
STORE_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def marked_image(size=(400, 300)) -> Image.Image:
    """Green, with a red block in the top-left corner: shows which way is up."""
    im = Image.new("RGB", size, (20, 160, 40))
    im.paste((230, 20, 20), (0, 0, size[0] // 4, size[1] // 4))
    return im


def scene(size=(3000, 2000), seed: int = 0) -> Image.Image:
    """A landscape-like picture (sky, sun, hills) for screenshots and benchmarks:
    each seed a different one, so a gallery of them reads like a shoot."""
    import random

    from PIL import ImageDraw, ImageOps

    rnd = random.Random(seed)
    w, h = size
    hue = rnd.choice(
        [((250, 170, 110), (70, 90, 160)), ((170, 210, 240), (40, 90, 170)),
         ((250, 210, 160), (200, 90, 80)), ((200, 220, 230), (110, 130, 150))]
    )  # fmt: skip
    sky = Image.linear_gradient("L").resize((w, h)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    im = ImageOps.colorize(sky, black=hue[1], white=hue[0])
    draw = ImageDraw.Draw(im)
    r = h // rnd.randint(9, 14)
    cx, cy = rnd.randint(w // 6, 5 * w // 6), rnd.randint(h // 8, h // 3)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 240, 200))
    for layer in range(3):
        base = h * (0.45 + 0.15 * layer)
        shade = 40 + 45 * (2 - layer)
        colour = (shade // 2 + rnd.randint(0, 30), shade + rnd.randint(0, 40), shade // 2 + 20)
        points = [(0, h)]
        for x in range(0, w + w // 8, w // 8):
            points.append((x, base + rnd.uniform(-h / 10, h / 10)))
        points.append((w, h))
        draw.polygon(points, fill=colour)
    return im


def exif_with(orientation: int = 1, gps: bool = False, camera: bool = False) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    if camera:
        exif[0x010F] = "Lytsite"
        exif[0x0110] = "TestCam 1"
        sub = exif.get_ifd(0x8769)
        sub[0x829A] = 1 / 250
        sub[0x829D] = 2.8
        sub[0x8827] = 400
        sub[0x9003] = "2026:11:24 10:30:00"
    if gps:
        g = exif.get_ifd(0x8825)
        g[1], g[2] = "N", (52.0, 31.0, 12.0)
        g[3], g[4] = "E", (13.0, 24.0, 36.0)
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="52,31.2N"/></rdf:RDF></x:xmpmeta>'
)


def jpeg_bytes(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=kw.pop("quality", 92), **kw)
    return buf.getvalue()


# -- hazards --------------------------------------------------------------------------------


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims ``width`` x ``height`` (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def rgb48_tiff(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (64, 32)) -> None:
    """An uncompressed 16-bit-per-channel RGB TIFF (a scanner's or an editor's export)."""
    from tests.support.dng import LONG, SHORT, ifd

    w, h = size
    pixels = struct.pack("<HHH", *rgb) * (w * h)
    offset = 8 + len(pixels)
    entries = {
        256: (LONG, [w]), 257: (LONG, [h]), 258: (SHORT, [16, 16, 16]), 259: (SHORT, [1]),
        262: (SHORT, [2]), 273: (LONG, [8]), 277: (SHORT, [3]), 278: (LONG, [h]),
        279: (LONG, [len(pixels)]), 284: (SHORT, [1]),
    }  # fmt: skip
    path.write_bytes(b"II*\0" + struct.pack("<I", offset) + pixels + ifd(entries, offset, 0))


# -- a CMYK press profile (ICC v2 output class, one 16-bit CMYK -> Lab table) ---------------

#: What each pure ink looks like on this imaginary press, in sRGB: not what a naive
#: "255 minus ink" conversion gives, so a test can tell the profile was used.
PRESS = {
    "paper": (246, 242, 232),
    "C": (0, 150, 210),
    "M": (220, 20, 130),
    "Y": (250, 220, 20),
    "K": (35, 31, 32),
}


def _srgb_to_lab_d50(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    lin = tuple(_srgb_to_linear(c / 255) for c in rgb)
    x, y, z = _vec(_adapt_to_d50(D65), _vec(rgb_to_xyz(SRGB_PRIMARIES), lin))
    xn, yn, zn = D50_XYZ

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x / xn), f(y / yn), f(z / zn)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def press_colour(c: int, m: int, y: int, k: int) -> tuple[int, int, int]:
    """The sRGB colour of a corner of the ink cube (each ink 0 or 1): inks multiply,
    relative to paper."""
    out = list(PRESS["paper"])
    paper = PRESS["paper"]
    for on, ink in ((c, "C"), (m, "M"), (y, "Y"), (k, "K")):
        if on:
            out = [round(o * i / p) for o, i, p in zip(out, PRESS[ink], paper, strict=True)]
    return out[0], out[1], out[2]


def cmyk_profile() -> bytes:
    """An output profile whose A2B0 maps the 16 corners of the ink cube to Lab."""
    clut = b""
    for c in (0, 1):
        for m in (0, 1):
            for y in (0, 1):
                for k in (0, 1):
                    lab_l, a, b = _srgb_to_lab_d50(press_colour(c, m, y, k))
                    clut += struct.pack(
                        ">HHH",
                        round(max(0.0, min(100.0, lab_l)) / 100 * 0xFF00),
                        round((a + 128) * 256),
                        round((b + 128) * 256),
                    )
    identity = b"".join(_s15(1.0 if r == c else 0.0) for r in range(3) for c in range(3))
    ramp = struct.pack(">HH", 0, 0xFFFF)
    a2b0 = (
        b"mft2\0\0\0\0" + bytes([4, 3, 2, 0]) + identity + struct.pack(">HH", 2, 2)
        + ramp * 4 + clut + ramp * 3
    )  # fmt: skip
    tags = [
        (b"desc", _tag_text("Lytsite test press CMYK")),
        (b"wtpt", _tag_xyz(D50_XYZ)),
        (b"A2B0", a2b0),
        (b"cprt", b"text\0\0\0\0public domain\0"),
    ]
    return _icc(tags, b"prtr", b"CMYK", b"Lab ")
