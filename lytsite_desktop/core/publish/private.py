"""Private links: a project published with an unguessable address.

Its slug gets a random part (``wedding-anna-k3f9x2q7mzt4``: 60 bits from the
operating system's generator), chosen once and kept: the next private publish
of the same name finds the project in the bucket (any computer does) by its
address and its manifest, which says ``private``. The title stays as typed.
"""

from __future__ import annotations

import re
import secrets

from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.publish.manifest import read

#: Letters of the random part (RFC 4648 base32, lower case: no 0/1/8/9 to misread).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LENGTH = 12


def random_part() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(LENGTH))


def private_slug(destination: Destination, slug: str) -> str:
    """The private project ``slug`` already has at ``destination``, else a new one."""
    if re.fullmatch(rf".+-[{_ALPHABET}]{{{LENGTH}}}", slug) and _is_private(destination, slug):
        return slug  # already a private project's own slug
    pattern = re.compile(rf"{re.escape(slug)}-[{_ALPHABET}]{{{LENGTH}}}")
    for folder in sorted(destination.list_folders("projects/")):
        if pattern.fullmatch(folder) and _is_private(destination, folder):
            return folder
    return f"{slug}-{random_part()}"


def _is_private(destination: Destination, project: str) -> bool:
    return read(destination, project).manifest.private is True
