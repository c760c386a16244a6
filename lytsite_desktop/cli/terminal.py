"""Progress bars for an upload on a terminal (``rich``), one line per file elsewhere.

Sizes and speeds are binary (KiB, MiB/s) everywhere, as in the window; speeds and
time left come from :class:`~lytsite_desktop.core.speed.SpeedMeter`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, TaskID, TextColumn
from rich.progress import Task as RichTask
from rich.table import Column
from rich.text import Text

from lytsite_desktop.cli.progress import RESUME_HINT
from lytsite_desktop.core.events import (
    BatchDone,
    Event,
    FileCancelled,
    FileDone,
    FileFailed,
    FileQueued,
    FileStateChanged,
    Problem,
    Stopping,
)
from lytsite_desktop.core.events import Progress as ProgressEvent
from lytsite_desktop.core.sizes import format_duration, format_rate, format_size
from lytsite_desktop.core.speed import SpeedMeter
from lytsite_desktop.core.states import SHOWS_SPEED, FileState


class _Size(ProgressColumn):
    def render(self, task: RichTask) -> Text:
        total = format_size(task.total or 0)
        return Text(f"{format_size(task.completed)}/{total}", style="progress.download")


def _meter(task: RichTask) -> SpeedMeter | None:
    """A bar's speed, measured when drawn (a link that went dead reads no speed,
    though no event comes to say so); only while its file uploads, as in the window
    (states.SHOWS_SPEED): what a dead link takes into its buffers before the reset
    is no speed, nor is a speed fading while a file is added to the gallery."""
    return task.fields.get("meter") if task.fields.get("sending") else None


class _Speed(ProgressColumn):
    def render(self, task: RichTask) -> Text:
        meter = _meter(task)
        speed = meter.rate() if meter is not None else 0.0
        return Text(format_rate(speed) if speed else "", style="progress.data.speed")


class _Left(ProgressColumn):
    def render(self, task: RichTask) -> Text:
        meter = _meter(task)
        left = meter.eta(int((task.total or 0) - task.completed)) if meter is not None else None
        return Text(format_duration(left) if left is not None else "", style="progress.remaining")


class _Meter:
    """A bar's figures: bytes in the store, bytes sent, and the speed of the latter."""

    def __init__(self, size: int, clock: Callable[[], float]) -> None:
        self.size, self.done, self.sent = size, 0, 0
        self.speed = SpeedMeter(clock=clock)


