"""Building real engines against the test server (no mocks: real HTTP, real journal)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lytsite_desktop.core.config.paths import AppPaths
from lytsite_desktop.core.config.settings import TransferSettings
from lytsite_desktop.core.destinations.resolve import parse_s3_url
from lytsite_desktop.core.destinations.s3 import S3Destination
from lytsite_desktop.core.events import Event
from lytsite_desktop.core.previews.maker import PreviewMaker
from lytsite_desktop.core.runs import open_engine
from lytsite_desktop.core.sizes import MiB
from lytsite_desktop.core.store.journal import Journal
from lytsite_desktop.core.transfer.engine import TransferEngine, UploadRequest
from tests.conftest import dest_url


def s3_destination(
    bucket: str, endpoint: str, *, read_timeout: float = 10.0, checksum: str = "sha256"
) -> S3Destination:
    return S3Destination(
        parse_s3_url(dest_url(bucket, endpoint, checksum=checksum)),
        None,
        max_connections=16,
        connect_timeout=2.0,
        read_timeout=read_timeout,
    )


def journal() -> Journal:
    return Journal(AppPaths.discover().journal_file)


def engine(
    bucket: str,
    endpoint: str,
    *,
    read_timeout: float = 10.0,
    previews: PreviewMaker | None = None,
    checksum: str = "sha256",
    **settings: Any,
) -> TransferEngine:
    defaults: dict[str, Any] = {"part_size": 5 * MiB, "multipart_threshold": 6 * MiB}
    defaults.update(settings)
    return open_engine(
        s3_destination(bucket, endpoint, read_timeout=read_timeout, checksum=checksum),
        journal(),
        TransferSettings(**defaults),
        previews=previews,
    ).engine


def requests_for(folder: Path, project: str = "shoot") -> list[UploadRequest]:
    return [
        UploadRequest(str(p), p.relative_to(folder).as_posix(), project)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]


class Recorder:
    """Subscriber keeping every event; ``when`` runs a callback on a matching event."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._hooks: list[tuple[Callable[[Event], bool], Callable[[], None]]] = []

    def when(self, predicate: Callable[[Event], bool], action: Callable[[], None]) -> None:
        self._hooks.append((predicate, action))

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        for hook in list(self._hooks):
            predicate, action = hook
            if predicate(event):
                self._hooks.remove(hook)
                action()

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
