"""What the engine needs from whoever lists published files (the manifest writer).

The transfer layer does not know what a manifest or a web page is: it hands each
file's :class:`~lytsite_desktop.core.publish.entry.ManifestEntry` to a
:class:`Lister` and counts the file as published once the lister says the entry
is durable. ``core/publishing.py`` plugs the manifest writer in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from lytsite_desktop.core.publish.entry import ManifestEntry


class Lister(Protocol):
    def listed(self, project: str, path: str) -> ManifestEntry | None:
        """What the published listing has at ``path`` now (may ask the destination;
        raises TransferError when it cannot)."""
        ...

    def put(
        self, project: str, entry: ManifestEntry, durable: Callable[[], None] | None = None
    ) -> None:
        """List ``entry`` (merged over what is listed); ``durable()`` is called, on
        the lister's thread, once a write that includes it has succeeded."""
        ...

    def unlist(self, project: str, path: str, file_id: str) -> None:
        """Take ``path`` off the listing if it is this file and its original never
        arrived (a file given up on is not left listed by its preview)."""
        ...
