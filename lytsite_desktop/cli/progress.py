"""How the command line tells a script about an upload (JSON lines) and a person
about a problem. The progress bars on a terminal are in :mod:`.terminal`, loaded
only when there is one to draw on (``rich`` takes a twentieth of a second to load).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TextIO

from lytsite_desktop.core.events import Event

RESUME_HINT = "Stopped. Nothing is lost: run 'lytsite-desktop resume' to finish the upload."


def say_error(args: argparse.Namespace, message: str) -> None:
    """A problem for the person at the terminal (and a JSON line for a script)."""
    if getattr(args, "json", False):
        JsonLines().message("error", message=message)
    print(f"lytsite-desktop: {message}", file=sys.stderr)


class JsonLines:
    """Subscriber writing one JSON object per event to stdout (``--json``). A reader
    that goes away (``| head``) stops the output, never the upload."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._lock = threading.Lock()
        self._gone = False

    def __call__(self, event: Event) -> None:
        self._write(event.to_dict())

    def message(self, kind: str, **fields: object) -> None:
        """An event that is not the engine's (notices, errors before the upload)."""
        self._write({"event": kind, **fields})

    def _write(self, data: dict[str, object]) -> None:
        line = json.dumps(data, ensure_ascii=False)
        with self._lock:
            if self._gone:
                return
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except BrokenPipeError:
                self._gone = True
