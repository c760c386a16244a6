"""The local library's files: sidecars written whole, empty folders pruned, and what
a disk's failure means to a photographer (a full disk waits; anything else fails)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from pathlib import Path

from lytsite_desktop.core.destinations.base import Headers
from lytsite_desktop.core.errors import PermanentError, TransientError, disk_words


def etag_of(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def sidecar(etag: str, metadata: dict[str, str], content_type: str, headers: Headers) -> dict:
    """An object's sidecar: what S3 would keep beside the bytes."""
    meta: dict = {"etag": etag, "metadata": metadata, "contentType": content_type}
    if headers.cache_control:
        meta["cacheControl"] = headers.cache_control
    if headers.content_disposition:
        meta["contentDisposition"] = headers.content_disposition
    return meta


def prune_empty(folder: Path, root: Path) -> None:
    """Remove ``folder`` and its parents while empty, up to ``root``."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict, root: Path) -> None:
    """Write ``data`` to ``path`` whole or not at all; a full disk (or any failure
    to write) is told as the library's (:func:`disk_error`)."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".meta-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            unlink_quietly(tmp)
        raise disk_error(exc, root) from exc


def unlink_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def disk_error(exc: OSError, root: Path) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return TransientError(
            f"the disk holding {root} is full; free some space to continue",
            patient=True,  # freed space lets the upload go on by itself
        )
    return PermanentError(f"Cannot write to the library folder: {disk_words(exc)} ({root}).")
