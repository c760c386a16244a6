"""What a file is, from its first bytes (the extension only breaks ties).

A JPEG named ``IMG_0001`` is still a JPEG; a text file named ``photo.jpg`` is not
an image. The kind decides how a preview is made and the Content-Type the
original is published with. First bytes are a first guess only: a file of a kind
not listed here still gets a preview when an image decoder can read it (the
decoders are asked first, then a preview worker reads it; see
:mod:`lytsite_desktop.core.previews.claims`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum

from lytsite_desktop.core.keys import content_type as guess_content_type

#: Bytes read from the start of a file to recognise it.
SNIFF_BYTES = 600


class Kind(StrEnum):
    IMAGE = "image"  # decoded by Pillow (JPEG, PNG, WebP, TIFF, GIF, HEIF, PSD, JPEG 2000 ...)
    RAW = "raw"  # camera raw: the preview comes from the embedded JPEG
    PDF = "pdf"
    VIDEO = "video"
    OTHER = "other"  # not recognised: a decoder is asked, else the original only


@dataclass(frozen=True)
class FileType:
    kind: Kind
    #: A short name for messages: "JPEG", "Canon CR3", "PDF", "MP4 video".
    label: str
    content_type: str
    #: Named like a picture (.jpg, .cr3 ...) but not recognised as one by content.
    misnamed: bool = False
    #: The file has no bytes at all.
    empty: bool = False


_RAW_EXTENSIONS = {
    ".cr2": "Canon CR2",
    ".cr3": "Canon CR3",
    ".nef": "Nikon NEF",
    ".nrw": "Nikon NRW",
    ".arw": "Sony ARW",
    ".srf": "Sony SRF",
    ".sr2": "Sony SR2",
    ".dng": "DNG",
    ".raf": "Fujifilm RAF",
    ".orf": "Olympus ORF",
    ".rw2": "Panasonic RW2",
    ".pef": "Pentax PEF",
    ".srw": "Samsung SRW",
    ".3fr": "Hasselblad 3FR",
    ".iiq": "Phase One IIQ",
}
_RAW_MIME = "image/x-raw"


def raw_named(path: str) -> bool:
    """Is the file named as a camera's raw (by its extension alone)?"""
    return os.path.splitext(path)[1].lower() in _RAW_EXTENSIONS


