"""What each published object tells a browser (the table in ``shared/DESIGN.md``)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from lytsite_desktop.core.destinations.base import Headers

#: Originals and renditions never change under their key (a new version gets a new id).
IMMUTABLE = "public, max-age=31536000, immutable"
#: manifest.json and index.html: revalidated on every visit.
REVALIDATE = "no-cache"
#: The page's CSS and JS keep their names across versions: cached briefly.
ASSETS = "public, max-age=300"

RENDITION = Headers(cache_control=IMMUTABLE, content_disposition="inline")

#: RFC 5987 attr-char: what a ``filename*`` value may carry unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"
_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\%;]')


def original(rel_path: str) -> Headers:
    """An original downloads under its own name, whatever its key became."""
    return Headers(cache_control=IMMUTABLE, content_disposition=attachment(rel_path))


def attachment(rel_path: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old browsers and the exact
    name as ``filename*`` (RFC 6266)."""
    name = PurePosixPath(rel_path).name or "download"
    plain = _ascii(PurePosixPath(name).stem) or "download"
    plain += _ascii(PurePosixPath(name).suffix)
    exact = quote(name, safe=_ATTR_CHARS)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{exact}"


def _ascii(text: str) -> str:
    """Close to ``text`` in printable ASCII that is safe in a quoted header value."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _UNSAFE_ASCII.sub("_", plain).strip()