class TerminalProgress:
    """Subscriber drawing a bar per active file and one overall bar (bytes, speed,
    time left). On a terminal the bars redraw a few times a second; otherwise only
    finished and failed files are printed, one line each."""

    def __init__(
        self, console: Console | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.console = console or Console(stderr=True, soft_wrap=True)
        self._clock = clock
        self.live = self.console.is_terminal
        self._lock = threading.Lock()
        self._rows: dict[int, TaskID] = {}
        self._names: dict[int, str] = {}
        self._files: dict[int, _Meter] = {}
        self._all = SpeedMeter(clock=clock)
        self._size = self._done = self._sent = 0  # over every file
        self._finished: set[int] = set()
        self._sending: set[int] = set()  # files uploading now (states.SHOWS_SPEED)
        self._retry_reasons: set[str] = set()
        #: Files published without a preview, and why.
        self.no_preview: list[tuple[str, str]] = []
        whole = Column(no_wrap=True)  # figures are cut, never wrapped
        named = Column(no_wrap=True, overflow="ellipsis")
        self._progress = Progress(
            TextColumn("{task.description}", justify="left", table_column=named),
            BarColumn(bar_width=None),
            _Size(table_column=whole),
            _Speed(table_column=whole),
            _Left(table_column=whole),
            console=self.console,
            transient=False,
            refresh_per_second=4,
            disable=not self.live,
        )
        self._overall = self._progress.add_task("[bold]all files", total=0, meter=self._all)
        self._start = time.monotonic()

    def __enter__(self) -> TerminalProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def _label(self, task: int, said: str = "") -> str:
        """The file's name (its end, when it must be cut) and what it is doing, in
        at most two fifths of the terminal: on 80 columns a long name beside
        "(adding to the gallery)" wrapped the bar's sizes over three lines."""
        name = self._names.get(task, str(task))
        note = f" ({said})" if said else ""
        room = max(12, min(40, self.console.width * 2 // 5 - len(note)))
        shown = escape(name if len(name) <= room else "…" + name[-(room - 1) :])
        return f"{shown} [yellow]{escape(note.strip())}" if said else shown

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._handle(event)

    def _handle(self, event: Event) -> None:
        if isinstance(event, FileQueued):
            if event.task not in self._files:  # a file announced again is not counted twice
                self._names[event.task] = event.rel_path
                self._files[event.task] = _Meter(0, self._clock)
                self._set(self._files[event.task], event.size, 0, 0)
            self._finished.discard(event.task)
            self._update_overall()
        elif isinstance(event, ProgressEvent):
            self._progress_of(event)
        elif isinstance(event, FileStateChanged):
            why = event.detail if event.state is FileState.RETRYING else ""
            if event.state in SHOWS_SPEED:
                self._sending.add(event.task)
            else:
                self._sending.discard(event.task)
            self._update_overall()
            if event.task in self._rows:
                said = ""
                if event.state not in (FileState.UPLOADING, FileState.QUEUED):
                    said = f"{event.state.label}: {why}" if why else event.state.label
                label = self._label(event.task, said)
                self._progress.update(
                    self._rows[event.task], description=label, sending=event.state in SHOWS_SPEED
                )
            elif why and why not in self._retry_reasons and not self.live:
                self._retry_reasons.add(why)  # each reason once, not once a file
                self.console.print(f"[yellow]retrying[/yellow]: {escape(why)}")
        elif isinstance(event, FileDone | FileFailed | FileCancelled):
            self._file_ended(event)
        elif isinstance(event, Stopping):
            self.console.print(
                f"[yellow]Stopping: finishing the {event.parts_in_flight} part(s) in the air "
                f"(at most {event.seconds:.0f} s). Press Ctrl-C again to stop at once."
            )
        elif isinstance(event, Problem):
            self.console.print(f"[red]{escape(event.message)}")

    def _set(self, meter: _Meter, size: int, done: int, sent: int) -> None:
        self._size += size - meter.size
        self._done += done - meter.done
        self._sent += max(0, sent - meter.sent)
        meter.size, meter.done, meter.sent = size, done, max(sent, meter.sent)

    def _progress_of(self, event: ProgressEvent) -> None:
        meter = self._files.get(event.task)
        if meter is None:  # progress of a file not announced before
            meter = self._files[event.task] = _Meter(0, self._clock)
        self._set(meter, event.size, event.bytes_done, event.sent)
        meter.speed.update(meter.sent)
        if event.task not in self._rows and event.bytes_done < event.size and self.live:
            label = self._label(event.task)
            self._rows[event.task] = self._progress.add_task(
                label, total=0, meter=meter.speed, sending=event.task in self._sending
            )
        if event.task in self._rows:
            self._progress.update(
                self._rows[event.task], completed=event.bytes_done, total=event.size
            )
        self._update_overall()

    def _update_overall(self) -> None:
        self._all.update(self._sent)
        self._progress.update(
            self._overall, total=self._size, completed=self._done,
            description=f"[bold]{len(self._finished)}/{len(self._files)} files",
            sending=bool(self._sending),
        )  # fmt: skip

    def _file_ended(self, event: FileDone | FileFailed | FileCancelled) -> None:
        self._finished.add(event.task)
        self._sending.discard(event.task)
        row = self._rows.pop(event.task, None)
        if row is not None:
            self._progress.remove_task(row)
        meter = self._files.get(event.task)
        if isinstance(event, FileDone) and meter is not None:
            self._set(meter, meter.size, meter.size, meter.sent)
        self._update_overall()
        if isinstance(event, FileFailed):
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

    def report(self, results: list[BatchDone], *, interrupted: bool,
               links: Sequence[str] = ()) -> None:  # fmt: skip
        """The closing lines: counts, bytes, time, failures grouped by reason, and the
        ``links`` to the client's pages (each on one line, whole, to copy)."""
        elapsed = time.monotonic() - self._start
        published = sum(r.published for r in results)
        failed = sum(r.failed for r in results)
        cancelled = sum(r.cancelled for r in results)
        sent = sum(r.bytes_sent for r in results)
        parts = [f"{published} published"]
        if failed:
            parts.append(f"{failed} failed")
        if cancelled:
            parts.append(f"{cancelled} cancelled")
        self.console.print(f"{', '.join(parts)}; sent {format_size(sent)} in {elapsed:.1f} s")
        if self.no_preview:
            self.console.print(f"{len(self.no_preview)} published without a preview:")
            for name, note in self.no_preview[:5]:
                self.console.print(f"  [yellow]{escape(name)}[/yellow]: {escape(note)}")
            if len(self.no_preview) > 5:
                self.console.print(f"  ... and {len(self.no_preview) - 5} more")
        reasons: Counter[str] = Counter()
        for result in results:
            reasons.update(dict(result.failures))
        if reasons.total() > 3:
            for reason, count in reasons.most_common():
                self.console.print(f"[red]{count} file(s) failed:[/red] {escape(reason)}")
        for link in dict.fromkeys(links):
            self.console.print(f"The client's page: {escape(link)}")
        if interrupted:
            self.console.print(RESUME_HINT)