_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_HEIF_BRANDS |= {b"avis"}  # an AVIF sequence: its first image is the preview
_VIDEO_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"qt  ", b"m4v ",
    b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"MSNV", b"XAVC", b"dash",
    b"mp71", b"f4v ",
}  # fmt: skip
#: The atoms a QuickTime movie from before the "ftyp" header (older cameras) opens with.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
#: Other video containers by their first bytes (and the type one gets when its name
#: says nothing): MPEG program streams (.mpg, .vob), Windows Media, Flash video,
#: MXF (professional cameras). Transport streams (a camcorder's .mts) are below.
_VIDEO_MAGIC = (
    (b"\x00\x00\x01\xba", "video/mpeg"),
    (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"), "video/x-ms-asf"),
    (b"FLV\x01", "video/x-flv"),
    (b"\x06\x0e\x2b\x34", "application/mxf"),
)
#: An MPEG transport stream: 0x47 opens every 188-byte packet (AVCHD's .mts and
#: .m2ts put 4 bytes before each, making them 192).
_TS_SYNC = 0x47
#: JPEG XL (a photo exported by Lightroom, say): its label, decoded by pillow-jxl-plugin.
JPEG_XL = "JPEG XL"
#: Pictures known by their first bytes beyond the common ones: (magic, label, type).
_MORE_IMAGES = (
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", JPEG_XL, "image/jxl"),  # in its container
    (b"8BPS", "PSD", "image/vnd.adobe.photoshop"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000", "image/jp2"),
    (b"\xffO\xffQ", "JPEG 2000", "image/jp2"),
    (b"II+\x00", "BigTIFF", "image/tiff"),
    (b"MM\x00+", "BigTIFF", "image/tiff"),
    (b"qoif", "QOI", "image/qoi"),
    (b"DDS ", "DDS", "image/vnd-ms.dds"),
    (b"icns", "ICNS", "image/icns"),
    (b"\x00\x00\x01\x00", "ICO", "image/vnd.microsoft.icon"),
)
_PNM = {b"P1", b"P2", b"P3", b"P4", b"P5", b"P6", b"P7", b"Pf", b"PF"}


def sniff(path: str) -> FileType:
    """Recognise the file at ``path`` (reads its first bytes; never blocks on a FIFO)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        head = os.read(fd, SNIFF_BYTES)
    finally:
        os.close(fd)
    return classify(head, os.path.basename(path))


def classify(head: bytes, name: str) -> FileType:
    ext = os.path.splitext(name)[1].lower()
    named = guess_content_type(name)  # what the file's name says it is
    if not head:
        return FileType(Kind.OTHER, ext.lstrip(".").upper(), named, empty=True)
    for magic, label, mime in _MORE_IMAGES:
        if head.startswith(magic):
            return FileType(Kind.IMAGE, label, mime)
    if head[:2] == b"\xff\x0a" and ext == ".jxl":  # a bare JPEG XL codestream
        return FileType(Kind.IMAGE, JPEG_XL, "image/jxl")
    if head[:2] in _PNM and head[2:3] in (b" ", b"\t", b"\r", b"\n"):
        return FileType(Kind.IMAGE, "PNM", "image/x-portable-anymap")
    if head.startswith(b"\xff\xd8\xff"):
        return FileType(Kind.IMAGE, "JPEG", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType(Kind.IMAGE, "PNG", "image/png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType(Kind.IMAGE, "WebP", "image/webp")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FileType(Kind.IMAGE, "GIF", "image/gif")
    if head[:2] == b"BM" and len(head) >= 26:
        return FileType(Kind.IMAGE, "BMP", "image/bmp")
    if head.startswith(b"%PDF-"):
        return FileType(Kind.PDF, "PDF", "application/pdf")
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return FileType(Kind.RAW, "Fujifilm RAF", _RAW_MIME)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"crx ":
            return FileType(Kind.RAW, "Canon CR3", _RAW_MIME)
        if brand in _HEIF_BRANDS:
            avif = brand in (b"avif", b"avis")
            label, mime = ("AVIF", "image/avif") if avif else ("HEIF", "image/heic")
            return FileType(Kind.IMAGE, label, mime)
        if brand in _VIDEO_BRANDS or named.startswith("video/"):  # a brand not listed yet
            return FileType(Kind.VIDEO, "video", named)
    video_type = _video_container(head)
    if video_type is not None:
        return FileType(Kind.VIDEO, "video", named if named.startswith("video/") else video_type)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"IIU\x00"):
        return _tiff_family(head, ext)
    if head.startswith(b"\x1a\x45\xdf\xa3") or (head[:4] == b"RIFF" and head[8:11] == b"AVI"):
        return FileType(Kind.VIDEO, "video", named)
    misnamed = named.startswith(("image/", "video/")) or ext in _RAW_EXTENSIONS
    return FileType(Kind.OTHER, ext.lstrip(".").upper(), named, misnamed)


def _video_container(head: bytes) -> str | None:
    """The type of a video container known by its first bytes, None if it is not
    one (ISO media's "ftyp", Matroska's and AVI's are told in :func:`classify`)."""
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    for magic, kind in _VIDEO_MAGIC:
        if head.startswith(magic):
            return kind
    for first, size in ((0, 188), (4, 192)):
        if len(head) > first + 2 * size and all(
            head[first + k * size] == _TS_SYNC for k in range(3)
        ):
            return "video/mp2t"
    return None


def _tiff_family(head: bytes, ext: str) -> FileType:
    """TIFF and the raw formats built on it (CR2, NEF, ARW, DNG, ORF, RW2, PEF ...)."""
    if head[:4] in (b"IIRO", b"IIRS"):
        return FileType(Kind.RAW, "Olympus ORF", _RAW_MIME)
    if head[:4] == b"IIU\x00":
        return FileType(Kind.RAW, "Panasonic RW2", _RAW_MIME)
    if head[8:10] == b"CR":
        return FileType(Kind.RAW, "Canon CR2", _RAW_MIME)
    if ext in _RAW_EXTENSIONS:
        return FileType(Kind.RAW, _RAW_EXTENSIONS[ext], _RAW_MIME)
    return FileType(Kind.IMAGE, "TIFF", "image/tiff")
