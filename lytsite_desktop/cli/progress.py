"""How the command line shows an upload: progress bars on a terminal, JSON lines for scripts."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from lytsite_desktop.core.events import (
    BatchDone,
    Event,
    FileCancelled,
    FileDone,
    FileFailed,
    FileQueued,
    FileStateChanged,
)
from lytsite_desktop.core.events import Progress as ProgressEvent
from lytsite_desktop.core.sizes import format_size

RESUME_HINT = "Stopped. Nothing is lost: run 'lytsite-desktop resume' to finish the upload."


class JsonLines:
    """Subscriber writing one JSON object per event to stdout (``--json``)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        self._write(event.to_dict())

    def message(self, kind: str, **fields: object) -> None:
        """An event that is not the engine's (notices, errors before the upload)."""
        self._write({"event": kind, **fields})

    def _write(self, data: dict[str, object]) -> None:
        line = json.dumps(data, ensure_ascii=False)
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()


class TerminalProgress:
    """Subscriber drawing a bar per active file and one overall bar (bytes, speed, ETA).

    On a terminal the bars redraw a few times a second; otherwise only finished
    and failed files are printed, one line each.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, soft_wrap=True)
        self.live = self.console.is_terminal
        self._lock = threading.Lock()
        self._rows: dict[int, TaskID] = {}
        self._names: dict[int, str] = {}
        self._done: dict[int, int] = {}
        self._total = 0
        self._files = 0
        self._finished = 0
        self.failures: list[tuple[str, str]] = []
        #: Files published without a preview, and why.
        self.no_preview: list[tuple[str, str]] = []
        self._progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=None),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
            refresh_per_second=4,
            disable=not self.live,
        )
        self._overall = self._progress.add_task("[bold]all files", total=0)
        self._start = time.monotonic()

    def __enter__(self) -> TerminalProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def _label(self, task: int) -> str:
        name = self._names.get(task, str(task))
        return escape(name if len(name) <= 40 else "…" + name[-39:])

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._handle(event)

    def _handle(self, event: Event) -> None:
        p = self._progress
        if isinstance(event, FileQueued):
            self._names[event.task] = event.rel_path
            self._done[event.task] = 0
            self._total += event.size
            self._files += 1
            p.update(self._overall, total=self._total, description=self._overall_label())
        elif isinstance(event, ProgressEvent):
            if event.task not in self._rows and event.bytes_done < event.size and self.live:
                self._rows[event.task] = p.add_task(self._label(event.task), total=event.size)
            delta = event.bytes_done - self._done.get(event.task, 0)
            self._done[event.task] = event.bytes_done
            if event.task in self._rows:
                p.update(self._rows[event.task], completed=event.bytes_done, total=event.size)
            p.advance(self._overall, delta)
        elif isinstance(event, FileStateChanged):
            if event.task in self._rows:
                label = self._label(event.task)
                if event.state not in ("uploading", "queued"):
                    label = f"{label} [yellow]({event.state})"
                p.update(self._rows[event.task], description=label)
        elif isinstance(event, FileDone | FileFailed | FileCancelled):
            self._finished += 1
            row = self._rows.pop(event.task, None)
            if row is not None:
                p.remove_task(row)
            p.update(self._overall, description=self._overall_label())
            if isinstance(event, FileFailed):
                self.failures.append((event.rel_path, event.reason))
                self.console.print(
                    f"[red]failed[/red] {escape(event.rel_path)}: {escape(event.reason)}"
                )
            elif isinstance(event, FileDone):
                if event.note:
                    self.no_preview.append((event.rel_path, event.note))
                if not self.live:
                    how = "already published" if event.already_published else "published"
                    note = f" ({escape(event.note)})" if event.note else ""
                    self.console.print(f"{how} {escape(event.rel_path)}{note}")

    def _overall_label(self) -> str:
        return f"[bold]{self._finished}/{self._files} files"

    def report(self, summary: BatchDone) -> None:
        """The closing lines: counts, bytes, time, and failures grouped by reason."""
        elapsed = time.monotonic() - self._start
        parts = [f"{summary.published} published"]
        if summary.failed:
            parts.append(f"{summary.failed} failed")
        if summary.cancelled:
            parts.append(f"{summary.cancelled} cancelled")
        self.console.print(
            f"{', '.join(parts)}; sent {format_size(summary.bytes_sent)} in {elapsed:.1f} s"
        )
        if self.no_preview:
            self.console.print(f"{len(self.no_preview)} published without a preview:")
            for name, note in self.no_preview[:5]:
                self.console.print(f"  [yellow]{escape(name)}[/yellow]: {escape(note)}")
            if len(self.no_preview) > 5:
                self.console.print(f"  ... and {len(self.no_preview) - 5} more")
        if len(self.failures) > 3:
            for reason, count in Counter(r for _, r in self.failures).most_common():
                self.console.print(f"[red]{count} file(s) failed:[/red] {escape(reason)}")
        if summary.interrupted:
            self.console.print(RESUME_HINT)
