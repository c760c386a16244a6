"""Whether any image decoder claims a file its first bytes did not name.

A file :mod:`~lytsite_desktop.core.ingest.filetypes` does not recognise still
gets a preview when a decoder can read it, so it used to go to a preview worker
to be tried: a process round trip and a cache entry for every ZIP, document or
sidecar in a folder, about 2 ms of CPU each. Pillow itself decides in two steps:
each format's check of the first 16 bytes, then that format's header parser.
This asks the same checks here, and runs the parsers of the few formats that
have none (TGA, SPIDER, IM, IM Tools, IPTC, PhotoCD: pure Python, reading a
header only, decoding nothing); only a file one of them claims goes to a worker,
where the decoding happens. An ISO media file (``ftyp``) is always claimed: the
workers' HEIF decoder knows brands this list does not. Pillow's modules are
loaded on the first such file, not before.

The workers themselves start with the first file that wants one
(:func:`wants_a_worker`), not with the upload: a folder of documents, archives or
cached photos needs none. :func:`first_files_want_workers` is the command line's
early look, so a folder of photos still has them loading beside its own start.
"""

from __future__ import annotations

import logging
import struct
from itertools import islice
from typing import Any

from lytsite_desktop.core.ingest.filetypes import FileType, Kind, sniff
from lytsite_desktop.core.ingest.scan import ScanItem, scan

log = logging.getLogger(__name__)

#: What Pillow reads of a file before asking its formats' checks.
PREFIX_BYTES = 16
#: What a format's header parser raises for "not mine" (as Pillow's own open).
_NOT_MINE = (SyntaxError, IndexError, TypeError, struct.error)
#: Files the command line's early look reads the first bytes of, at most.
LOOK_AHEAD = 32


def named_by_first_bytes(ftype: FileType) -> bool:
    """A picture, PDF or video by its first bytes (no decoder asked)."""
    return not ftype.empty and ftype.kind is not Kind.OTHER


def wants_a_worker(ftype: FileType, path: str) -> bool:
    """Would a preview worker have anything to do with this file? Not with an empty
    one, nor with one every decoder rules out (it gets its note at once)."""
    return named_by_first_bytes(ftype) or (not ftype.empty and some_decoder_claims(path))


def first_files_want_workers(paths: list[str], look: int = LOOK_AHEAD) -> bool:
    """Is one of the first ``look`` files under ``paths`` (in the order an upload
    finds them) a picture, PDF or video by its first bytes? A cheap guess, for
    starting the workers early: a file only a decoder's own check claims starts
    them when its turn comes."""
    found = (item for item in scan(paths) if isinstance(item, ScanItem))
    for item in islice(found, look):
        try:
            if named_by_first_bytes(sniff(item.source)):
                return True
        except OSError:
            continue  # its upload says why
    return False


def some_decoder_claims(path: str) -> bool:
    """True when a decoder might read the file (a worker should try), False when
    every decoder rules it out by its header. Unreadable: True (the worker says why)."""
    from PIL import Image

    Image.init()  # every format, as a worker's decoder would try them
    try:
        with open(path, "rb") as fp:
            prefix = fp.read(PREFIX_BYTES)
            if prefix[4:8] == b"ftyp":
                return True
            unchecked = []
            for fmt in Image.ID:
                factory, accept = Image.OPEN[fmt]
                if accept is None:
                    unchecked.append(factory)
                elif accept(prefix):  # True, or a message: "mine, but unsupported"
                    return True
            return any(_parses(factory, fp, path) for factory in unchecked)
    except OSError:
        return True


def _parses(factory: Any, fp: Any, path: str) -> bool:
    fp.seek(0)
    try:
        factory(fp, path)
    except _NOT_MINE:
        return False
    except Exception:  # anything else (Pillow's open would raise it too): a worker says what
        log.debug("a header parser stopped on %s", path, exc_info=True)
    return True
