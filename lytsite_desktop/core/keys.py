"""Naming things in the bucket: project slugs, file ids and object keys."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """'Wedding 2026 — Ana & João' -> 'wedding-2026-ana-joao'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _SLUG_STRIP.sub("-", ascii_name.lower()).strip("-")
    return slug[:80].strip("-") or "untitled"


def file_id(sha256: str, rel_path: str) -> str:
    """Stable id of one file in a project: its content and its place in the gallery.

    The same bytes at the same path always get the same id (so publishing twice
    sends nothing); new content gets a new id (so no cache serves stale bytes).
    """
    return hashlib.sha256(f"{sha256}\0{rel_path}".encode()).hexdigest()[:16]


def project_prefix(project: str) -> str:
    return f"projects/{project}/"


#: S3, R2 and B2 refuse keys longer than this many UTF-8 bytes.
MAX_KEY_BYTES = 1024
#: Room kept for a destination's own prefix (``s3://bucket/PREFIX``).
MAX_PREFIX_BYTES = 256


def _fit(folder: str, name: str) -> str:
    """``folder + name``, the name's stem shortened (at a character boundary, the
    extension kept) if the key would pass the limit with a destination prefix."""
    budget = MAX_KEY_BYTES - MAX_PREFIX_BYTES - len(folder.encode())
    if len(name.encode()) <= budget:
        return folder + name
    path = PurePosixPath(name)
    suffix = path.suffix if len(path.suffix.encode()) < 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    room = budget - len(suffix.encode())
    short = stem.encode()[:room].decode("utf-8", "ignore")
    return folder + short + suffix


def original_key(project: str, fid: str, rel_path: str) -> str:
    return _fit(f"projects/{project}/files/{fid}/", PurePosixPath(rel_path).name)


def rendition_key(project: str, role: str, fid: str, rel_path: str, ext: str, tag: str = "") -> str:
    """Key of a preview (``role`` "previews") or thumbnail ("thumbs"); ``tag``
    names a watermark burned into it (``IMG_0412.1f3a9c0e.webp``), so its key
    changes with the watermark."""
    folder, name = f"projects/{project}/{role}/{fid}/", f"{PurePosixPath(rel_path).stem}.{ext}"
    if not tag:
        return _fit(folder, name)
    short = _fit(folder + tag + ".", name)[len(folder) + len(tag) + 1 :]  # room kept for it
    return f"{folder}{short[: -len(ext) - 1]}.{tag}.{ext}"


def manifest_key(project: str) -> str:
    return f"projects/{project}/manifest.json"


#: Types by ending, for what photographers publish beside their photos. The table
#: is the app's, never the computer's (``/etc/mime.types``, the Windows registry,
#: as Python's ``mimetypes`` reads them), so a file gets the same Content-Type from
#: every computer; and reading those costs a start 10-20 ms.
_TYPES = {
    # pictures
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg", "png": "image/png",
    "gif": "image/gif", "webp": "image/webp", "bmp": "image/bmp", "tif": "image/tiff",
    "tiff": "image/tiff", "heic": "image/heic", "heif": "image/heif",
    "heics": "image/heic-sequence", "avif": "image/avif", "avifs": "image/avif",
    "jxl": "image/jxl", "psd": "image/vnd.adobe.photoshop", "jp2": "image/jp2",
    "svg": "image/svg+xml", "ico": "image/vnd.microsoft.icon",
    # video and sound
    "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime", "qt": "video/quicktime",
    "avi": "video/x-msvideo", "mkv": "video/x-matroska", "webm": "video/webm",
    "mts": "video/mp2t", "m2ts": "video/mp2t", "mpg": "video/mpeg", "mpeg": "video/mpeg",
    "3gp": "video/3gpp", "wmv": "video/x-ms-wmv", "flv": "video/x-flv",
    "mxf": "application/mxf", "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac",
    "wav": "audio/x-wav", "flac": "audio/flac", "ogg": "audio/ogg",
    # documents, archives, sidecars
    "pdf": "application/pdf", "txt": "text/plain", "md": "text/markdown", "csv": "text/csv",
    "rtf": "application/rtf", "html": "text/html", "htm": "text/html", "xml": "text/xml",
    "json": "application/json", "xmp": "application/rdf+xml", "epub": "application/epub+zip",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip", "7z": "application/x-7z-compressed", "rar": "application/vnd.rar",
    "tar": "application/x-tar", "gz": "application/gzip", "tgz": "application/gzip",
}  # fmt: skip


def content_type(name: str) -> str:
    """What a file's name says it is (``application/octet-stream``: nothing known)."""
    ending = PurePosixPath(name).suffix[1:].lower()
    return _TYPES.get(ending, "application/octet-stream")
