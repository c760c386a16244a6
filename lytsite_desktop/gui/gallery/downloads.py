"""Originals opened from the Gallery tab's lightbox.

The file on this computer when it is still there and unchanged since it was
published; else a download from the bucket into the downloads folder, resumable
(asked again while it runs, it pauses; the next time it continues) and checked
against the manifest's SHA-256 before it gets its name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

from lytsite_desktop.core.app import App
from lytsite_desktop.core.errors import ConfigError, Interrupted, TransferError
from lytsite_desktop.core.gallery.originals import download_original, local_original
from lytsite_desktop.core.gallery.projects import ProjectRef
from lytsite_desktop.core.publish.entry import ManifestEntry
from lytsite_desktop.gui.background import Background, Throttle


class OriginalDownloads:
    """``note(index, text)`` and ``progress(index, done, total)`` tell the lightbox;
    ``open_file(path)`` hands the original to the desktop."""

    def __init__(
        self,
        app: App,
        background: Background,
        *,
        note: Callable[[int, str], None],
        progress: Callable[[int, int, int], None],
        open_file: Callable[[Path], object],
    ) -> None:
        self.app, self.background = app, background
        self._note, self._progress, self._open = note, progress, open_file
        self._running: dict[str, threading.Event] = {}  # by original key

    def toggle(self, ref: ProjectRef, entry: ManifestEntry, index: int) -> None:
        key = entry.originalKey or ""
        if key in self._running:
            self._running[key].set()  # pressed again: pause
            return
        stop = self._running[key] = threading.Event()
        target = self.app.paths.downloads_dir / ref.project / entry.path
        self._note(index, "Looking for the original…")

        def report(value: object) -> None:
            done, total = cast(tuple[int, int], value)
            self.background.post(lambda _: self._progress(index, done, total), None)

        progress = Throttle(report)

        def work() -> tuple[str, object]:
            source = local_original(self.app.journal, ref.dest, ref.project, entry)
            if source is not None:
                return "open", source
            try:
                destination = self.app.open_ident(ref.dest)
                try:
                    path = download_original(
                        destination,
                        entry,
                        target,
                        lambda done, total: progress((done, total), final=done == total),
                        stop.is_set,
                    )
                finally:
                    destination.close()
            except Interrupted:
                return "note", "Download paused; press again to continue where it stopped."
            except (TransferError, ConfigError) as exc:
                return "note", f"Could not download it: {exc}. What arrived is kept."
            except OSError as exc:
                return "note", f"Could not save it in {target.parent}: {exc.strerror or exc}"
            return "saved", path

        def failed(exc: Exception) -> None:
            self._running.pop(key, None)
            self._note(index, "Could not download it; the log has the details.")

        def done(answer: tuple[str, object]) -> None:
            self._running.pop(key, None)
            what, value = answer
            if what == "open":
                self._note(index, "Opened from this computer (unchanged since upload).")
                self._open(Path(str(value)))
            elif what == "saved":
                self._note(index, f"Saved to {value}")
                self._open(Path(str(value)))
            else:
                self._note(index, str(value))

        self.background.run(work, done=done, failed=failed)

    def stop_all(self) -> None:
        for stop in self._running.values():
            stop.set()
