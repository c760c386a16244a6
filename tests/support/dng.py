"""A minimal DNG (tiny CFA raw + an embedded JPEG preview), written by hand."""

from __future__ import annotations

import struct

# TIFF field types
_BYTE, _ASCII, SHORT, LONG, _RATIONAL, _SRATIONAL = 1, 2, 3, 4, 5, 10
_SIZES = {_BYTE: 1, _ASCII: 1, SHORT: 2, LONG: 4, _RATIONAL: 8, _SRATIONAL: 8}


def _pack_values(typ: int, values: list) -> bytes:
    if typ in (_BYTE, _ASCII):
        return bytes(values)
    if typ == SHORT:
        return struct.pack(f"<{len(values)}H", *values)
    if typ == LONG:
        return struct.pack(f"<{len(values)}I", *values)
    if typ == _RATIONAL:
        return b"".join(struct.pack("<II", n, d) for n, d in values)
    return b"".join(struct.pack("<ii", n, d) for n, d in values)


def ifd(entries: dict[int, tuple[int, list]], start: int, next_ifd: int) -> bytes:
    """An IFD at offset ``start`` whose out-of-line values follow it."""
    tags = sorted(entries)
    head = 2 + 12 * len(tags) + 4
    extra = b""
    out = struct.pack("<H", len(tags))
    for tag in tags:
        typ, values = entries[tag]
        data = _pack_values(typ, values)
        count = len(values)
        if len(data) <= 4:
            out += struct.pack("<HHI", tag, typ, count) + data.ljust(4, b"\0")
        else:
            out += struct.pack("<HHII", tag, typ, count, start + head + len(extra))
            extra += data + (b"\0" if len(data) % 2 else b"")
    return out + struct.pack("<I", next_ifd) + extra


def make_dng(jpeg: bytes, jpeg_size: tuple[int, int], *, orientation: int = 1) -> bytes:
    raw_w, raw_h = 64, 48
    raw = bytes(raw_w * raw_h * 2)  # 16-bit zeros
    # Layout: header | raw data | jpeg | IFD0 | SubIFD
    raw_off = 8
    jpeg_off = raw_off + len(raw)
    ifd0_off = jpeg_off + len(jpeg) + (len(jpeg) % 2)
    model = list(b"Lytsite TestCam\0")
    ifd0_entries = {
        254: (LONG, [1]),  # NewSubfileType: reduced-resolution preview
        256: (LONG, [jpeg_size[0]]),
        257: (LONG, [jpeg_size[1]]),
        258: (SHORT, [8, 8, 8]),
        259: (SHORT, [7]),  # JPEG
        262: (SHORT, [6]),  # YCbCr
        271: (_ASCII, list(b"Lytsite\0")),
        272: (_ASCII, model),
        273: (LONG, [jpeg_off]),
        274: (SHORT, [orientation]),
        277: (SHORT, [3]),
        278: (LONG, [jpeg_size[1]]),
        279: (LONG, [len(jpeg)]),
        330: (LONG, [0]),  # SubIFDs: patched below
        50706: (_BYTE, [1, 4, 0, 0]),  # DNGVersion
        50707: (_BYTE, [1, 1, 0, 0]),
        50708: (_ASCII, model),  # UniqueCameraModel
        50721: (
            _SRATIONAL,
            [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)],
        ),
        50778: (SHORT, [21]),  # CalibrationIlluminant1: D65
    }
    size0 = len(ifd(ifd0_entries, ifd0_off, 0))
    sub_off = ifd0_off + size0 + (size0 % 2)
    ifd0_entries[330] = (LONG, [sub_off])
    ifd0 = ifd(ifd0_entries, ifd0_off, 0)
    sub_entries = {
        254: (LONG, [0]),  # the full-resolution raw
        256: (LONG, [raw_w]),
        257: (LONG, [raw_h]),
        258: (SHORT, [16]),
        259: (SHORT, [1]),
        262: (SHORT, [32803]),  # CFA
        273: (LONG, [raw_off]),
        277: (SHORT, [1]),
        278: (LONG, [raw_h]),
        279: (LONG, [len(raw)]),
        33421: (SHORT, [2, 2]),  # CFARepeatPatternDim
        33422: (_BYTE, [0, 1, 1, 2]),  # CFAPattern RGGB
        50717: (LONG, [65535]),  # WhiteLevel
    }
    sub = ifd(sub_entries, sub_off, 0)
    header = b"II*\0" + struct.pack("<I", ifd0_off)
    body = header + raw + jpeg + b"\0" * (len(jpeg) % 2) + ifd0 + b"\0" * (size0 % 2) + sub
    return body
