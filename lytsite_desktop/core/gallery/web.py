"""Publishing the client's page (:mod:`.page`): beside the manifest in the bucket,
its assets put once per version; or as a folder that opens offline."""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lytsite_desktop.core.backoff import tried
from lytsite_desktop.core.destinations.base import Destination
from lytsite_desktop.core.errors import TransferError
from lytsite_desktop.core.gallery.layout import relative_key
from lytsite_desktop.core.gallery.page import ASSETS, PAGE, asset, render_index
from lytsite_desktop.core.keys import project_prefix
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.core.publish.headers import ASSETS as ASSETS_CACHE
from lytsite_desktop.core.publish.headers import REVALIDATE
from lytsite_desktop.core.publish.manifest import Manifest

log = logging.getLogger(__name__)


class WebPages:
    """A destination's client pages for one run. A project's assets are checked
    once (one HEAD of the last one: a single PUT's ETag is its MD5, on S3, R2, B2
    and MinIO alike) and put if they are not this version, side by side (on a
    long link one round trip for all of them), the one the HEAD asks about last.
    ``assets`` may be called as soon as the project's manifest is first written,
    so that at the end of a batch the HEAD finds them there and only the page
    goes up. ``page`` puts the page beside them: asked about again when this run
    has put or found them (the project may have been taken down since), put when
    it has not, or at once when the project is new and this run has not put them.
    ``ahead`` puts them before the batch's first file (see :meth:`ahead`). One
    project's assets are put by one caller at a time: another waits for it."""

    def __init__(self, destination: Destination) -> None:
        self._dest = destination
        self._current: set[str] = set()
        self._seen: set[str] = set()  # put or found by this run, once at least
        self._putting: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def ahead(self, projects: Iterable[str]) -> None:
        """Put these projects' assets now, without asking (projects new to this
        computer), on a thread of their own: they are needed anyway, and the
        store's answer to them proves the keys before the first photos go, so
        those need not ask "100 Continue" first. A project published from
        another computer gets the same small files again. A failure is logged;
        the first manifest write tries again."""
        wanted = sorted(set(projects))

        def put() -> None:
            for project in wanted:
                try:
                    self.assets(project, new=True)
                except TransferError as exc:
                    log.info("the page's assets of %s not put ahead: %s", project, exc)

        if wanted:
            threading.Thread(target=put, name="lytsite-assets-ahead", daemon=True).start()

    def assets(self, project: str, *, new: bool = False) -> None:
        """Put the project's assets unless they are there (``new``: the project had
        no manifest, so they cannot be: put them without asking)."""
        while True:
            with self._lock:
                if project in self._current:
                    return
                other = self._putting.get(project)
                if other is None:
                    mine = self._putting[project] = threading.Event()
                    break
            other.wait()  # another caller's put: done, or failed (then this one tries)
        try:
            self._put_assets(project, new)
        finally:
            with self._lock:
                del self._putting[project]
            mine.set()

    def _put_assets(self, project: str, new: bool) -> None:
        prefix = project_prefix(project)
        last = ASSETS[-1][0]
        info = None if new else tried(lambda: self._dest.head(prefix + last), "the page's assets")
        if (
            info is None
            or info.etag.strip('"') != hashlib.md5(asset(last), usedforsecurity=False).hexdigest()
        ):

            def put(name: str, kind: str) -> str:
                return tried(lambda: self._dest.put_bytes(
                    prefix + name, asset(name), f"{kind}; charset=utf-8", cache_control=ASSETS_CACHE
                ), name)  # fmt: skip

            with ThreadPoolExecutor(len(ASSETS) - 1, "lytsite-assets") as pool:
                for done in [pool.submit(put, n, k) for n, k in ASSETS[:-1]]:
                    done.result()
            put(*ASSETS[-1])
        with self._lock:
            self._current.add(project)
            self._seen.add(project)

    def page(self, manifest: Manifest, new: bool = False) -> None:
        """Put the page next to the project's manifest, beside its assets (``new``:
        the project had no manifest before the one this page is drawn from)."""
        project = manifest.project
        with self._lock:
            self._current.discard(project)
            # Put ahead by this run: asked about (in the page's round trip), not
            # put again (two round trips: the last asset goes after the others).
            new = new and project not in self._seen
        key = project_prefix(project) + PAGE
        body = render_index(manifest).encode()
        with ThreadPoolExecutor(1, "lytsite-assets") as pool:
            asking = pool.submit(self.assets, project, new=new)
            tried(lambda: self._dest.put_bytes(key, body, "text/html; charset=utf-8",
                                               cache_control=REVALIDATE), key)  # fmt: skip
            asking.result()


def publish_pages(destination: Destination, manifest: Manifest) -> None:
    """Put the project's page, and its assets when the bucket's are not this version."""
    WebPages(destination).page(manifest)


def export(
    manifest: Manifest,
    out: Path,
    rendition: Callable[[ManifestEntry, str], Path | None],
    original: Callable[[ManifestEntry, Path], bool] | None,
    *,
    originals_url: str | None = None,
) -> list[str]:
    """Write the gallery as a folder that opens offline: the page, its assets, the
    previews and thumbnails (``rendition(entry, "preview"|"thumb")`` says where
    they are on this computer), and the originals when ``original(entry, target)``
    is given (it puts one there and says whether it could). Without originals,
    download links go to ``originals_url`` (the public bucket), or are left out.
    Returns the problems, one line each (a file it could not include)."""
    prefix = project_prefix(manifest.project)
    problems: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    for entry in manifest.files.values():
        for which in ("thumb", "preview"):
            r = getattr(entry, which)
            if r is None:
                continue
            source = rendition(entry, which)
            if source is None:
                problems.append(f"{entry.path}: its {which} is not on this computer")
                continue
            target = out / relative_key(prefix, r.key)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        if original is not None and entry.originalKey:
            target = out / relative_key(prefix, entry.originalKey)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not original(entry, target):
                problems.append(f"{entry.path}: the original could not be copied")
    for name, _kind in ASSETS:
        (out / name).write_bytes(asset(name))
    links = "" if original is not None else originals_url
    (out / PAGE).write_text(render_index(manifest, originals=links), "utf-8")
    return problems
