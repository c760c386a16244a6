"""Compact JSON for long documents, written and read one list item at a time.

``json.dumps`` and ``json.loads`` run in C and hold Python's interpreter lock
from the first byte to the last: a manifest of 10,000 files took 65-75 ms
either way on the project's machine, and the window's event loop, which
shares that lock with the upload threads, stood still for as long (the window
freezes visibly at about 50 ms). The functions here call into C once a list
item (a file), so another thread waits at most for one item. The text is the
same as ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` writes
and ``json.loads`` reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

#: One compact value (non-ASCII kept as is), as ``json.dumps`` with these options.
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def with_list(head: dict[str, Any], name: str, items: Iterable[str]) -> str:
    """``head`` with one more member, ``name``, last: a list of the values whose
    JSON texts are ``items`` (each made by :data:`encode`)."""
    opening = encode(head)[:-1]
    comma = "," if head else ""
    return f"{opening}{comma}{encode(name)}:[{','.join(items)}]}}"


def decode(data: bytes | str, name: str) -> Any:
    """``json.loads(data)``, but a top-level object's list member ``name`` is read
    item by item. Raises ``ValueError`` (``json.JSONDecodeError``) as it would."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    at = _skip(text, 0)
    if not text.startswith("{", at):
        return json.loads(text)  # not an object: nothing long to spread out
    doc: dict[str, Any] = {}
    at = _skip(text, at + 1)
    if text.startswith("}", at):
        return _end(text, at + 1, doc)
    while True:
        key, at = _DECODER.raw_decode(text, at)
        if not isinstance(key, str):
            raise json.JSONDecodeError("Expecting property name", text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
        at = _skip(text, at + 1)
        if key == name and text.startswith("[", at):
            doc[key], at = _list(text, at + 1)
        else:
            doc[key], at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if text.startswith("}", at):
            return _end(text, at + 1, doc)
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def _list(text: str, at: int) -> tuple[list[Any], int]:
    """The items of a list whose "[" ends just before ``at``, and where it ends."""
    items: list[Any] = []
    at = _skip(text, at)
    if text.startswith("]", at):
        return items, at + 1
    while True:
        item, at = _DECODER.raw_decode(text, at)
        items.append(item)
        at = _skip(text, at)
        if text.startswith("]", at):
            return items, at + 1
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    found = _SPACE.match(text, at)
    return found.end() if found else at


def _end(text: str, at: int, doc: dict[str, Any]) -> dict[str, Any]:
    if _skip(text, at) != len(text):
        raise json.JSONDecodeError("Extra data", text, at)
    return doc
